import { createHash } from 'node:crypto';
import type { BlockList } from 'node:net';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AppConfigService } from '../../../core/config/app-config.service';
import { addressList, inList } from '../../../core/config/environment';
import { IdentityErrorCode, IdentityException } from '../identity.exception';

type Scope = 'account' | 'account_ip' | 'ip';

interface Row {
  locked_until: Date | null;
}

/**
 * Failed sign-ins, counted in the database so every instance sees them, and checked before any
 * hashing. A contact center puts hundreds of agents behind one NAT address, so the counters are:
 *
 * - per (account, address): LOGIN_MAX_FAILURES locks that account on that address only;
 * - per account: LOGIN_ACCOUNT_MAX_FAILURES from anywhere locks the account everywhere;
 * - per address: only on evidence of stuffing, LOGIN_IP_MAX_ACCOUNTS distinct accounts failing
 *   from it, and never for the CIDRs of LOGIN_IP_ALLOWLIST (the offices).
 *
 * Accounts are keyed by the email's blind index (unknown emails lock the same way) and addresses
 * by a hash. Every lock answers the same TOO_MANY_ATTEMPTS, so a caller cannot tell which one
 * holds, nor whether the account exists.
 */
@Injectable()
export class ThrottleService {
  private readonly allowList: BlockList;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfigService,
  ) {
    this.allowList = addressList(this.config.get('LOGIN_IP_ALLOWLIST'));
  }

  ipKey(ip: string | null): Buffer {
    return createHash('sha256')
      .update(`ip:${ip ?? 'unknown'}`)
      .digest();
  }

  /** 16 bytes of the account's hash, then 16 of the address's: an unlock finds every pair. */
  private pairKey(accountKey: Buffer, ip: string | null): Buffer {
    return Buffer.concat([this.accountPrefix(accountKey), this.ipKey(ip).subarray(0, 16)]);
  }

  private accountPrefix(accountKey: Buffer): Buffer {
    return createHash('sha256').update(accountKey).digest().subarray(0, 16);
  }

  /** Whether a bare address may be locked: never an allow-listed office address. */
  private lockable(ip: string | null): boolean {
    return !ip || !inList(this.allowList, ip);
  }

  /** Throws RATE_LIMITED / TOO_MANY_ATTEMPTS while any counter that applies holds a lock. */
  async assertNotLocked(accountKey: Buffer, ip: string | null): Promise<void> {
    const rows = await this.dataSource.query<Row[]>(
      `SELECT locked_until FROM auth_throttle
        WHERE ((scope = 'account' AND key_hash = ?) OR (scope = 'account_ip' AND key_hash = ?)
               OR (scope = 'ip' AND key_hash = ?))
          AND locked_until > NOW(3)
        ORDER BY locked_until DESC LIMIT 1`,
      [
        accountKey,
        this.pairKey(accountKey, ip),
        this.lockable(ip) ? this.ipKey(ip) : Buffer.alloc(32),
      ],
    );
    if (rows.length === 0) return;
    const retryAfterSeconds = Math.max(
      1,
      Math.ceil(((rows[0].locked_until as Date).getTime() - Date.now()) / 1000),
    );
    throw new IdentityException(
      IdentityErrorCode.TOO_MANY_ATTEMPTS,
      'Too many failed attempts: try again later',
      { retryAfterSeconds },
    );
  }

  async recordFailure(accountKey: Buffer, ip: string | null): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      await this.bump(m, 'account', accountKey, this.config.get('LOGIN_ACCOUNT_MAX_FAILURES'));
      const pair = await this.bump(
        m,
        'account_ip',
        this.pairKey(accountKey, ip),
        this.config.get('LOGIN_MAX_FAILURES'),
      );
      // The address counts accounts, not attempts: only an account's first failure from it in the
      // window adds one.
      if (pair === 1 && this.lockable(ip))
        await this.bump(m, 'ip', this.ipKey(ip), this.config.get('LOGIN_IP_MAX_ACCOUNTS'));
    });
  }

  /**
   * After a successful sign-in the account's counters start again (the address's do not); an
   * admin's unlock (no address) clears the account on every address.
   */
  async clearAccount(accountKey: Buffer, ip?: string | null): Promise<void> {
    await this.dataSource.query(
      `DELETE FROM auth_throttle WHERE (scope = 'account' AND key_hash = ?)
          OR (scope = 'account_ip' AND ${ip === undefined ? 'LEFT(key_hash, 16) = ?' : 'key_hash = ?'})`,
      [
        accountKey,
        ip === undefined ? this.accountPrefix(accountKey) : this.pairKey(accountKey, ip),
      ],
    );
  }

  /** Whether the account is locked everywhere (the users list shows it as Locked). */
  async isAccountLocked(accountKey: Buffer): Promise<boolean> {
    const rows = await this.dataSource.query<unknown[]>(
      "SELECT 1 FROM auth_throttle WHERE scope = 'account' AND key_hash = ? AND locked_until > NOW(3)",
      [accountKey],
    );
    return rows.length > 0;
  }

  /** Counts one failure in the window (atomic upsert) and returns the window's count. */
  private async bump(m: EntityManager, scope: Scope, key: Buffer, max: number): Promise<number> {
    const windowMinutes = this.config.get('LOGIN_WINDOW_MINUTES');
    const lockMinutes = this.config.get('LOGIN_LOCKOUT_MINUTES');
    // Column assignments run left to right: `failures` sees the old window, `locked_until` the new count.
    await m.query(
      `INSERT INTO auth_throttle (scope, key_hash, failures, window_start, locked_until)
       VALUES (?, ?, 1, NOW(3), IF(1 >= ?, NOW(3) + INTERVAL ? MINUTE, NULL))
       ON DUPLICATE KEY UPDATE
         failures = IF(window_start < NOW(3) - INTERVAL ? MINUTE, 1, failures + 1),
         window_start = IF(window_start < NOW(3) - INTERVAL ? MINUTE, NOW(3), window_start),
         locked_until = IF(failures >= ?, NOW(3) + INTERVAL ? MINUTE, locked_until)`,
      [scope, key, max, lockMinutes, windowMinutes, windowMinutes, max, lockMinutes],
    );
    const [row] = await m.query<{ failures: number }[]>(
      'SELECT failures FROM auth_throttle WHERE scope = ? AND key_hash = ?',
      [scope, key],
    );
    return Number(row.failures);
  }
}
