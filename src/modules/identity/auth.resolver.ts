import { Args, Context, Mutation, Query, Resolver } from '@nestjs/graphql';
import type { FastifyRequest } from 'fastify';
import type { CookieJar } from '../../core/graphql/graphql-context';
import { AllowDuringMfaEnrollment, Authenticated } from '../../core/auth/auth.decorators';
import { STEP_UP_WINDOW_MS } from '../../core/auth/step-up';
import { Public } from '../../core/auth/public.decorator';
import { Ctx, RequestContext } from '../../core/auth/request-context';
import { AppConfigService } from '../../core/config/app-config.service';
import { AuthService, IssuedTokens } from './auth.service';
import {
  AuthTokensDTO,
  BackupCodesDTO,
  ChangePasswordInput,
  DisableMfaInput,
  LoginInput,
  LoginResult,
  MfaCodeInput,
  MfaEnrollmentRequiredDTO,
  MfaRequiredDTO,
  RefreshTokenInput,
  RequestPasswordResetInput,
  ResetPasswordInput,
  StepUpResultDTO,
  TotpEnrollmentDTO,
  VerifyMfaInput,
} from './dto/auth.dto';
import { UserDTO } from './dto/user.dto';
import { IdentityErrorCode, IdentityException } from './identity.exception';
import { MfaEnrollmentService } from './services/mfa-enrollment.service';
import { PasswordResetService } from './services/password-reset.service';
import { UsersService } from './services/users.service';
import { deviceCookieOf, TrustedDevicesService } from './services/trusted-devices.service';
import { clearRefreshCookie, refreshCookieOf } from './utils/refresh-cookie';
import { deliverTokens } from './utils/deliver-tokens';
import { RateLimitClass } from '../../core/rate-limit/rate-class';

@Resolver()
export class AuthResolver {
  constructor(
    private readonly auth: AuthService,
    private readonly mfa: MfaEnrollmentService,
    private readonly passwordReset: PasswordResetService,
    private readonly users: UsersService,
    private readonly config: AppConfigService,
    private readonly devices: TrustedDevicesService,
  ) {}

  @RateLimitClass('auth')
  @Public()
  @Mutation(() => LoginResult, { description: 'Password step; branches on MFA' })
  async login(
    @Args('input') input: LoginInput,
    @Context('req') req: FastifyRequest,
    @Context('cookies') res: CookieJar,
  ): Promise<AuthTokensDTO | MfaRequiredDTO | MfaEnrollmentRequiredDTO> {
    const lane = this.devices.laneFor(input.email, deviceCookieOf(req.cookies));
    const outcome = await this.auth.login(input.email, input.password, lane);
    if (outcome.kind === 'mfa_required')
      return { mfaToken: outcome.mfaToken, expiresAt: outcome.expiresAt };
    if (outcome.kind === 'mfa_enrollment_required') {
      return {
        accessToken: outcome.accessToken,
        accessTokenExpiresAt: outcome.accessTokenExpiresAt,
      };
    }
    this.devices.remember(res, outcome.user.emailBidx);
    return this.deliver(outcome, res, input.returnRefreshToken);
  }

  @RateLimitClass('auth')
  @Public()
  @Mutation(() => AuthTokensDTO, { description: 'MFA step of a login' })
  async verifyMfa(
    @Args('input') input: VerifyMfaInput,
    @Context('cookies') res: CookieJar,
  ): Promise<AuthTokensDTO> {
    const tokens = await this.auth.verifyMfa(input.mfaToken, input.code);
    this.devices.remember(res, tokens.user.emailBidx);
    return this.deliver(tokens, res, input.returnRefreshToken);
  }

  @RateLimitClass('auth')
  @Public()
  @Mutation(() => AuthTokensDTO, { description: 'Rotates the refresh token (cookie or input)' })
  async refreshToken(
    @Args('input', { type: () => RefreshTokenInput, nullable: true })
    input: RefreshTokenInput | undefined,
    @Context('req') req: FastifyRequest,
    @Context('cookies') res: CookieJar,
  ): Promise<AuthTokensDTO> {
    const presented = input?.refreshToken ?? refreshCookieOf(req);
    if (!presented)
      throw new IdentityException(IdentityErrorCode.INVALID_TOKEN, 'No refresh token');
    return this.deliver(await this.auth.refresh(presented), res, input?.returnRefreshToken);
  }

  @Authenticated()
  @AllowDuringMfaEnrollment()
  @Mutation(() => Boolean)
  async logout(@Ctx() ctx: RequestContext, @Context('cookies') res: CookieJar): Promise<boolean> {
    clearRefreshCookie(res);
    return ctx.sessionId ? this.auth.logout(ctx.sessionId, ctx.principal.userId) : false;
  }

  @Authenticated()
  @AllowDuringMfaEnrollment()
  @Query(() => UserDTO)
  async me(@Ctx() ctx: RequestContext): Promise<UserDTO> {
    return UserDTO.from(await this.users.require(ctx.principal.userId));
  }

  @RateLimitClass('auth')
  @Authenticated()
  @AllowDuringMfaEnrollment()
  @Mutation(() => TotpEnrollmentDTO, {
    description: 'Starts TOTP enrollment; active after confirmTotp',
  })
  enrollTotp(@Ctx() ctx: RequestContext): Promise<TotpEnrollmentDTO> {
    this.assertUser(ctx);
    return this.mfa.enroll(ctx.principal.userId);
  }

  @RateLimitClass('auth')
  @Authenticated()
  @AllowDuringMfaEnrollment()
  @Mutation(() => BackupCodesDTO, {
    description: 'Turns MFA on; returns ten backup codes, shown once',
  })
  async confirmTotp(
    @Ctx() ctx: RequestContext,
    @Args('input') input: MfaCodeInput,
  ): Promise<BackupCodesDTO> {
    this.assertUser(ctx);
    return { codes: await this.mfa.confirm(ctx.principal.userId, input.code, ctx.sessionId) };
  }

  @RateLimitClass('auth')
  @Authenticated()
  @Mutation(() => Boolean)
  async disableMfa(
    @Ctx() ctx: RequestContext,
    @Args('input') input: DisableMfaInput,
  ): Promise<boolean> {
    this.assertUser(ctx);
    await this.mfa.disable(ctx.principal.userId, input.password, input.code);
    return true;
  }

  @RateLimitClass('auth')
  @Authenticated()
  @Mutation(() => BackupCodesDTO)
  async regenerateBackupCodes(
    @Ctx() ctx: RequestContext,
    @Args('input') input: MfaCodeInput,
  ): Promise<BackupCodesDTO> {
    this.assertUser(ctx);
    return { codes: await this.mfa.regenerateBackupCodes(ctx.principal.userId, input.code) };
  }

  @RateLimitClass('auth')
  @Authenticated()
  @Mutation(() => StepUpResultDTO, {
    description: 'Fresh MFA check for sensitive operations (10 minutes)',
  })
  async stepUp(
    @Ctx() ctx: RequestContext,
    @Args('input') input: MfaCodeInput,
  ): Promise<StepUpResultDTO> {
    this.assertUser(ctx);
    const verifiedAt = await this.mfa.stepUp(
      ctx.principal.userId,
      ctx.sessionId as string,
      input.code,
    );
    return { verifiedAt, validUntil: new Date(verifiedAt.getTime() + STEP_UP_WINDOW_MS) };
  }

  @RateLimitClass('auth')
  @Authenticated()
  @Mutation(() => Boolean, {
    description: "Changes the caller's password; ends their other sessions",
  })
  async changePassword(
    @Ctx() ctx: RequestContext,
    @Args('input') input: ChangePasswordInput,
  ): Promise<boolean> {
    this.assertUser(ctx);
    await this.auth.changePassword(
      ctx.principal.userId,
      ctx.sessionId,
      input.currentPassword,
      input.newPassword,
    );
    return true;
  }

  @RateLimitClass('auth')
  @Public()
  @Mutation(() => Boolean, { description: 'Always true: whether the email exists is not revealed' })
  async requestPasswordReset(@Args('input') input: RequestPasswordResetInput): Promise<boolean> {
    await this.passwordReset.requestPasswordReset(input.email);
    return true;
  }

  @RateLimitClass('auth')
  @Public()
  @Mutation(() => Boolean)
  async resetPassword(@Args('input') input: ResetPasswordInput): Promise<boolean> {
    await this.passwordReset.resetPassword(input.token, input.newPassword);
    return true;
  }

  private assertUser(ctx: RequestContext): void {
    if (ctx.principal.type !== 'user' || !ctx.sessionId) {
      throw new IdentityException(
        IdentityErrorCode.INVALID_TOKEN,
        'Only a signed-in user can do this',
      );
    }
  }

  private deliver(tokens: IssuedTokens, res: CookieJar, inBody?: boolean): AuthTokensDTO {
    return deliverTokens(tokens, res, this.config.get('SESSION_MAX_HOURS'), inBody);
  }
}
