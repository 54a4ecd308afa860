import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import {
  generateRegistrationOptions,
  verifyRegistrationResponse,
  type VerifiedRegistrationResponse,
} from '@simplewebauthn/server';
import { DataSource, EntityManager, IsNull } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import type { RequestContext } from '../../../core/auth/request-context';
import { assertRecentStepUp } from '../../../core/auth/step-up';
import { AppConfigService } from '../../../core/config/app-config.service';
import { driverErrorOf } from '../../../core/errors/map-error';
import { AuditService } from '../../audit/audit.service';
import { AuditResult } from '../../audit';
import { AbilityService } from '../../authorization/services/ability.service';
import { UserEntity } from '../entities/user.entity';
import { WebAuthnCredentialEntity } from '../entities/webauthn-credential.entity';
import { IdentityErrorCode, IdentityException } from '../identity.exception';
import {
  causeOf,
  PASSKEY_ALGORITHMS,
  parseRegistrationResponse,
  transportsOf,
  type PasskeyRefusalCause,
} from '../utils/webauthn';
import { PASSKEY_CHALLENGE_MINUTES, PasskeyChallengesService } from './passkey-challenges.service';
import { PasskeyPolicyService } from './passkey-policy.service';
import { SecurityNoticesService } from './security-notices.service';
import { SessionService } from './session.service';
import { UsersService } from './users.service';

/** How many active passkeys one user may have. */
export const MAX_PASSKEYS = 10;
const ER_DUP_ENTRY = 1062;

export interface PasskeyCeremony {
  /** The options JSON the browser's WebAuthn API takes. */
  options: string;
  expiresAt: Date;
}

/** The relying party as configured (WEBAUTHN_*). */
export interface RelyingParty {
  id: string;
  name: string;
  origins: string[];
}

/**
 * Passkeys (WebAuthn credentials) of staff users: registration, listing and revocation, by their
 * owner and by admins. Signing in and stepping up with one: PasskeyAuthService.
 */
@Injectable()
export class PasskeysService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfigService,
    private readonly users: UsersService,
    private readonly challenges: PasskeyChallengesService,
    private readonly policy: PasskeyPolicyService,
    private readonly sessions: SessionService,
    private readonly audit: AuditService,
    private readonly notices: SecurityNoticesService,
    private readonly abilities: AbilityService,
  ) {}

  relyingParty(): RelyingParty {
    return {
      id: this.config.get('WEBAUTHN_RP_ID'),
      name: this.config.get('WEBAUTHN_RP_NAME'),
      origins: this.config.webauthnOrigins,
    };
  }

  /** The user's passkeys that may be used, oldest first. */
  active(userId: string, manager?: EntityManager): Promise<WebAuthnCredentialEntity[]> {
    return (manager ?? this.dataSource.manager)
      .getRepository(WebAuthnCredentialEntity)
      .find({ where: { userId, revokedAt: IsNull() }, order: { createdAt: 'ASC' } });
  }

  /**
   * Starts a registration for the caller's session. Whoever already has a second factor (TOTP or
   * a passkey) needs a recent step-up, so a stolen session alone cannot add an authenticator.
   */
  async beginRegistration(ctx: RequestContext): Promise<PasskeyCeremony> {
    const user = await this.users.require(ctx.principal.userId);
    if (await this.policy.hasSecondFactor(user)) assertRecentStepUp(ctx);
    const existing = await this.active(user.id);
    if (existing.length >= MAX_PASSKEYS) throw limitReached();
    const { challenge, expiresAt } = await this.challenges.issue(
      'register',
      user.id,
      sessionOf(ctx),
    );
    const rp = this.relyingParty();
    const options = await generateRegistrationOptions({
      rpName: rp.name,
      rpID: rp.id,
      userName: user.email,
      userDisplayName: user.displayName,
      // A stable handle that is no personal data: the user's id.
      userID: new Uint8Array(Buffer.from(user.id, 'ascii')),
      challenge,
      timeout: PASSKEY_CHALLENGE_MINUTES * 60_000,
      attestationType: 'none',
      excludeCredentials: existing.map((c) => ({
        id: c.credentialId,
        transports: c.transports ?? undefined,
      })),
      authenticatorSelection: { residentKey: 'preferred', userVerification: 'preferred' },
      supportedAlgorithmIDs: PASSKEY_ALGORITHMS,
    });
    return { options: JSON.stringify(options), expiresAt };
  }

  /**
   * Verifies the browser's answer to `beginRegistration` (challenge of this session, origin, RP
   * id, key algorithm) and stores the passkey. An admin's enrollment-only session (MFA not yet
   * enrolled) has then done its one job, as with confirmTotp, and ends.
   */
  async finishRegistration(
    ctx: RequestContext,
    json: string,
    name: string,
  ): Promise<WebAuthnCredentialEntity> {
    const user = await this.users.require(ctx.principal.userId);
    if (await this.policy.hasSecondFactor(user)) assertRecentStepUp(ctx);
    const sessionId = sessionOf(ctx);
    const parsed = parseRegistrationResponse(json);
    if (!parsed)
      return this.refuseRegistration(user, IdentityErrorCode.PASSKEY_INVALID, 'malformed');
    const { challenge } = parsed.clientData;
    if (!(await this.challenges.consume('register', user.id, sessionId, challenge)))
      return this.refuseRegistration(
        user,
        IdentityErrorCode.PASSKEY_CHALLENGE_EXPIRED,
        'challenge',
      );
    const rp = this.relyingParty();
    let verified: VerifiedRegistrationResponse;
    try {
      verified = await verifyRegistrationResponse({
        response: parsed.response,
        expectedChallenge: challenge,
        expectedOrigin: rp.origins,
        expectedRPID: rp.id,
        // A second factor after a password: presence is enough, verification (PIN) is welcome.
        requireUserVerification: false,
        supportedAlgorithmIDs: PASSKEY_ALGORITHMS,
      });
    } catch (e) {
      return this.refuseRegistration(user, IdentityErrorCode.PASSKEY_INVALID, causeOf(e));
    }
    if (!verified.verified)
      return this.refuseRegistration(user, IdentityErrorCode.PASSKEY_INVALID, 'verification');
    const info = verified.registrationInfo;
    try {
      return await this.dataSource.transaction(async (m) => {
        // The user row's lock orders concurrent registrations, so the limit holds.
        await m
          .getRepository(UserEntity)
          .findOne({ where: { id: user.id }, lock: { mode: 'pessimistic_write' } });
        if ((await this.active(user.id, m)).length >= MAX_PASSKEYS) throw limitReached();
        const repo = m.getRepository(WebAuthnCredentialEntity);
        // Any user's credential with this id (a revoked one too) refuses it, answered as any
        // other unverifiable response: whose it is, or whether it exists, is never said.
        if (await repo.existsBy({ credentialId: info.credential.id })) throw duplicate();
        const credential = repo.create({
          id: uuidv7(),
          userId: user.id,
          credentialId: info.credential.id,
          publicKey: Buffer.from(info.credential.publicKey),
          signCount: String(info.credential.counter),
          transports: transportsOf(info.credential.transports),
          deviceType: info.credentialDeviceType,
          backedUp: info.credentialBackedUp,
          name: name.trim(),
          createdAt: new Date(),
          lastUsedAt: null,
          revokedAt: null,
        });
        await repo.insert(credential).catch((e: unknown) => {
          throw driverErrorOf(e).errno === ER_DUP_ENTRY ? duplicate() : e;
        });
        const session = await this.sessions.findById(sessionId, m);
        if (session?.enrollmentOnly) await this.sessions.revoke(sessionId, 'mfa_enrolled', m);
        if (user.mfaReenrollRequired)
          await m.getRepository(UserEntity).update({ id: user.id }, { mfaReenrollRequired: false });
        await this.audit.record(
          {
            action: 'passkey.registered',
            resourceType: 'Passkey',
            resourceId: credential.id,
            changes: {
              userId: user.id,
              deviceType: credential.deviceType,
              backedUp: credential.backedUp,
              userVerified: info.userVerified,
            },
          },
          m,
        );
        await this.notices.notify(user, 'passkey_added', m);
        return credential;
      });
    } catch (e) {
      if (e instanceof IdentityException && e.reason === IdentityErrorCode.PASSKEY_INVALID)
        return this.refuseRegistration(user, e.reason, 'duplicate_credential');
      throw e;
    }
  }

  /** All of a user's passkeys, revoked ones too (admins), newest first. */
  async listForUser(userId: string): Promise<WebAuthnCredentialEntity[]> {
    await this.users.require(userId);
    return this.dataSource
      .getRepository(WebAuthnCredentialEntity)
      .find({ where: { userId }, order: { createdAt: 'DESC' } });
  }

  /**
   * Revokes one of the caller's own passkeys. Like disableMfa, the last second factor of a role
   * that needs MFA stays (MFA_REQUIRED_FOR_ROLE).
   */
  async revokeOwn(userId: string, id: string): Promise<void> {
    await this.revoke(userId, id, async (user, m) => {
      const others = (await this.active(user.id, m)).filter((c) => c.id !== id).length;
      if (
        !user.mfaEnabled &&
        others === 0 &&
        (await this.abilities.requiresMfa({
          role: user.role,
          userId: user.id,
          teamId: user.teamId,
        }))
      )
        throw new IdentityException(
          IdentityErrorCode.MFA_REQUIRED_FOR_ROLE,
          'Your role needs a second factor: add another passkey or TOTP first',
        );
      return { byAdmin: false };
    });
  }

  /** An admin revokes a user's passkey (a lost or stolen authenticator). */
  async revokeForUser(userId: string, id: string): Promise<void> {
    await this.users.require(userId);
    await this.revoke(userId, id, () => Promise.resolve({ byAdmin: true }));
  }

  private async revoke(
    userId: string,
    id: string,
    check: (user: UserEntity, m: EntityManager) => Promise<Record<string, unknown>>,
  ): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      const user = await m
        .getRepository(UserEntity)
        .findOne({ where: { id: userId }, lock: { mode: 'pessimistic_write' } });
      const repo = m.getRepository(WebAuthnCredentialEntity);
      // Another user's passkey answers like a missing one: no existence leak.
      const credential = user ? await repo.findOneBy({ id, userId, revokedAt: IsNull() }) : null;
      if (!user || !credential)
        throw new IdentityException(IdentityErrorCode.PASSKEY_NOT_FOUND, 'Passkey not found');
      const changes = await check(user, m);
      await repo.update({ id: credential.id }, { revokedAt: new Date() });
      await this.audit.record(
        {
          action: 'passkey.revoked',
          resourceType: 'Passkey',
          resourceId: credential.id,
          changes: { userId, ...changes },
        },
        m,
      );
      await this.notices.notify(user, 'passkey_removed', m);
    });
  }

  /** Records a refused registration and throws its reason. */
  private async refuseRegistration(
    user: UserEntity,
    reason: IdentityErrorCode,
    cause: PasskeyRefusalCause,
  ): Promise<never> {
    await this.audit.record({
      action: 'passkey.registered',
      result: AuditResult.Failure,
      errorCode: reason,
      resourceType: 'User',
      resourceId: user.id,
      changes: { cause },
    });
    throw reason === IdentityErrorCode.PASSKEY_CHALLENGE_EXPIRED
      ? challengeExpired()
      : new IdentityException(reason, 'The passkey could not be registered');
  }
}

/** The session of a signed-in user (the resolvers only let those in). */
export function sessionOf(ctx: RequestContext): string {
  if (ctx.principal.type !== 'user' || !ctx.sessionId)
    throw new IdentityException(
      IdentityErrorCode.INVALID_TOKEN,
      'Only a signed-in user can do this',
    );
  return ctx.sessionId;
}

export function challengeExpired(): IdentityException {
  return new IdentityException(
    IdentityErrorCode.PASSKEY_CHALLENGE_EXPIRED,
    'The passkey request expired or was already used: start again',
  );
}

function limitReached(): IdentityException {
  return new IdentityException(
    IdentityErrorCode.PASSKEY_LIMIT,
    `At most ${MAX_PASSKEYS} passkeys: remove one first`,
  );
}

function duplicate(): IdentityException {
  return new IdentityException(
    IdentityErrorCode.PASSKEY_INVALID,
    'The passkey could not be registered',
  );
}
