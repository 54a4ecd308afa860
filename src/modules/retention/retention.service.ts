import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { InjectDataSource } from '@nestjs/typeorm';
import { CronJob } from 'cron';
import { DataSource, EntityManager } from 'typeorm';
import { AppConfigService } from '../../core/config/app-config.service';
import { retryDeadlock } from '../../core/database/transaction';
import { AuditService } from '../audit/audit.service';
import { ActorType } from '../audit';
import type { AuditActor } from '../audit';
import { PrivacyService } from '../privacy/privacy.service';
import { RetentionErrorCode, RetentionException } from './retention.exception';
import { InterruptedRun, RetentionRunsService } from './services/retention-runs.service';

export interface RetentionRule {
  rule: string;
  description: string;
  days: number;
}

export interface RetentionReport {
  /** This run's row in retention_runs (and the resource id of its `retention.purged` event). */
  runId: number;
  ranAt: Date;
  results: (RetentionRule & { removed: number })[];
  /** Earlier runs that died before finishing, closed (and reported to the SIEM) by this one. */
  interruptedRuns: InterruptedRun[];
}

/** What a rule's purge needs besides its cut-off: who runs it, and where to count what it removed. */
interface PurgeContext {
  actor: AuditActor;
  runId: number;
  /** Adds to this rule's count in the run's row, inside the transaction that did the work. */
  count: (m: EntityManager, n: number) => Promise<void>;
}

interface PurgeRule extends RetentionRule {
  purge: (before: Date, ctx: PurgeContext) => Promise<number>;
}

const BATCH = 5000;
const ERASE_BATCH = 200;
const LOCK = 'callwarden.retention';
const SYSTEM: AuditActor = { type: ActorType.System, id: 'retention' };

/**
 * The retention purge: what the product keeps only for a while goes when its time is up, in small
 * batches (short locks), under a database-wide named lock so replicas never run it twice at once,
 * and audited with its counts. Each run has a row in retention_runs whose counts commit with the
 * work, so a run whose process dies is found and reported (to the SIEM too) by the next. Consent
 * history and the audit log are not purged here (the audit log has its own checkpointed purge);
 * contact attempts never go below Reg F's three years.
 */
@Injectable()
export class RetentionService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(RetentionService.name);
  private running: Promise<unknown> | null = null;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly privacy: PrivacyService,
    private readonly audit: AuditService,
    private readonly config: AppConfigService,
    private readonly scheduler: SchedulerRegistry,
    private readonly runs: RetentionRunsService,
  ) {}

  onApplicationBootstrap(): void {
    const cron = this.config.get('RETENTION_CRON');
    if (cron === 'off') return;
    const job = CronJob.from({
      cronTime: cron,
      onTick: () => {
        this.running = this.run(SYSTEM).catch((e: unknown) =>
          this.logger.warn(`retention purge failed: ${e instanceof Error ? e.message : 'unknown'}`),
        );
      },
      start: true,
    });
    this.scheduler.addCronJob('retention', job);
  }

  async onModuleDestroy(): Promise<void> {
    if (this.scheduler.doesExist('cron', 'retention')) this.scheduler.deleteCronJob('retention');
    await this.running;
  }

  /** What is purged and after how long (the public part of `rules`). */
  policy(): RetentionRule[] {
    return this.rules().map(({ rule, description, days }) => ({ rule, description, days }));
  }

  /** Each rule with the purge that enforces it, given the cut-off time. */
  private rules(): PurgeRule[] {
    const customers = this.config.get('RETENTION_SOFT_DELETED_DAYS');
    const messages = this.config.get('RETENTION_MESSAGES_DAYS');
    const sessions = this.config.get('RETENTION_SESSIONS_DAYS');
    const deleteOlder = (sql: string) => (before: Date, ctx: PurgeContext) =>
      this.deleteInBatches(sql, [before], ctx.count);
    return [
      {
        rule: 'customers.soft_deleted',
        description: 'soft-deleted customers are erased (personal data emptied, key destroyed)',
        days: customers,
        purge: (before, ctx) => this.eraseSoftDeleted(before, ctx),
      },
      {
        rule: 'notifications.finished',
        description: 'delivered or cancelled outbound messages',
        days: messages,
        purge: deleteOlder(
          'DELETE FROM notification_outbox WHERE COALESCE(sent_at, cancelled_at) < ?',
        ),
      },
      {
        rule: 'inbound_messages',
        description: 'receipts of inbound texts (idempotency)',
        days: messages,
        purge: deleteOlder('DELETE FROM inbound_messages WHERE received_at < ?'),
      },
      {
        rule: 'sessions.ended',
        description: 'revoked or expired sessions and their refresh tokens',
        days: sessions,
        purge: async (before, ctx) => {
          await this.deleteInBatches(
            `DELETE FROM refresh_tokens WHERE session_id IN
               (SELECT id FROM sessions WHERE COALESCE(revoked_at, expires_at) < ?)`,
            [before],
          );
          return this.deleteInBatches(
            'DELETE FROM sessions WHERE COALESCE(revoked_at, expires_at) < ?',
            [before],
            ctx.count,
          );
        },
      },
      {
        rule: 'one_time_tokens.finished',
        description: 'expired password-reset and MFA challenge tokens',
        days: sessions,
        purge: deleteOlder('DELETE FROM one_time_tokens WHERE COALESCE(used_at, expires_at) < ?'),
      },
      {
        rule: 'contact_attempts',
        description: 'contact attempts',
        days: this.config.get('RETENTION_CONTACT_RECORDS_DAYS'),
        purge: deleteOlder('DELETE FROM contact_attempts WHERE occurred_at < ?'),
      },
    ];
  }

  /**
   * One purge; refused with RETENTION_RUNNING while another instance runs one. It first closes any
   * run a dead process left behind, and every outcome reaches the SIEM: the summary of a finished
   * run, or an interrupted record for one that died or failed. A failed audit write fails the run.
   */
  async run(actor: AuditActor): Promise<RetentionReport> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      const [lock] = (await runner.query('SELECT GET_LOCK(?, 0) AS ok', [LOCK])) as {
        ok: number | null;
      }[];
      if (Number(lock?.ok) !== 1)
        throw new RetentionException(
          RetentionErrorCode.RETENTION_RUNNING,
          'A retention purge is already running',
        );
      try {
        return await this.purge(actor);
      } finally {
        await runner.query('SELECT RELEASE_LOCK(?)', [LOCK]);
      }
    } finally {
      await runner.release();
    }
  }

  /** The purge proper; the caller holds the lock. */
  private async purge(actor: AuditActor): Promise<RetentionReport> {
    const interruptedRuns = await this.runs.closeAbandoned(actor);
    const run = await this.runs.start(actor);
    const ranAt = run.startedAt;
    const results: RetentionReport['results'] = [];
    try {
      for (const { purge, ...rule } of this.rules()) {
        await this.runs.beginRule(run.id, rule.rule);
        const removed = await purge(new Date(ranAt.getTime() - rule.days * 86_400_000), {
          actor,
          runId: run.id,
          count: (m, n) => this.runs.addCount(m, run.id, rule.rule, n),
        });
        results.push({ ...rule, removed });
      }
      const counts = Object.fromEntries(results.map((r) => [r.rule, r.removed]));
      await this.runs.complete(run.id, actor, counts, interruptedRuns);
    } catch (e) {
      // Report the failure now rather than at the next run; if even that cannot be written, the
      // row stays `running` and the next run closes it. Either way the original error is thrown.
      await this.runs
        .fail(run.id, actor)
        .catch((closing: unknown) =>
          this.logger.warn(
            `retention run ${run.id} failed and could not be closed: ${closing instanceof Error ? closing.name : 'unknown'}`,
          ),
        );
      throw e;
    }
    return { runId: run.id, ranAt, results, interruptedRuns };
  }

  /**
   * Repeats a DELETE ... LIMIT until nothing is left: each batch is its own short transaction, which
   * also adds the batch to the run's count when `count` is given.
   */
  private async deleteInBatches(
    sql: string,
    params: unknown[],
    count?: PurgeContext['count'],
  ): Promise<number> {
    let total = 0;
    for (;;) {
      const removed = await retryDeadlock(() =>
        this.dataSource.transaction(async (m) => {
          const result = await m.query<{ affectedRows: number }>(`${sql} LIMIT ${BATCH}`, params);
          await count?.(m, result.affectedRows);
          return result.affectedRows;
        }),
      );
      total += removed;
      if (removed < BATCH) return total;
    }
  }

  private async eraseSoftDeleted(
    before: Date,
    { actor, runId, count }: PurgeContext,
  ): Promise<number> {
    let total = 0;
    for (;;) {
      const rows = await this.dataSource.query<{ id: string }[]>(
        `SELECT id FROM customers WHERE deleted_at < ? AND status <> 'erased' ORDER BY id LIMIT ${ERASE_BATCH}`,
        [before],
      );
      for (const { id } of rows) {
        // A deadlock victim (with the SIEM forwarder's claim, say) was rolled back whole: again.
        await retryDeadlock(() =>
          this.dataSource.transaction(async (m) => {
            const erased = await this.privacy.eraseCustomer(m, id, actor.id ?? 'retention');
            await this.audit.record(
              {
                action: 'retention.customer_erased',
                actor,
                resourceType: 'Customer',
                resourceId: id,
                changes: { ...erased, runId },
              },
              m,
            );
            // Counted with the erasure itself: an interrupted run's row says exactly how far it got.
            await count(m, 1);
          }),
        );
        total++;
      }
      if (rows.length < ERASE_BATCH) return total;
    }
  }
}
