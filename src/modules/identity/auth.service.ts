import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, IsNull, MoreThan } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { requestStore } from '../../core/request/request-store';
import { AuditService } from '../audit/audit.service';
import { ActorType, AuditResult } from '../audit';
import { OneTimeTokenEntity, OneTimeTokenKind } from './entities/one-time-token.entity';
import { SessionEntity } from './entities/session.entity';
import { UserEntity, UserStatus } from './entities/user.entity';
import { IdentityErrorCode, IdentityException } from './identity.exception';
import { MfaService } from './services/mfa.service';
import { PasswordService } from './services/password.service';
import { LoginShedService } from './services/login-shed.service';
import { SessionService } from './services/session.service';
import { ThrottleService } from './services/throttle.service';
import { TokenService } from './services/token.service';
import { UsersService } from './services/users.service';
import { randomToken, sha256 } from './utils/secrets';
import { AbilityService } from '../authorization/services/ability.service';
import { SecurityNoticesService } from './services/security-notices.service';
import { PasskeyPolicyService } from './services/passkey-policy.service';
import { retryDeadlock } from '../../core/database/transaction';

export const MFA_CHALLENGE_MINUTES = 5;
export const MFA_CHALLENGE_ATTEMPTS = 5;

export interface IssuedTokens {
  kind: 'tokens';
  accessToken: string;
  accessTokenExpiresAt: Date;
  refreshToken: string;
  user: UserEntity;
  sessionId: string;
}

export type LoginOutcome =
  | IssuedTokens
  | { kind: 'mfa_required'; mfaToken: string; expiresAt: Date }
  | ({ kind: 'mfa_enrollment_required' } & Omit<IssuedTokens, 'kind'>);

interface ClientMeta {
  ip: string | null;
  userAgent: string | null;
}

function clientMeta(): ClientMeta {
  const store = requestStore.getStore();
  return { ip: store?.ip ?? null, userAgent: store?.userAgent ?? null };
}

/** Sign-in, MFA, refresh rotation, sign-out and passwords: every attempt is audited. */
@Injectable()
export class AuthService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly users: UsersService,
    private readonly passwords: PasswordService,
    private readonly throttle: ThrottleService,
    private readonly tokens: TokenService,
    private readonly sessions: SessionService,
    private readonly mfa: MfaService,
    private readonly audit: AuditService,
    private readonly abilities: AbilityService,
    private readonly notices: SecurityNoticesService,
    private readonly shed: LoginShedService,
    private readonly passkeys: PasskeyPolicyService,
  ) {}

  /**
   * Password step. Unknown email and wrong password look and cost the same. `lane`: the account's
   * hashing lane when the sign-in comes from a trusted device (TrustedDevicesService).
   */
  async login(email: string, password: string, lane?: string): Promise<LoginOutcome> {
    const meta = clientMeta();
    // Overload: refuse before any database work or hashing, so a flood of sign-ins costs little and
    // the rest of the API keeps answering (most are refused before GraphQL, see hashing-admission;
    // these raced past it). Refusals are audited in aggregate.
    try {
      this.passwords.assertCapacity(lane);
    } catch (e) {
      this.shed.shed(meta.ip);
      throw e;
    }
    const accountKey =
      this.users.emailKey(email) ?? sha256(`invalid-email:${email.trim().toLowerCase()}`);
    try {
      await this.throttle.assertNotLocked(accountKey, meta.ip);
    } catch (e) {
      await this.auditLogin(
        null,
        AuditResult.Failure,
        e instanceof IdentityException ? e.reason : 'LOCKED',
        undefined,
        { accountHash: accountHash(accountKey) },
      );
      throw e;
    }
    const user = await this.users.findByEmail(email);
    let ok: boolean;
    try {
      ok = await this.passwords.verify(user?.passwordHash ?? this.passwords.dummy, password, lane);
    } catch (e) {
      this.shed.shed(meta.ip);
      throw e;
    }
    if (!user || !ok) {
      await this.throttle.recordFailure(accountKey, meta.ip);
      await this.auditLogin(
        user,
        AuditResult.Failure,
        IdentityErrorCode.INVALID_CREDENTIALS,
        undefined,
        { accountHash: accountHash(accountKey) },
      );
      throw new IdentityException(
        IdentityErrorCode.INVALID_CREDENTIALS,
        'Email or password is incorrect',
      );
    }
    if (user.status !== UserStatus.Active) {
      await this.auditLogin(user, AuditResult.Failure, IdentityErrorCode.ACCOUNT_DISABLED);
      throw new IdentityException(IdentityErrorCode.ACCOUNT_DISABLED, 'This account is disabled');
    }
    await this.throttle.clearAccount(accountKey, meta.ip);
    // A password that the policy would refuse today (the common list grows): prompt a change.
    if (this.passwords.isUnacceptable(password, user.email)) {
      await this.notices.notify(user, 'password_change_due');
      await this.audit.record({
        action: 'auth.password_change_due',
        resourceType: 'User',
        resourceId: user.id,
      });
    }
    if (this.passwords.needsRehash(user.passwordHash)) {
      await this.dataSource
        .getRepository(UserEntity)
        .update({ id: user.id }, { passwordHash: await this.passwords.hash(password) });
    }

    // A second factor (TOTP, or a passkey alone) makes this the first of two steps.
    if (await this.passkeys.hasSecondFactor(user)) {
      const mfaToken = randomToken();
      const expiresAt = new Date(Date.now() + MFA_CHALLENGE_MINUTES * 60_000);
      await this.dataSource.transaction(async (m) => {
        await m.getRepository(OneTimeTokenEntity).insert({
          id: uuidv7(),
          kind: OneTimeTokenKind.MfaChallenge,
          userId: user.id,
          tokenHash: sha256(mfaToken),
          expiresAt,
          usedAt: null,
          attempts: 0,
        });
        await this.auditLogin(user, AuditResult.Success, null, m, {
          step: 'password',
          next: 'mfa',
        });
      });
      return { kind: 'mfa_required', mfaToken, expiresAt };
    }
    // A role that may manage users, roles, keys, audit or crypto must enroll MFA before anything.
    // So must a user whose authenticator an incident's containment revoked.
    const enrollmentOnly =
      user.mfaReenrollRequired ||
      (await this.abilities.requiresMfa({
        role: user.role,
        userId: user.id,
        teamId: user.teamId,
      }));
    const issued = await this.dataSource.transaction(async (m) => {
      const tokens = await this.startSession(user, ['pwd'], false, enrollmentOnly, m);
      await this.auditLogin(
        user,
        AuditResult.Success,
        null,
        m,
        enrollmentOnly ? { next: 'mfa_enrollment' } : undefined,
      );
      return tokens;
    });
    return enrollmentOnly ? { ...issued, kind: 'mfa_enrollment_required' } : issued;
  }

  /** Second step of a login with MFA: a TOTP or backup code for the challenge. */
  async verifyMfa(mfaToken: string, code: string): Promise<IssuedTokens> {
    const { challengeId, user } = await this.openMfaChallenge(mfaToken);
    // The role requires the passkey this user has: no code is checked, so none is counted.
    const refusal = await this.passkeys.codesRefusal(user);
    if (refusal) {
      await this.auditLogin(user, AuditResult.Failure, refusal.reason, undefined, { step: 'mfa' });
      throw refusal;
    }
    await this.countMfaAttempt(challengeId);
    return this.dataSource.transaction(async (m) => {
      const method = await this.mfa.verifyCode(user, code, m);
      if (!method) {
        await this.mfaFailure(user, IdentityErrorCode.INVALID_MFA_CODE);
        throw new IdentityException(IdentityErrorCode.INVALID_MFA_CODE, 'The code is not valid');
      }
      return this.completeMfa(user, challengeId, method, ['pwd', method], m);
    });
  }

  /**
   * The open MFA challenge of a sign-in (the `mfaToken` of `login`) and its user, whose lockout is
   * checked: the start of the MFA step, whatever the factor. An unknown, used, expired or
   * exhausted challenge is refused (INVALID_MFA_TOKEN) and audited.
   */
  async openMfaChallenge(mfaToken: string): Promise<{ challengeId: string; user: UserEntity }> {
    const challenge = await this.dataSource.getRepository(OneTimeTokenEntity).findOneBy({
      tokenHash: sha256(mfaToken),
      kind: OneTimeTokenKind.MfaChallenge,
      usedAt: IsNull(),
      expiresAt: MoreThan(new Date()),
    });
    if (!challenge || challenge.attempts >= MFA_CHALLENGE_ATTEMPTS) {
      await this.auditLogin(
        null,
        AuditResult.Failure,
        IdentityErrorCode.INVALID_MFA_TOKEN,
        undefined,
        { step: 'mfa' },
      );
      throw new IdentityException(
        IdentityErrorCode.INVALID_MFA_TOKEN,
        'The sign-in step expired: sign in again',
      );
    }
    const user = await this.users.require(challenge.userId);
    await this.throttle.assertNotLocked(user.emailBidx, clientMeta().ip);
    return { challengeId: challenge.id, user };
  }

  /**
   * Counts one attempt at an MFA challenge, before the factor is checked. Counted outside the
   * transaction (a failed attempt still counts) and atomically: of many concurrent attempts on
   * one challenge only MFA_CHALLENGE_ATTEMPTS get their factor checked.
   */
  async countMfaAttempt(challengeId: string): Promise<void> {
    const counted = await this.dataSource.query<{ affectedRows: number }>(
      'UPDATE one_time_tokens SET attempts = attempts + 1 WHERE id = ? AND attempts < ?',
      [challengeId, MFA_CHALLENGE_ATTEMPTS],
    );
    if (counted.affectedRows !== 1)
      throw new IdentityException(
        IdentityErrorCode.INVALID_MFA_TOKEN,
        'The sign-in step expired: sign in again',
      );
  }

  /** A refused factor at the MFA step: counted towards the lockout and audited. */
  async mfaFailure(
    user: UserEntity,
    reason: IdentityErrorCode,
    changes?: Record<string, unknown>,
  ): Promise<void> {
    await this.throttle.recordFailure(user.emailBidx, clientMeta().ip);
    await this.auditLogin(user, AuditResult.Failure, reason, undefined, {
      step: 'mfa',
      ...changes,
    });
  }

  /**
   * The end of an MFA step whose factor was accepted, in the caller's transaction: the challenge
   * is spent (once: a concurrent use loses), the lockout cleared, the session started, audited.
   */
  async completeMfa(
    user: UserEntity,
    challengeId: string,
    method: string,
    amr: string[],
    m: EntityManager,
  ): Promise<IssuedTokens> {
    const used = await m
      .getRepository(OneTimeTokenEntity)
      .update({ id: challengeId, usedAt: IsNull() }, { usedAt: new Date() });
    if ((used.affected ?? 0) !== 1) {
      throw new IdentityException(
        IdentityErrorCode.INVALID_MFA_TOKEN,
        'The sign-in step expired: sign in again',
      );
    }
    await this.throttle.clearAccount(user.emailBidx, clientMeta().ip);
    const tokens = await this.startSession(user, amr, true, false, m);
    await this.auditLogin(user, AuditResult.Success, null, m, { step: 'mfa', method });
    return tokens;
  }

  /**
   * Rotates a refresh token: the presented one is spent, a new one is issued. Presenting a spent
   * token again means it was stolen or replayed: the whole session is revoked and recorded.
   */
  async refresh(refreshToken: string): Promise<IssuedTokens> {
    type Outcome = { error: IdentityErrorCode } | { tokens: IssuedTokens };
    // InnoDB may pick one of two concurrent uses of a token as a deadlock victim: the victim runs
    // again and then sees the token used (a reuse), as if it had come second.
    const outcome = await retryDeadlock(() =>
      this.dataSource.transaction(async (m): Promise<Outcome> => {
        const row = await this.sessions.findRefreshToken(refreshToken, m);
        if (!row) return { error: IdentityErrorCode.INVALID_TOKEN } as const;
        const session = await this.sessions.findById(row.sessionId, m);
        if (!session) return { error: IdentityErrorCode.INVALID_TOKEN } as const;
        if (row.usedAt) {
          await this.sessions.revoke(session.id, 'refresh_token_reuse', m);
          await this.audit.record(
            {
              action: 'auth.refresh_token_reused',
              actor: { type: ActorType.User, id: session.userId },
              result: AuditResult.Failure,
              errorCode: IdentityErrorCode.REFRESH_TOKEN_REUSED,
              resourceType: 'Session',
              resourceId: session.id,
            },
            m,
          );
          return { error: IdentityErrorCode.REFRESH_TOKEN_REUSED as IdentityErrorCode };
        }
        if (
          session.revokedAt ||
          row.expiresAt.getTime() <= Date.now() ||
          session.expiresAt.getTime() <= Date.now() ||
          this.sessions.idle(session.lastSeenAt)
        ) {
          return { error: IdentityErrorCode.SESSION_REVOKED as IdentityErrorCode };
        }
        const user = await this.users.require(session.userId, m);
        if (user.status !== UserStatus.Active)
          return { error: IdentityErrorCode.ACCOUNT_DISABLED as IdentityErrorCode };
        row.usedAt = new Date();
        await m.save(row);
        session.lastSeenAt = new Date();
        await m
          .getRepository(SessionEntity)
          .update({ id: session.id }, { lastSeenAt: session.lastSeenAt });
        const next = await this.sessions.issueRefreshToken(session, m);
        const access = await this.accessTokenFor(user, session);
        await this.audit.record(
          {
            action: 'auth.token_refreshed',
            actor: { type: ActorType.User, id: user.id, role: user.role },
            resourceType: 'Session',
            resourceId: session.id,
          },
          m,
        );
        const tokens: IssuedTokens = {
          kind: 'tokens',
          ...access,
          refreshToken: next,
          user,
          sessionId: session.id,
        };
        return { tokens };
      }),
    );
    if ('error' in outcome) {
      const messages: Partial<Record<IdentityErrorCode, string>> = {
        [IdentityErrorCode.REFRESH_TOKEN_REUSED]:
          'This refresh token was already used: the session is revoked',
        [IdentityErrorCode.ACCOUNT_DISABLED]: 'This account is disabled',
      };
      throw new IdentityException(outcome.error, messages[outcome.error] ?? 'Sign in again');
    }
    return outcome.tokens;
  }

  async logout(sessionId: string, userId: string): Promise<boolean> {
    return this.dataSource.transaction(async (m) => {
      const revoked = await this.sessions.revoke(sessionId, 'logout', m);
      await this.audit.record(
        {
          action: 'auth.logout',
          resourceType: 'Session',
          resourceId: sessionId,
          changes: { userId },
        },
        m,
      );
      return revoked;
    });
  }

  async changePassword(
    userId: string,
    sessionId: string | undefined,
    current: string,
    next: string,
  ): Promise<void> {
    const user = await this.users.require(userId);
    if (!(await this.passwords.verify(user.passwordHash, current))) {
      await this.audit.record({
        action: 'auth.password_changed',
        result: AuditResult.Failure,
        errorCode: IdentityErrorCode.INVALID_CREDENTIALS,
        resourceType: 'User',
        resourceId: userId,
      });
      throw new IdentityException(
        IdentityErrorCode.INVALID_CREDENTIALS,
        'The current password is incorrect',
      );
    }
    this.passwords.assertAcceptable(next, user.email);
    const hash = await this.passwords.hash(next);
    await this.dataSource.transaction(async (m) => {
      await m
        .getRepository(UserEntity)
        .update({ id: userId }, { passwordHash: hash, passwordChangedAt: new Date() });
      await this.notices.notify(user, 'password_changed', m);
      const revoked = await this.sessions.revokeAllForUser(
        userId,
        'password_changed',
        m,
        sessionId,
      );
      await this.audit.record(
        {
          action: 'auth.password_changed',
          resourceType: 'User',
          resourceId: userId,
          changes: { otherSessionsRevoked: revoked },
        },
        m,
      );
    });
  }

  /** Access token and session for a user who passed every required factor. */
  async startSession(
    user: UserEntity,
    amr: string[],
    mfaVerified: boolean,
    enrollmentOnly: boolean,
    m: EntityManager,
  ): Promise<IssuedTokens> {
    const meta = clientMeta();
    // The user row first: its exclusive lock orders concurrent sign-ins of the same user. Inserting
    // the session first would take a shared lock through the foreign key, and two sign-ins would
    // then deadlock upgrading it (seen under load).
    await m.getRepository(UserEntity).update({ id: user.id }, { lastLoginAt: new Date() });
    // A device (its user agent) none of the user's sessions came from: tell the user.
    const [seen] = await m.query<{ sessions: string; same: string }[]>(
      'SELECT COUNT(*) AS sessions, COALESCE(SUM(user_agent <=> ?), 0) AS same FROM sessions WHERE user_id = ?',
      [meta.userAgent, user.id],
    );
    if (Number(seen.sessions) > 0 && Number(seen.same) === 0)
      await this.notices.notify(user, 'new_device_sign_in', m);
    const { session, refreshToken } = await this.sessions.create(
      { userId: user.id, amr, ip: meta.ip, userAgent: meta.userAgent, mfaVerified, enrollmentOnly },
      m,
    );
    const access = await this.accessTokenFor(user, session);
    return { kind: 'tokens', ...access, refreshToken, user, sessionId: session.id };
  }

  private async accessTokenFor(
    user: UserEntity,
    session: SessionEntity,
  ): Promise<{ accessToken: string; accessTokenExpiresAt: Date }> {
    const { token, expiresAt } = await this.tokens.sign({
      sub: user.id,
      sid: session.id,
      role: user.role,
      amr: session.amr,
      auth_time: Math.floor(session.authTime.getTime() / 1000),
      ...(session.enrollmentOnly ? { scope: 'mfa_enroll' as const } : {}),
    });
    return { accessToken: token, accessTokenExpiresAt: expiresAt };
  }

  /**
   * Records a sign-in attempt. A failure is recorded on its own; if even that cannot be written (the
   * database is down), the caller's own error is what the client must see, so it is not replaced.
   */
  private async auditLogin(
    user: UserEntity | null,
    result: AuditResult,
    errorCode: string | null,
    manager?: EntityManager,
    changes?: Record<string, unknown>,
  ): Promise<void> {
    const recording = this.audit.record(
      {
        action: 'auth.login',
        actor: user
          ? { type: ActorType.User, id: user.id, role: user.role }
          : { type: ActorType.Anonymous },
        result,
        errorCode,
        resourceType: 'User',
        resourceId: user?.id ?? null,
        changes: changes ?? null,
      },
      manager,
    );
    if (result === AuditResult.Failure && !manager) {
      await recording.catch(() => undefined);
    } else {
      await recording;
    }
  }
}

/**
 * A short, stable fingerprint of the account a sign-in named (a hash of the email's blind index, or
 * of the unknown email): detection counts failures per account and distinct accounts per address
 * with it, also when the account does not exist or is locked. Not reversible to the email.
 */
export function accountHash(accountKey: Buffer): string {
  return sha256(`account:${accountKey.toString('hex')}`)
    .toString('hex')
    .slice(0, 32);
}
