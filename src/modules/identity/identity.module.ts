import { Module } from '@nestjs/common';
import { AUTHENTICATOR } from '../../core/auth/authenticator';
import { AuthorizationModule } from '../authorization/authorization.module';
import { CryptoModule } from '../crypto/crypto.module';
import { NotificationsModule } from '../notifications/notifications.module';
import { ApiKeysResolver } from './api-keys.resolver';
import { AuthResolver } from './auth.resolver';
import { AuthService } from './auth.service';
import { IdentityAuthenticator } from './identity.authenticator';
import { JwksController } from './jwks.controller';
import { ApiKeyAdminService } from './services/api-key-admin.service';
import { ApiKeysService } from './services/api-keys.service';
import { UserAdminService } from './services/user-admin.service';
import { MfaEnrollmentService } from './services/mfa-enrollment.service';
import { MfaService } from './services/mfa.service';
import { PasswordResetService } from './services/password-reset.service';
import { PasswordService } from './services/password.service';
import { LoginShedService } from './services/login-shed.service';
import { TrustedDevicesService } from './services/trusted-devices.service';
import { HASHING_ADMISSION } from '../../core/request/hashing-admission';
import { SessionService } from './services/session.service';
import { ThrottleService } from './services/throttle.service';
import { TokenService } from './services/token.service';
import { UsersService } from './services/users.service';
import { SessionsResolver } from './sessions.resolver';
import { PasskeysResolver } from './passkeys.resolver';
import { PasskeyAuthService } from './services/passkey-auth.service';
import { PasskeyChallengesService } from './services/passkey-challenges.service';
import { PasskeyPolicyService } from './services/passkey-policy.service';
import { PasskeysService } from './services/passkeys.service';
import { UsersResolver } from './users.resolver';
import { SecurityNoticesService } from './services/security-notices.service';
import { ApiKeyStrategy } from './strategies/api-key.strategy';
import { JwtStrategy } from './strategies/jwt.strategy';

@Module({
  imports: [AuthorizationModule, CryptoModule, NotificationsModule],
  controllers: [JwksController],
  providers: [
    PasswordService,
    LoginShedService,
    TrustedDevicesService,
    { provide: HASHING_ADMISSION, useExisting: LoginShedService },
    ThrottleService,
    TokenService,
    SessionService,
    MfaService,
    SecurityNoticesService,
    PasskeyPolicyService,
    PasskeyChallengesService,
    MfaEnrollmentService,
    ApiKeysService,
    ApiKeyAdminService,
    UsersService,
    UserAdminService,
    AuthService,
    PasswordResetService,
    PasskeysService,
    PasskeyAuthService,
    ApiKeyStrategy,
    JwtStrategy,
    IdentityAuthenticator,
    { provide: AUTHENTICATOR, useExisting: IdentityAuthenticator },
    AuthResolver,
    SessionsResolver,
    ApiKeysResolver,
    UsersResolver,
    PasskeysResolver,
  ],
  exports: [
    HASHING_ADMISSION,
    AUTHENTICATOR,
    UsersService,
    AuthService,
    PasswordService,
    // Containment actions of the incidents module.
    UserAdminService,
    ApiKeyAdminService,
  ],
})
export class IdentityModule {}
