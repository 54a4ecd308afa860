import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import {
  generateAuthenticationOptions,
  verifyAuthenticationResponse,
  type VerifiedAuthenticationResponse,
} from '@simplewebauthn/server';
import { DataSource, EntityManager, IsNull } from 'typeorm';
import { AuditService } from '../../audit/audit.service';
import { ActorType, AuditResult } from '../../audit';
import { AuthService, IssuedTokens } from '../auth.service';
import { UserEntity } from '../entities/user.entity';
import { WebAuthnCredentialEntity } from '../entities/webauthn-credential.entity';
import { IdentityErrorCode, IdentityException } from '../identity.exception';
import {
  amrOf,
  causeOf,
  counterAccepted,
  parseAuthenticationResponse,
  type PasskeyRefusalCause,
} from '../utils/webauthn';
import {
  PASSKEY_CHALLENGE_MINUTES,
  PasskeyChallengesService,
  type PasskeyPurpose,
} from './passkey-challenges.service';
import { challengeExpired, PasskeyCeremony, PasskeysService } from './passkeys.service';
import { SessionService } from './session.service';
import { ThrottleService } from './throttle.service';
import { UsersService } from './users.service';

/** A verified assertion, not yet recorded. */
interface Asserted {
  ok: true;
  credential: WebAuthnCredentialEntity;
  counter: number;
  backedUp: boolean;
  deviceType: string;
}

/** A refused assertion: the reason the client sees, the cause the audit log keeps. */
interface Refused {
  ok: false;
  reason: IdentityErrorCode;
  cause: PasskeyRefusalCause;
  /** The passkey (our row id, never the credential id) it named, when one was found. */
  passkeyId?: string;
}

const MESSAGES: Partial<Record<IdentityErrorCode, string>> = {
  [IdentityErrorCode.PASSKEY_INVALID]: 'The passkey could not be verified',
};

/**
 * Signing in (the MFA step of `login`) and stepping up with a passkey. Both verify an assertion
 * the same way: the challenge (single use, of this purpose, this user and this sign-in or
 * session), a live credential of this user, origin, RP id, signature, and the signature counter.
 */
@Injectable()
export class PasskeyAuthService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly auth: AuthService,
    private readonly passkeys: PasskeysService,
    private readonly challenges: PasskeyChallengesService,
    private readonly users: UsersService,
    private readonly sessions: SessionService,
    private readonly throttle: ThrottleService,
    private readonly audit: AuditService,
  ) {}

  /** Options for the MFA step of a sign-in: the user's passkeys are the ones allowed. */
  async beginSignIn(mfaToken: string): Promise<PasskeyCeremony> {
    const { challengeId, user } = await this.auth.openMfaChallenge(mfaToken);
    return this.options('sign_in', user, challengeId);
  }

  /**
   * The MFA step of a sign-in with a passkey: counted and locked out like `verifyMfa` (one
   * attempt of the challenge's five, a failure towards the account's lockout), and on success the
   * same session, tokens and audit entry.
   */
  async verifySignIn(mfaToken: string, json: string): Promise<IssuedTokens> {
    const { challengeId, user } = await this.auth.openMfaChallenge(mfaToken);
    await this.auth.countMfaAttempt(challengeId);
    const refuse = async (r: Refused): Promise<never> => {
      await this.auth.mfaFailure(user, r.reason, refusalChanges(r));
      throw refusal(r.reason);
    };
    const checked = await this.check('sign_in', user, challengeId, json);
    if (!checked.ok) return refuse(checked);
    const tokens = await this.dataSource.transaction(async (m) => {
      if (!(await this.recordUse(checked, m))) return null;
      return this.auth.completeMfa(
        user,
        challengeId,
        'passkey',
        ['pwd', amrOf(checked.deviceType)],
        m,
      );
    });
    return (
      tokens ??
      refuse({
        ok: false,
        reason: IdentityErrorCode.PASSKEY_INVALID,
        cause: 'race',
        passkeyId: checked.credential.id,
      })
    );
  }

  /** Options for a step-up of the caller's session. */
  async beginStepUp(userId: string, sessionId: string): Promise<PasskeyCeremony> {
    const user = await this.users.require(userId);
    return this.options('step_up', user, sessionId);
  }

  /** A fresh MFA check of the session with a passkey: what `stepUp` does with a code. */
  async stepUp(userId: string, sessionId: string, json: string): Promise<Date> {
    const user = await this.users.require(userId);
    await this.throttle.assertNotLocked(user.emailBidx, null);
    const refuse = async (r: Refused): Promise<never> => {
      await this.throttle.recordFailure(user.emailBidx, null);
      await this.audit.record({
        action: 'auth.step_up',
        result: AuditResult.Failure,
        errorCode: r.reason,
        resourceType: 'Session',
        resourceId: sessionId,
        changes: refusalChanges(r),
      });
      throw refusal(r.reason);
    };
    const checked = await this.check('step_up', user, sessionId, json);
    if (!checked.ok) return refuse(checked);
    const verifiedAt = await this.dataSource.transaction(async (m) => {
      if (!(await this.recordUse(checked, m))) return null;
      await this.sessions.markMfaVerified(sessionId, m);
      await this.audit.record(
        {
          action: 'auth.step_up',
          resourceType: 'Session',
          resourceId: sessionId,
          changes: { method: 'passkey', passkeyId: checked.credential.id },
        },
        m,
      );
      return new Date();
    });
    return (
      verifiedAt ??
      refuse({
        ok: false,
        reason: IdentityErrorCode.PASSKEY_INVALID,
        cause: 'race',
        passkeyId: checked.credential.id,
      })
    );
  }

  private async options(
    purpose: PasskeyPurpose,
    user: UserEntity,
    boundTo: string,
  ): Promise<PasskeyCeremony> {
    const credentials = await this.passkeys.active(user.id);
    if (credentials.length === 0)
      throw new IdentityException(IdentityErrorCode.PASSKEY_NOT_FOUND, 'No passkey to use');
    const { challenge, expiresAt } = await this.challenges.issue(purpose, user.id, boundTo);
    const options = await generateAuthenticationOptions({
      rpID: this.passkeys.relyingParty().id,
      allowCredentials: credentials.map((c) => ({
        id: c.credentialId,
        transports: c.transports ?? undefined,
      })),
      challenge,
      timeout: PASSKEY_CHALLENGE_MINUTES * 60_000,
      userVerification: 'preferred',
    });
    return { options: JSON.stringify(options), expiresAt };
  }

  /** Verifies an assertion; writes nothing but the spent challenge (and a clone's audit entry). */
  private async check(
    purpose: PasskeyPurpose,
    user: UserEntity,
    boundTo: string,
    json: string,
  ): Promise<Asserted | Refused> {
    const invalid = (cause: PasskeyRefusalCause, passkeyId?: string): Refused => ({
      ok: false,
      reason: IdentityErrorCode.PASSKEY_INVALID,
      cause,
      passkeyId,
    });
    const parsed = parseAuthenticationResponse(json);
    if (!parsed) return invalid('malformed');
    const { challenge } = parsed.clientData;
    if (!(await this.challenges.consume(purpose, user.id, boundTo, challenge)))
      return { ok: false, reason: IdentityErrorCode.PASSKEY_CHALLENGE_EXPIRED, cause: 'challenge' };
    // Only this user's live credentials: another user's id answers like an unknown one.
    const credential = await this.dataSource.getRepository(WebAuthnCredentialEntity).findOneBy({
      credentialId: parsed.response.id,
      userId: user.id,
      revokedAt: IsNull(),
    });
    if (!credential) return invalid('unknown_credential');
    const rp = this.passkeys.relyingParty();
    let verified: VerifiedAuthenticationResponse;
    try {
      verified = await verifyAuthenticationResponse({
        response: parsed.response,
        expectedChallenge: challenge,
        expectedOrigin: rp.origins,
        expectedRPID: rp.id,
        // The counter is checked below, once the signature is known to be genuine: the library
        // checks it before the signature, which would take a forgery for a cloned authenticator.
        credential: {
          id: credential.credentialId,
          publicKey: new Uint8Array(credential.publicKey),
          counter: 0,
          transports: credential.transports ?? undefined,
        },
        requireUserVerification: false,
      });
    } catch (e) {
      return invalid(causeOf(e), credential.id);
    }
    if (!verified.verified) return invalid('signature', credential.id);
    const info = verified.authenticationInfo;
    const stored = Number(credential.signCount);
    if (!counterAccepted(stored, info.newCounter)) {
      // A genuine signature with a counter that went back: the authenticator may be cloned.
      await this.audit.record({
        action: 'passkey.counter_regressed',
        actor: { type: ActorType.User, id: user.id, role: user.role },
        result: AuditResult.Failure,
        errorCode: IdentityErrorCode.PASSKEY_INVALID,
        resourceType: 'Passkey',
        resourceId: credential.id,
        changes: { userId: user.id, stored, received: info.newCounter, purpose },
      });
      return invalid('counter_regressed', credential.id);
    }
    return {
      ok: true,
      credential,
      counter: info.newCounter,
      backedUp: info.credentialBackedUp,
      deviceType: info.credentialDeviceType,
    };
  }

  /**
   * Records the use in the caller's transaction: the counter moves forward only (a concurrent use
   * with the same counter loses), and a passkey revoked meanwhile is refused. False: refused.
   */
  private async recordUse(a: Asserted, m: EntityManager): Promise<boolean> {
    const result = await m
      .createQueryBuilder()
      .update(WebAuthnCredentialEntity)
      .set({ signCount: String(a.counter), lastUsedAt: new Date(), backedUp: a.backedUp })
      .where('id = :id AND revoked_at IS NULL', { id: a.credential.id })
      .andWhere('(sign_count < :counter OR (sign_count = 0 AND :counter = 0))', {
        counter: a.counter,
      })
      .execute();
    return (result.affected ?? 0) === 1;
  }
}

function refusal(reason: IdentityErrorCode): IdentityException {
  if (reason === IdentityErrorCode.PASSKEY_CHALLENGE_EXPIRED) return challengeExpired();
  return new IdentityException(reason, MESSAGES[reason] ?? 'The passkey was refused');
}

function refusalChanges(r: Refused): Record<string, unknown> {
  return {
    method: 'passkey',
    cause: r.cause,
    ...(r.passkeyId ? { passkeyId: r.passkeyId } : {}),
  };
}
