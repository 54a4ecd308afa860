import type { Logger } from '@nestjs/common';
import type { AuditService } from './audit.service';
import { ActorType } from './entities/audit-event.entity';

/** A refused webhook request raises at most one critical audit event per cause in this window. */
const ALERT_WINDOW_MS = 60_000;

/**
 * Refusals of a signed webhook (a wrong secret, a clock off by minutes, a rotated token) may be
 * lost opt-outs or lost receipts, so they are never silent: each is logged and counted by cause,
 * and raised as `action` (a critical audit event, which the SIEM receives) at most once a minute
 * per cause, with the count since the last one. An event that cannot be written is retried with
 * the next refusal (its count kept).
 */
export class RefusalAlerts {
  private readonly refused = new Map<
    string,
    { total: number; unreported: number; alertedAt: number }
  >();

  constructor(
    private readonly audit: AuditService,
    private readonly logger: Logger,
    private readonly event: {
      action: string;
      /** The system actor's id, e.g. `sms-inbound`. */
      actorId: string;
      /** The webhook's path, the event's resource. */
      path: string;
      /** What was refused, for the log line, e.g. `inbound SMS webhook request`. */
      what: string;
      /** More of the event's `changes` (read when it is raised). */
      changes?: () => Record<string, unknown>;
    },
  ) {}

  /** Refused requests by cause since this process started. */
  counts(): Record<string, number> {
    return Object.fromEntries([...this.refused].map(([cause, r]) => [cause, r.total]));
  }

  note(cause: string): void {
    const entry = this.refused.get(cause) ?? { total: 0, unreported: 0, alertedAt: 0 };
    entry.total++;
    entry.unreported++;
    this.refused.set(cause, entry);
    this.logger.warn(`${this.event.what} refused (${cause}); ${entry.total} since start`);
    const now = Date.now();
    if (now - entry.alertedAt < ALERT_WINDOW_MS) return;
    const count = entry.unreported;
    entry.alertedAt = now;
    entry.unreported = 0;
    this.audit
      .record({
        action: this.event.action,
        actor: { type: ActorType.System, id: this.event.actorId },
        resourceType: 'InboundWebhook',
        resourceId: this.event.path,
        changes: { cause, refused: count, ...this.event.changes?.() },
      })
      .catch((e: unknown) => {
        entry.unreported += count;
        entry.alertedAt = 0;
        this.logger.error(`could not record a refused ${this.event.what}: ${String(e)}`);
      });
  }
}
