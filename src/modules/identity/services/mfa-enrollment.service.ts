import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditService } from '../../audit/audit.service';
import { AuditResult } from '../../audit';
import { BackupCodeEntity } from '../entities/backup-code.entity';
import { UserEntity } from '../entities/user.entity';
import { IdentityErrorCode, IdentityException } from '../identity.exception';
import { MfaService } from './mfa.service';
import { PasswordService } from './password.service';
import { SessionService } from './session.service';
import { ThrottleService } from './throttle.service';
import { UsersService } from './users.service';
import { AbilityService } from '../../authorization/services/ability.service';
import { SecurityNoticesService } from './security-notices.service';
import { PasskeyPolicyService } from './passkey-policy.service';

/** Turning MFA on and off, backup codes, and the step-up check of a live session. */
@Injectable()
export class MfaEnrollmentService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly users: UsersService,
    private readonly mfa: MfaService,
    private readonly passwords: PasswordService,
    private readonly sessions: SessionService,
    private readonly throttle: ThrottleService,
    private readonly audit: AuditService,
    private readonly abilities: AbilityService,
    private readonly notices: SecurityNoticesService,
    private readonly passkeys: PasskeyPolicyService,
  ) {}

  /** Starts (or restarts) enrollment: a new pending secret; MFA turns on only after `confirm`. */
  async enroll(userId: string): Promise<{ otpauthUri: string; qrCodeDataUrl: string }> {
    const user = await this.users.require(userId);
    if (user.mfaEnabled)
      throw new IdentityException(IdentityErrorCode.MFA_ALREADY_ENABLED, 'MFA is already on');
    const secret = this.mfa.newSecret();
    user.totpSecret = secret;
    user.totpLastStep = null;
    await this.dataSource.transaction(async (m) => {
      await m.getRepository(UserEntity).save(user);
      await this.audit.record(
        { action: 'mfa.enrollment_started', resourceType: 'User', resourceId: userId },
        m,
      );
    });
    return this.mfa.enrollment(secret, user.email);
  }

  /** Confirms enrollment with a first code; returns the ten backup codes, shown this once. */
  async confirm(userId: string, code: string, sessionId?: string): Promise<string[]> {
    const user = await this.users.require(userId);
    if (user.mfaEnabled)
      throw new IdentityException(IdentityErrorCode.MFA_ALREADY_ENABLED, 'MFA is already on');
    if (!user.totpSecret)
      throw new IdentityException(IdentityErrorCode.MFA_NOT_ENROLLED, 'Start enrollment first');
    const step = this.mfa.matchTotp(user.totpSecret, code.trim(), user.totpLastStep);
    if (step === null) {
      await this.failure(user, 'mfa.enrollment_confirmed');
      throw new IdentityException(IdentityErrorCode.INVALID_MFA_CODE, 'The code is not valid');
    }
    return this.dataSource.transaction(async (m) => {
      await m.getRepository(UserEntity).update(
        { id: userId },
        {
          mfaEnabled: true,
          mfaEnrolledAt: new Date(),
          totpLastStep: String(step),
          mfaReenrollRequired: false,
        },
      );
      const codes = await this.mfa.regenerateBackupCodes(userId, m);
      // An enrollment-only session (admin without MFA) has done its one job: it ends here.
      if (sessionId) {
        const session = await this.sessions.findById(sessionId, m);
        if (session?.enrollmentOnly) await this.sessions.revoke(sessionId, 'mfa_enrolled', m);
      }
      await this.audit.record(
        { action: 'mfa.enrollment_confirmed', resourceType: 'User', resourceId: userId },
        m,
      );
      await this.notices.notify(user, 'mfa_enabled', m);
      return codes;
    });
  }

  async disable(userId: string, password: string, code: string): Promise<void> {
    const user = await this.users.require(userId);
    if (!user.mfaEnabled)
      throw new IdentityException(IdentityErrorCode.MFA_NOT_ENROLLED, 'MFA is not on');
    if (
      await this.abilities.requiresMfa({ role: user.role, userId: user.id, teamId: user.teamId })
    ) {
      throw new IdentityException(
        IdentityErrorCode.MFA_REQUIRED_FOR_ROLE,
        'Your role may manage users, roles, keys, audit or crypto: MFA stays on',
      );
    }
    await this.throttle.assertNotLocked(user.emailBidx, null);
    const passwordOk = await this.passwords.verify(user.passwordHash, password);
    await this.dataSource
      .transaction(async (m) => {
        const method = passwordOk ? await this.mfa.verifyCode(user, code, m) : null;
        if (!method) {
          await this.throttle.recordFailure(user.emailBidx, null);
          throw new IdentityException(
            IdentityErrorCode.INVALID_CREDENTIALS,
            'Password or code is not valid',
          );
        }
        await m
          .getRepository(UserEntity)
          .update(
            { id: userId },
            { mfaEnabled: false, totpSecretCipher: null, totpLastStep: null, mfaEnrolledAt: null },
          );
        await m.getRepository(BackupCodeEntity).delete({ userId });
        await this.audit.record(
          { action: 'mfa.disabled', resourceType: 'User', resourceId: userId },
          m,
        );
        await this.notices.notify(user, 'mfa_disabled', m);
      })
      .catch(async (e: unknown) => {
        if (e instanceof IdentityException) await this.failure(user, 'mfa.disabled');
        throw e;
      });
  }

  async regenerateBackupCodes(userId: string, code: string): Promise<string[]> {
    const user = await this.users.require(userId);
    return this.dataSource.transaction(async (m) => {
      if (!(await this.mfa.verifyCode(user, code, m))) {
        throw new IdentityException(IdentityErrorCode.INVALID_MFA_CODE, 'The code is not valid');
      }
      const codes = await this.mfa.regenerateBackupCodes(userId, m);
      await this.audit.record(
        { action: 'mfa.backup_codes_regenerated', resourceType: 'User', resourceId: userId },
        m,
      );
      await this.notices.notify(user, 'backup_codes_regenerated', m);
      return codes;
    });
  }

  /** Step-up: a fresh MFA check for the current session, needed by sensitive operations. */
  async stepUp(userId: string, sessionId: string, code: string): Promise<Date> {
    const user = await this.users.require(userId);
    await this.throttle.assertNotLocked(user.emailBidx, null);
    // The role requires the passkey this user has (stepUpWithPasskey): no code is checked.
    const refusal = await this.passkeys.codesRefusal(user);
    if (refusal) {
      await this.audit.record({
        action: 'auth.step_up',
        result: AuditResult.Failure,
        errorCode: refusal.reason,
        resourceType: 'Session',
        resourceId: sessionId,
      });
      throw refusal;
    }
    return this.dataSource.transaction(async (m) => {
      const method = await this.mfa.verifyCode(user, code, m);
      if (!method) {
        await this.throttle.recordFailure(user.emailBidx, null);
        throw new IdentityException(IdentityErrorCode.INVALID_MFA_CODE, 'The code is not valid');
      }
      await this.sessions.markMfaVerified(sessionId, m);
      await this.audit.record(
        {
          action: 'auth.step_up',
          resourceType: 'Session',
          resourceId: sessionId,
          changes: { method },
        },
        m,
      );
      return new Date();
    });
  }

  private failure(user: UserEntity, action: string) {
    return this.audit.record({
      action,
      result: AuditResult.Failure,
      errorCode: IdentityErrorCode.INVALID_MFA_CODE,
      resourceType: 'User',
      resourceId: user.id,
    });
  }
}
