import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, IsNull, MoreThan } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { OneTimeTokenEntity, OneTimeTokenKind } from '../entities/one-time-token.entity';
import { sha256 } from '../utils/secrets';

/** How long a passkey challenge may be answered. */
export const PASSKEY_CHALLENGE_MINUTES = 5;

/** What a challenge is for: it serves that purpose only. */
export type PasskeyPurpose = 'register' | 'sign_in' | 'step_up';

const KINDS: Record<PasskeyPurpose, OneTimeTokenKind> = {
  register: OneTimeTokenKind.PasskeyRegister,
  sign_in: OneTimeTokenKind.PasskeySignIn,
  step_up: OneTimeTokenKind.PasskeyStepUp,
};

/** A challenge as base64url: 32 bytes are 43 characters. */
const CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

/**
 * Passkey challenges, in the database so that any instance may verify what another issued: 32
 * random bytes, stored as the SHA-256 of their base64url form (what clientDataJSON carries back),
 * bound to the user, the purpose and the session or MFA challenge that asked for them, for
 * PASSKEY_CHALLENGE_MINUTES, and spent by their first use whatever its outcome.
 */
@Injectable()
export class PasskeyChallengesService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async issue(
    purpose: PasskeyPurpose,
    userId: string,
    boundTo: string,
  ): Promise<{ challenge: Uint8Array<ArrayBuffer>; expiresAt: Date }> {
    const challenge = new Uint8Array(randomBytes(32));
    const expiresAt = new Date(Date.now() + PASSKEY_CHALLENGE_MINUTES * 60_000);
    await this.dataSource.getRepository(OneTimeTokenEntity).insert({
      id: uuidv7(),
      kind: KINDS[purpose],
      userId,
      tokenHash: sha256(Buffer.from(challenge).toString('base64url')),
      expiresAt,
      usedAt: null,
      attempts: 0,
      boundTo,
    });
    return { challenge, expiresAt };
  }

  /**
   * Spends the challenge a response carries: true once, for its user, purpose and binding, before
   * it expires. One conditional UPDATE, so of concurrent uses exactly one wins; it commits on its
   * own, so a refused response has spent its challenge too.
   */
  async consume(
    purpose: PasskeyPurpose,
    userId: string,
    boundTo: string,
    challenge: string,
  ): Promise<boolean> {
    if (!CHALLENGE.test(challenge)) return false;
    const result = await this.dataSource.getRepository(OneTimeTokenEntity).update(
      {
        tokenHash: sha256(challenge),
        kind: KINDS[purpose],
        userId,
        boundTo,
        usedAt: IsNull(),
        expiresAt: MoreThan(new Date()),
      },
      { usedAt: new Date() },
    );
    return (result.affected ?? 0) === 1;
  }
}
