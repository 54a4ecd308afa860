import { Injectable } from '@nestjs/common';
import { Secret, TOTP } from 'otpauth';
import { toDataURL } from 'qrcode';
import { EntityManager, IsNull } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { BackupCodeEntity } from '../entities/backup-code.entity';
import { UserEntity } from '../entities/user.entity';
import { randomToken, sha256 } from '../utils/secrets';
import { SecurityNoticesService } from './security-notices.service';

export const BACKUP_CODE_COUNT = 10;
const ISSUER = 'CallWarden';
const PERIOD = 30;

export type MfaMethod = 'otp' | 'backup';

/** TOTP (RFC 6238: SHA-1, 6 digits, 30 s, one step of drift, no replay) and single-use backup codes. */
@Injectable()
export class MfaService {
  constructor(private readonly notices: SecurityNoticesService) {}

  newSecret(): string {
    return new Secret({ size: 20 }).base32;
  }

  private totp(secret: string, label: string): TOTP {
    return new TOTP({
      issuer: ISSUER,
      label,
      algorithm: 'SHA1',
      digits: 6,
      period: PERIOD,
      secret: Secret.fromBase32(secret),
    });
  }

  async enrollment(
    secret: string,
    email: string,
  ): Promise<{ otpauthUri: string; qrCodeDataUrl: string }> {
    const otpauthUri = this.totp(secret, email).toString();
    return {
      otpauthUri,
      qrCodeDataUrl: await toDataURL(otpauthUri, { errorCorrectionLevel: 'M', margin: 1 }),
    };
  }

  /**
   * The time step a valid code belongs to, or null. A step at or before `lastStep` is refused: a
   * code that was already used (or an older one) is never accepted again.
   */
  matchTotp(secret: string, code: string, lastStep: string | null): number | null {
    if (!/^\d{6}$/.test(code)) return null;
    const totp = this.totp(secret, 'check');
    const delta = totp.validate({ token: code, window: 1 });
    if (delta === null) return null;
    const step = totp.counter() + delta;
    if (lastStep !== null && step <= Number(lastStep)) return null;
    return step;
  }

  /** New backup codes (replacing any old ones); the plaintext is returned once and never stored. */
  async regenerateBackupCodes(userId: string, manager: EntityManager): Promise<string[]> {
    const repo = manager.getRepository(BackupCodeEntity);
    await repo.delete({ userId });
    const codes = Array.from({ length: BACKUP_CODE_COUNT }, () =>
      formatBackupCode(randomToken(10)),
    );
    await repo.insert(
      codes.map((code) => ({
        id: uuidv7(),
        userId,
        codeHash: sha256(normalizeBackupCode(code)),
        usedAt: null,
      })),
    );
    return codes;
  }

  /** Uses a backup code: true once per code. */
  async consumeBackupCode(userId: string, code: string, manager: EntityManager): Promise<boolean> {
    const normalized = normalizeBackupCode(code);
    if (normalized.length < 10) return false;
    const result = await manager
      .getRepository(BackupCodeEntity)
      .update({ userId, codeHash: sha256(normalized), usedAt: IsNull() }, { usedAt: new Date() });
    return (result.affected ?? 0) === 1;
  }

  /** Checks a TOTP code or a backup code for a user whose MFA is on, recording its use. */
  async verifyCode(
    user: UserEntity,
    code: string,
    manager: EntityManager,
  ): Promise<MfaMethod | null> {
    if (!user.mfaEnabled || !user.totpSecret) return null;
    const step = this.matchTotp(user.totpSecret, code.trim(), user.totpLastStep);
    if (step !== null) {
      // Conditional update: of two concurrent uses of the same code only one succeeds.
      const result = await manager
        .createQueryBuilder()
        .update(UserEntity)
        .set({ totpLastStep: String(step) })
        .where('id = :id AND (totp_last_step IS NULL OR totp_last_step < :step)', {
          id: user.id,
          step,
        })
        .execute();
      if ((result.affected ?? 0) === 1) return 'otp';
      await this.notices.notify(user, 'totp_code_reused'); // a concurrent use of the same code
      return null;
    }
    // A code of a step already used is a replay: refused, and the user is told (on its own, since
    // the caller's transaction rolls back on the refusal).
    if (this.matchTotp(user.totpSecret, code.trim(), null) !== null) {
      await this.notices.notify(user, 'totp_code_reused');
      return null;
    }
    return (await this.consumeBackupCode(user.id, code, manager)) ? 'backup' : null;
  }

  remainingBackupCodes(userId: string, manager: EntityManager): Promise<number> {
    return manager.getRepository(BackupCodeEntity).countBy({ userId, usedAt: IsNull() });
  }
}

function formatBackupCode(raw: string): string {
  const clean = raw
    .replace(/[^A-Za-z0-9]/g, '')
    .toLowerCase()
    .slice(0, 10)
    .padEnd(10, 'x');
  return `${clean.slice(0, 5)}-${clean.slice(5, 10)}`;
}

function normalizeBackupCode(code: string): string {
  return code.replace(/[^A-Za-z0-9]/g, '').toLowerCase();
}
