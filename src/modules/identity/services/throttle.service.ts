import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfigService } from '../../../core/config/app-config.service';
import { IdentityErrorCode, IdentityException } from '../identity.exception';

type Scope = 'account' | 'ip';

interface Row {
  scope: Scope;
  locked_until: Date | null;
}

/**
 * Failed sign-in counters per account (the email's blind index, so unknown emails lock the same way)
 * and per client IP (hashed), in the database so every instance sees them. Checked before any hashing.
 */
@Injectable()
export class ThrottleService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfigService,
  ) {}

  ipKey(ip: string | null): Buffer {
    return createHash('sha256')
      .update(`ip:${ip ?? 'unknown'}`)
      .digest();
  }

  /** Throws RATE_LIMITED while the account or the IP is locked out. */
  async assertNotLocked(accountKey: Buffer, ip: string | null): Promise<void> {
    const rows = await this.dataSource.query<Row[]>(
      `SELECT scope, locked_until FROM auth_throttle
        WHERE ((scope = 'account' AND key_hash = ?) OR (scope = 'ip' AND key_hash = ?)) AND locked_until > NOW(3)`,
      [accountKey, this.ipKey(ip)],
    );
    for (const row of rows) {
      const retryAfterSeconds = Math.max(
        1,
        Math.ceil(((row.locked_until as Date).getTime() - Date.now()) / 1000),
      );
      throw new IdentityException(
        row.scope === 'account' ? IdentityErrorCode.ACCOUNT_LOCKED : IdentityErrorCode.IP_LOCKED,
        row.scope === 'account'
          ? 'Too many failed attempts: this account is locked for a while'
          : 'Too many failed attempts from this address: try again later',
        { retryAfterSeconds },
      );
    }
  }

  async recordFailure(accountKey: Buffer, ip: string | null): Promise<void> {
    await this.bump('account', accountKey, this.config.get('LOGIN_MAX_FAILURES'));
    await this.bump('ip', this.ipKey(ip), this.config.get('LOGIN_IP_MAX_FAILURES'));
  }

  /** After a successful sign-in the account's counter starts again (the IP's does not). */
  async clearAccount(accountKey: Buffer): Promise<void> {
    await this.dataSource.query(
      "DELETE FROM auth_throttle WHERE scope = 'account' AND key_hash = ?",
      [accountKey],
    );
  }

  async isAccountLocked(accountKey: Buffer): Promise<boolean> {
    const rows = await this.dataSource.query<unknown[]>(
      "SELECT 1 FROM auth_throttle WHERE scope = 'account' AND key_hash = ? AND locked_until > NOW(3)",
      [accountKey],
    );
    return rows.length > 0;
  }

  private async bump(scope: Scope, key: Buffer, max: number): Promise<void> {
    const windowMinutes = this.config.get('LOGIN_WINDOW_MINUTES');
    const lockMinutes = this.config.get('LOGIN_LOCKOUT_MINUTES');
    // Column assignments run left to right: `failures` sees the old window, `locked_until` the new count.
    await this.dataSource.query(
      `INSERT INTO auth_throttle (scope, key_hash, failures, window_start, locked_until)
       VALUES (?, ?, 1, NOW(3), IF(1 >= ?, NOW(3) + INTERVAL ? MINUTE, NULL))
       ON DUPLICATE KEY UPDATE
         failures = IF(window_start < NOW(3) - INTERVAL ? MINUTE, 1, failures + 1),
         window_start = IF(window_start < NOW(3) - INTERVAL ? MINUTE, NOW(3), window_start),
         locked_until = IF(failures >= ?, NOW(3) + INTERVAL ? MINUTE, locked_until)`,
      [scope, key, max, lockMinutes, windowMinutes, windowMinutes, max, lockMinutes],
    );
  }
}
