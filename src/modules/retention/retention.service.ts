import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { InjectDataSource } from '@nestjs/typeorm';
import { CronJob } from 'cron';
import { DataSource, EntityManager } from 'typeorm';
import { AppConfigService } from '../../core/config/app-config.service';
import { RECORD_RETENTION_FLOOR_DAYS } from '../../core/config/environment';
import { RetentionPolicyEntity } from './entities/retention-policy.entity';
import { retryDeadlock } from '../../core/database/transaction';
import { AuditService } from '../audit/audit.service';
import { ComplianceService } from '../compliance/compliance.service';
import { ActorType, AuditResult } from '../audit';
import { AppException } from '../../core/errors/error-code';
import { driverErrorOf } from '../../core/errors/map-error';
import type { AuditActor } from '../audit';
import { PrivacyService } from '../privacy/privacy.service';
import { RetentionErrorCode, RetentionException } from './retention.exception';
import { InterruptedRun, RetentionRunsService } from './services/retention-runs.service';
import { RangeSizer } from './utils/range-sizer';
import type { RangeSizerOptions } from './utils/range-sizer';

export interface RetentionRule {
  rule: string;
  description: string;
  days: number;
  /** `anonymise` (customers: erased, the row stays) or `delete`; fixed by what the rule purges. */
  action: 'delete' | 'anonymise';
  legalBasis: string;
  enabled: boolean;
  /** The shortest period the law allows (Reg F's three years for contact records), else 1. */
  floorDays: number;
}

/** An admin's change to a policy. */
export interface RetentionPolicyChange {
  days?: number;
  enabled?: boolean;
  legalBasis?: string;
}

export interface RetentionReport {
  /** This run's row in retention_runs (and the resource id of its `retention.purged` event). */
  runId: number;
  ranAt: Date;
  results: (RetentionRule & {
    removed: number;
    skipped: number;
    /** Key ranges (or customers) worked, and the slowest one's time: how long locks were held. */
    batches: number;
    slowestBatchMs: number;
  })[];
  /** Earlier runs that died before finishing, closed (and reported to the SIEM) by this one. */
  interruptedRuns: InterruptedRun[];
}

/** What a rule's purge needs besides its cut-off: who runs it, and where to count what it removed. */
interface PurgeContext {
  actor: AuditActor;
  runId: number;
  /** Adds to this rule's count in the run's row, inside the transaction that did the work. */
  count: (m: EntityManager, n: number) => Promise<void>;
  /** Records a record the rule could not remove (audited, counted); throws if it cannot record it. */
  skip: (id: string, error: unknown) => Promise<void>;
  /** Reports one batch's duration (a key range, or one customer's erasure). */
  batch: (ms: number) => void;
  /** The connection holding the purge lock: every write of the run goes through it. */
  db: EntityManager;
}

interface PurgeRule extends RetentionRule {
  purge: (before: Date, ctx: PurgeContext) => Promise<number>;
  /** How many rows (customers) the purge would remove at this cut-off. */
  preview: (before: Date) => Promise<number>;
}

/** A table purged by primary-key ranges; `expired` takes the cut-off as its one parameter. */
interface TableSpec {
  table: string;
  key: string;
  expired: string;
  /** Rows of other tables that go with an expired row (refresh tokens of a session). */
  children?: { table: string; column: string }[];
  /** The column naming the customer a row is about: rows of customers under a legal hold stay. */
  customerColumn?: string;
  /**
   * The table is partitioned by month of its expiry column: a partition whose every row has expired
   * is dropped whole through these schema-owner procedures (see the AttemptPartitions migration), and
   * the key ranges then remove what is left (rows in a month not wholly expired, or held ones).
   */
  partitions?: { drop: string; extend: string };
}

/** A condition and the parameters it takes after the cut-off. */
interface Condition {
  sql: string;
  params: unknown[];
}

/** Held customers listed in the statement up to this many; beyond, a correlated subquery. */
const MAX_LISTED_HOLDS = 1000;

/** Soft-deleted customers not yet erased: what the erasure rule works through. */
const ERASABLE_CUSTOMERS: TableSpec = {
  table: 'customers',
  key: 'id',
  expired: "deleted_at < ? AND status <> 'erased'",
  customerColumn: 'id',
};

/** A stable code for why a record could not be purged (never a message: it may quote data). */
function failureCode(error: unknown): string {
  if (error instanceof AppException) return error.reason.slice(0, 64);
  const driver = driverErrorOf(error);
  if (driver.code) return driver.code.slice(0, 64);
  return error instanceof Error ? error.name.slice(0, 64) : 'UNKNOWN';
}

/** The first day of the month `months` after `at`'s, as 'YYYY-MM-DD' (UTC). */
function monthsAhead(at: Date, months: number): string {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + months, 1))
    .toISOString()
    .slice(0, 10);
}

function cutoff(at: Date, days: number): Date {
  return new Date(at.getTime() - days * 86_400_000);
}

/**
 * Primary-key ranges, one short transaction each, sized to take about 50 ms (a range's locks and
 * the purge's share of the server stay short whatever the load): a fixed span is either too long
 * under load (5,000 keys took 60 ms on the idle two-core bench box, up to 2 s under load) or needlessly
 * short on a fast server. Starts at 1,000 keys; 100 to 20,000.
 */
export const RANGES: RangeSizerOptions = {
  targetMs: 50,
  initial: 1000,
  min: 100,
  max: 20_000,
  maxGrowth: 1.5,
};
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
    private readonly compliance: ComplianceService,
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
  async policy(): Promise<RetentionRule[]> {
    return (await this.rules()).map(
      ({ purge: _purge, preview: _preview, ...rule }): RetentionRule => rule,
    );
  }

  /**
   * An admin's change to a policy: never under its legal floor, audited (and sent to the SIEM)
   * with its before and after.
   */
  async updatePolicy(
    actor: AuditActor,
    rule: string,
    change: RetentionPolicyChange,
  ): Promise<RetentionRule> {
    const current = (await this.rules()).find((r) => r.rule === rule);
    if (!current)
      throw new RetentionException(
        RetentionErrorCode.UNKNOWN_POLICY,
        'No retention rule has this name',
      );
    if (change.days !== undefined && change.days < current.floorDays)
      throw new RetentionException(
        RetentionErrorCode.UNDER_LEGAL_FLOOR,
        `This rule keeps records at least ${current.floorDays} days`,
        { floorDays: current.floorDays },
      );
    const after = {
      days: change.days ?? current.days,
      enabled: change.enabled ?? current.enabled,
      legalBasis: change.legalBasis?.trim() || current.legalBasis,
    };
    await this.dataSource.transaction(async (m) => {
      await m.getRepository(RetentionPolicyEntity).save({
        rule,
        ...after,
        updatedAt: new Date(),
        updatedBy: actor.id ?? actor.type,
      });
      await this.audit.record(
        {
          action: 'retention.policy_changed',
          actor,
          resourceType: 'RetentionPolicy',
          resourceId: rule,
          changes: {
            before: { days: current.days, enabled: current.enabled },
            after: { days: after.days, enabled: after.enabled },
          },
        },
        m,
      );
    });
    return { ...current, ...after };
  }

  /** Each rule with its policy (the stored one, else the configured default) and its purge. */
  private async rules(): Promise<PurgeRule[]> {
    const stored = new Map(
      (await this.dataSource.getRepository(RetentionPolicyEntity).find()).map((p) => [p.rule, p]),
    );
    return this.definitions().map((d) => {
      const p = stored.get(d.rule);
      return p ? { ...d, days: p.days, enabled: Boolean(p.enabled), legalBasis: p.legalBasis } : d;
    });
  }

  /** Each rule with its configured default and the purge that enforces it. */
  private definitions(): PurgeRule[] {
    const customers = this.config.get('RETENTION_SOFT_DELETED_DAYS');
    const messages = this.config.get('RETENTION_MESSAGES_DAYS');
    const sessions = this.config.get('RETENTION_SESSIONS_DAYS');
    const deleted = (legalBasis: string, floorDays = 1) => ({
      action: 'delete' as const,
      legalBasis,
      enabled: true,
      floorDays,
    });
    const table = (spec: TableSpec) => ({
      purge: async (before: Date, ctx: PurgeContext) =>
        (await this.dropExpiredPartitions(spec, before, ctx)) +
        (await this.deleteInRanges(spec, before, ctx)),
      preview: (before: Date) => this.countExpired(spec, before),
    });
    return [
      {
        rule: 'customers.soft_deleted',
        description: 'soft-deleted customers are erased (personal data emptied, key destroyed)',
        days: customers,
        action: 'anonymise',
        legalBasis: 'storage limitation (GDPR Art. 5(1)(e)); deleted records are not kept',
        enabled: true,
        floorDays: 1,
        purge: (before, ctx) => this.eraseSoftDeleted(before, ctx),
        preview: (before) => this.countExpired(ERASABLE_CUSTOMERS, before),
      },
      {
        rule: 'notifications.finished',
        description: 'delivered or cancelled outbound messages',
        days: messages,
        ...deleted('storage limitation; delivery records kept for disputes about a message'),
        ...table({
          table: 'notification_outbox',
          key: 'id',
          expired: 'COALESCE(sent_at, cancelled_at) < ?',
          customerColumn: 'customer_id',
        }),
      },
      {
        rule: 'inbound_messages',
        description: 'receipts of inbound texts (idempotency)',
        days: messages,
        ...deleted('needed only to process each inbound text once'),
        ...table({
          table: 'inbound_messages',
          key: 'provider_message_id',
          expired: 'received_at < ?',
        }),
      },
      {
        rule: 'sessions.ended',
        description: 'revoked or expired sessions and their refresh tokens',
        days: sessions,
        ...deleted('security records of sign-ins, kept for investigations'),
        ...table({
          table: 'sessions',
          key: 'id',
          expired: 'COALESCE(revoked_at, expires_at) < ?',
          children: [{ table: 'refresh_tokens', column: 'session_id' }],
        }),
      },
      {
        rule: 'one_time_tokens.finished',
        description: 'expired password-reset, MFA and passkey challenge tokens',
        days: sessions,
        ...deleted('no purpose once used or expired'),
        ...table({
          table: 'one_time_tokens',
          key: 'id',
          expired: 'COALESCE(used_at, expires_at) < ?',
        }),
      },
      {
        rule: 'contact_attempts',
        description: 'contact attempts',
        days: this.config.get('RETENTION_CONTACT_RECORDS_DAYS'),
        ...deleted(
          'Reg F (12 CFR 1006.100): three years after the last collection activity; TCPA defence',
          RECORD_RETENTION_FLOOR_DAYS,
        ),
        ...table({
          table: 'contact_attempts',
          key: 'id',
          expired: 'occurred_at < ?',
          customerColumn: 'customer_id',
          partitions: {
            drop: 'contact_attempts_drop_expired',
            extend: 'contact_attempts_extend',
          },
        }),
      },
      {
        rule: 'contact_decisions',
        description:
          'kept contact decisions, as long as the attempts they authorised (after them in a run)',
        days: this.config.get('RETENTION_CONTACT_RECORDS_DAYS'),
        ...deleted(
          'Reg F (12 CFR 1006.100): the proof of each contact is kept as long as its record',
          RECORD_RETENTION_FLOOR_DAYS,
        ),
        purge: (before, { db, batch, count }) =>
          this.compliance.purgeDecisionsBefore(db, before, async (m, n, ms) => {
            batch(ms);
            await count(m, n);
          }),
        preview: (before) => this.compliance.countPurgeableDecisions(before),
      },
    ];
  }

  /**
   * What a purge at `at` would remove, rule by rule, without removing anything (a dry run): the
   * same cut-offs and conditions the purge uses.
   */
  async preview(at = new Date()): Promise<(RetentionRule & { removed: number })[]> {
    const out: (RetentionRule & { removed: number })[] = [];
    for (const { purge: _purge, preview, ...rule } of await this.rules())
      out.push({ ...rule, removed: rule.enabled ? await preview(cutoff(at, rule.days)) : 0 });
    return out;
  }

  /**
   * One purge; refused with RETENTION_RUNNING while another instance runs one. It first closes any
   * run a dead process left behind, and every outcome reaches the SIEM: the summary of a finished
   * run, or an interrupted record for one that died or failed. A failed audit write fails the run.
   * `at`: the instant the cut-offs are counted from (default: when the run starts), as preview's.
   */
  async run(actor: AuditActor, at?: Date): Promise<RetentionReport> {
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
        return await this.purge(actor, runner.manager, at);
      } finally {
        await runner.query('SELECT RELEASE_LOCK(?)', [LOCK]);
      }
    } finally {
      await runner.release();
    }
  }

  /**
   * The purge proper; the caller holds the lock on `db`'s connection, and every write of the run
   * goes through that connection: if it is lost (and with it the lock, which another instance may
   * then take), the run's next statement fails instead of working beside the other instance.
   */
  private async purge(actor: AuditActor, db: EntityManager, at?: Date): Promise<RetentionReport> {
    const interruptedRuns = await this.runs.closeAbandoned(actor, db);
    const run = await this.runs.start(actor, db);
    const ranAt = at ?? run.startedAt;
    const results: RetentionReport['results'] = [];
    try {
      for (const { purge, preview: _preview, ...rule } of await this.rules()) {
        if (!rule.enabled) {
          results.push({ ...rule, removed: 0, skipped: 0, batches: 0, slowestBatchMs: 0 });
          continue;
        }
        await this.runs.beginRule(run.id, rule.rule, db);
        let skipped = 0;
        let batches = 0;
        let slowestBatchMs = 0;
        const removed = await purge(cutoff(ranAt, rule.days), {
          batch: (ms) => {
            batches++;
            slowestBatchMs = Math.max(slowestBatchMs, ms);
          },
          actor,
          runId: run.id,
          db,
          count: (m, n) => this.runs.addCount(m, run.id, rule.rule, n),
          skip: async (id, error) => {
            await this.audit.record({
              action: 'retention.customer_skipped',
              actor,
              result: AuditResult.Failure,
              resourceType: 'Customer',
              resourceId: id,
              errorCode: failureCode(error),
              changes: { runId: run.id, rule: rule.rule },
            });
            skipped++;
            await this.runs.addCount(db, run.id, `${rule.rule}:skipped`, 1);
          },
        });
        results.push({
          ...rule,
          removed,
          skipped,
          batches,
          slowestBatchMs: Math.round(slowestBatchMs * 10) / 10,
        });
      }
      const counts = Object.fromEntries(
        results.flatMap((r) => [
          [r.rule, r.removed],
          ...(r.skipped ? [[`${r.rule}:skipped`, r.skipped]] : []),
        ]),
      ) as Record<string, number>;
      await this.runs.complete(run.id, actor, counts, interruptedRuns, db);
    } catch (e) {
      // Report the failure now rather than at the next run; if even that cannot be written, the
      // row stays `running` and the next run closes it. Either way the original error is thrown.
      await this.runs
        .fail(run.id, actor, db)
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
   * Deletes the expired rows of a table by walking its primary key in ranges
   * (`key > last AND key <= bound AND <expired>`), each range its own short transaction that also
   * adds to the run's count, and each sized from the time the ones before took (RANGES). Never a
   * repeated `DELETE ... ORDER BY ... LIMIT`, which rescans the rows the previous batches
   * delete-marked (and, without an index on the condition, the table).
   */
  private async deleteInRanges(
    spec: TableSpec,
    before: Date,
    { db, count, batch }: PurgeContext,
  ): Promise<number> {
    let total = 0;
    let last: string | null = null;
    const sizer = new RangeSizer(RANGES);
    for (;;) {
      const started = performance.now();
      const keys = sizer.size;
      const [bound]: ({ k: string } | undefined)[] = await db.query<{ k: string }[]>(
        `SELECT ${spec.key} AS k FROM ${spec.table} ${last === null ? '' : `WHERE ${spec.key} > ?`}
          ORDER BY ${spec.key} LIMIT 1 OFFSET ${keys - 1}`,
        last === null ? [] : [last],
      );
      // Re-read per range: a hold placed while the purge runs protects the rows not yet reached.
      const held = await this.notHeld(spec, db);
      const range = [
        ...(last === null ? [] : [`${spec.key} > ?`]),
        ...(bound ? [`${spec.key} <= ?`] : []),
        `(${spec.expired})${held.sql}`,
      ].join(' AND ');
      const params = [
        ...(last === null ? [] : [last]),
        ...(bound ? [bound.k] : []),
        before,
        ...held.params,
      ];
      total += await retryDeadlock(() =>
        db.transaction(async (m) => {
          for (const child of spec.children ?? [])
            await m.query(
              `DELETE FROM ${child.table} WHERE ${child.column} IN
                 (SELECT ${spec.key} FROM ${spec.table} WHERE ${range})`,
              params,
            );
          const result = await m.query<{ affectedRows: number }>(
            `DELETE FROM ${spec.table} WHERE ${range}`,
            params,
          );
          await count(m, result.affectedRows);
          return result.affectedRows;
        }),
      );
      const ms = performance.now() - started;
      batch(ms);
      if (!bound) return total;
      sizer.record(keys, ms);
      last = bound.k;
    }
  }

  /**
   * Drops the monthly partitions of a partitioned table whose upper bound is at or before the
   * cut-off, one procedure call each (a batch: the procedure re-checks the bound and the legal
   * floor, leaves a partition holding a held customer's row to the key ranges, counts the rows and
   * drops the partition). The drop is DDL, which commits on its own: the run's count is added right
   * after it, so a process killed between the two leaves that month's rows gone but uncounted in the
   * interrupted run's row (never half a month). A drop waits at most two seconds for the table's
   * metadata lock (statements on the table queue behind a waiting drop); when a long transaction
   * holds it, the procedure answers `busy` and the months left go by key ranges this run. First the
   * months ahead are made sure of, so that new attempts keep landing in monthly partitions.
   */
  private async dropExpiredPartitions(
    spec: TableSpec,
    before: Date,
    { db, count, batch }: PurgeContext,
  ): Promise<number> {
    if (!spec.partitions) return 0;
    await db.query(`CALL ${spec.partitions.extend}(?)`, [monthsAhead(new Date(), 13)]);
    const partitions = await db.query<{ name: string; bound: string }[]>(
      `SELECT PARTITION_NAME AS name, TRIM(BOTH '''' FROM PARTITION_DESCRIPTION) AS bound
         FROM information_schema.PARTITIONS
        WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND PARTITION_NAME REGEXP '^p[0-9]{6}$'
        ORDER BY PARTITION_ORDINAL_POSITION`,
      [spec.table],
    );
    let total = 0;
    for (const { name, bound } of partitions) {
      // Bounds are the first day of a month ('2026-12-01', with a time on MySQL).
      if (new Date(`${bound.slice(0, 10)}T00:00:00Z`) > before) break;
      const started = performance.now();
      const [[result]] = await db.query<[{ status: string; removed: string | number }[]]>(
        `CALL ${spec.partitions.drop}(?, ?)`,
        [name, before],
      );
      batch(performance.now() - started);
      // A long transaction holds the table: the months left go by key ranges this run.
      if (result?.status === 'busy') break;
      const removed = result?.status === 'dropped' ? Number(result.removed) : 0;
      if (removed > 0) await db.transaction((m) => count(m, removed));
      total += removed;
    }
    return total;
  }

  /** The rows of a table the purge would remove at this cut-off. */
  private async countExpired(spec: TableSpec, before: Date): Promise<number> {
    const held = await this.notHeld(spec);
    const [row] = await this.dataSource.query<{ n: string }[]>(
      `SELECT COUNT(*) AS n FROM ${spec.table} WHERE (${spec.expired})${held.sql}`,
      [before, ...held.params],
    );
    return Number(row.n);
  }

  /**
   * The part of a table's condition that leaves held customers' rows alone: nothing when no hold is
   * active (the usual case, and no cost), their ids when there are a few, a correlated subquery
   * (one probe per row: it doubled a range's cost in the bench) only beyond MAX_LISTED_HOLDS.
   */
  private async notHeld(
    spec: TableSpec,
    db: EntityManager = this.dataSource.manager,
  ): Promise<Condition> {
    if (!spec.customerColumn) return { sql: '', params: [] };
    const active = `released_at IS NULL AND (expires_at IS NULL OR expires_at > NOW(3))`;
    const held = await db.query<{ id: string }[]>(
      `SELECT DISTINCT customer_id AS id FROM legal_holds WHERE ${active} LIMIT ${MAX_LISTED_HOLDS + 1}`,
    );
    const column = `${spec.table}.${spec.customerColumn}`;
    if (held.length === 0) return { sql: '', params: [] };
    if (held.length > MAX_LISTED_HOLDS)
      return {
        sql: ` AND NOT EXISTS (SELECT 1 FROM legal_holds h WHERE h.customer_id = ${column}
          AND h.released_at IS NULL AND (h.expires_at IS NULL OR h.expires_at > NOW(3)))`,
        params: [],
      };
    // A row about no customer (a message to staff) is nobody's held record.
    return {
      sql: ` AND (${column} IS NULL OR ${column} NOT IN (?))`,
      params: [held.map((h) => h.id)],
    };
  }

  /**
   * Erases soft-deleted customers in id order (a keyset walk). A customer whose erasure fails
   * (after deadlock retries) is recorded as skipped, a critical event the SIEM hears of, and the
   * run goes on; the next run tries it again. Only a failure to record that fails the run.
   */
  private async eraseSoftDeleted(
    before: Date,
    { actor, runId, count, skip, batch, db }: PurgeContext,
  ): Promise<number> {
    let total = 0;
    let last = '';
    for (;;) {
      const held = await this.notHeld(ERASABLE_CUSTOMERS, db);
      const rows = await db.query<{ id: string }[]>(
        `SELECT id FROM customers WHERE id > ? AND (${ERASABLE_CUSTOMERS.expired})${held.sql}
          ORDER BY id LIMIT ${ERASE_BATCH}`,
        [last, before, ...held.params],
      );
      for (const { id } of rows) {
        const started = performance.now();
        try {
          // A deadlock victim (with the SIEM forwarder's claim, say) was rolled back whole: again.
          await retryDeadlock(() =>
            db.transaction(async (m) => {
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
              // Counted with the erasure itself: an interrupted run's row says how far it got.
              await count(m, 1);
            }),
          );
          total++;
        } catch (e) {
          await skip(id, e);
        }
        batch(performance.now() - started);
      }
      if (rows.length < ERASE_BATCH) return total;
      last = rows[rows.length - 1].id;
    }
  }
}
