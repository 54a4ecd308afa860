import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { AppConfigService } from '../../../core/config/app-config.service';
import { HashingAdmission } from '../../../core/request/hashing-admission';
import { ActorType, AuditResult } from '../../audit';
import { AuditService } from '../../audit/audit.service';
import { IdentityErrorCode } from '../identity.exception';
import { PasswordService } from './password.service';
import type { Reservation } from '../utils/bounded-queue';
import { deviceCookieOf, TrustedDevicesService } from './trusted-devices.service';

/** Distinct addresses counted per window; a flood from more is reported as at least this many. */
const MAX_ADDRESSES = 10_000;

interface Window {
  shed: number;
  addresses: Set<string>;
  from: Date;
}

/**
 * Sign-ins refused for want of hashing capacity, at the edge (before GraphQL) or in the resolver.
 * A flood refuses thousands a second, so they are audited in aggregate: one `auth.login` failure
 * (HASHING_BUSY) per window with the count and the distinct addresses, where one row each would
 * make the flood a write storm on the audit chain. A window whose audit write fails is kept and
 * written with the next one; the last is written at shutdown.
 */
@Injectable()
export class LoginShedService implements HashingAdmission, OnModuleInit, OnModuleDestroy {
  readonly fields = ['login', 'resetPassword'] as const;
  private readonly logger = new Logger(LoginShedService.name);
  private window: Window | null = null;
  private timer?: NodeJS.Timeout;
  private writing: Promise<void> | null = null;

  constructor(
    private readonly passwords: PasswordService,
    private readonly audit: AuditService,
    private readonly config: AppConfigService,
    private readonly devices: TrustedDevicesService,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(
      () => void this.flush(),
      this.config.get('LOGIN_SHED_AUDIT_SECONDS') * 1000,
    );
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  /**
   * A place for a sign-in: in the common lane, or for a sign-in from a device trusted for the
   * email it signs in with (a single operation's `variables.input.email`), the account's own.
   */
  admit(
    body: unknown,
    cookies: Record<string, string | undefined> | undefined,
  ): Reservation | null {
    const email = (body as { variables?: { input?: { email?: unknown } } } | null)?.variables?.input
      ?.email;
    const lane = Array.isArray(body)
      ? undefined
      : this.devices.laneFor(email, deviceCookieOf(cookies));
    return this.passwords.reserve(lane);
  }

  shed(ip: string | null): void {
    const w = (this.window ??= { shed: 0, addresses: new Set(), from: new Date() });
    w.shed++;
    if (ip && w.addresses.size < MAX_ADDRESSES) w.addresses.add(ip);
  }

  /** Writes the window's count to the audit log (nothing when none was shed). */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
    const w = this.window;
    if (!w) return;
    this.window = null;
    this.writing = this.write(w).finally(() => (this.writing = null));
    await this.writing;
  }

  private async write(w: Window): Promise<void> {
    const to = new Date();
    try {
      await this.audit.record({
        action: 'auth.login',
        actor: { type: ActorType.Anonymous },
        result: AuditResult.Failure,
        errorCode: IdentityErrorCode.HASHING_BUSY,
        resourceType: 'User',
        resourceId: null,
        changes: {
          shed: w.shed,
          addresses: w.addresses.size,
          addressesCapped: w.addresses.size >= MAX_ADDRESSES,
          from: w.from.toISOString(),
          to: to.toISOString(),
        },
      });
    } catch (e) {
      // Kept, not lost: merged into the window open now and written with it.
      const now = this.window;
      this.window = {
        shed: w.shed + (now?.shed ?? 0),
        addresses: new Set([...w.addresses, ...(now?.addresses ?? [])].slice(0, MAX_ADDRESSES)),
        from: w.from,
      };
      this.logger.error(
        `could not audit ${w.shed} refused sign-in(s); kept for the next write: ${
          e instanceof Error ? e.message : 'unknown'
        }`,
      );
    }
  }
}
