import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { cursorPage, Page } from '../../core/database/pagination';
import { driverErrorOf } from '../../core/errors/map-error';
import { MetricsService } from '../../core/metrics/metrics.service';
import { sanitizeChanges, sanitizeInput } from '../../core/pii/sanitize';
import { requestStore } from '../../core/request/request-store';
import { AuditInput, AuditReceipt, PreparedEntry } from './audit.types';
import { ActorType, AuditEventEntity, AuditResult } from './entities/audit-event.entity';
import { AuditChainService } from './services/audit-chain.service';
import { canonicalEntry } from './utils/canonical';

export interface AuditFilter {
  actorId?: string;
  action?: string;
  resourceType?: string;
  resourceId?: string;
  result?: AuditResult;
  from?: Date;
  to?: Date;
}

interface Pending {
  entry: PreparedEntry;
  resolve: (receipt: AuditReceipt) => void;
  reject: (e: unknown) => void;
}

/** One audit entry as an integrity proof carries it. */
export interface ChainEntryProof {
  seq: string;
  occurredAt: Date;
  action: string;
  resourceType: string | null;
  resourceId: string | null;
  result: string;
  prevHash: string;
  hash: string;
  /** The canonical JSON the hash covers. */
  canonical: string;
}

export const MAX_AUDIT_PAGE = 200;
const NEWEST_FIRST = { property: 'seq', order: 'DESC' } as const;
const MAX_BATCH = 500;

/**
 * The audit log's surface. `record` without a transaction goes through a group-commit queue: entries
 * that arrive while a batch is being written are appended together in the next one (one lock, one
 * commit). With a transaction, the entry commits with the caller's change.
 */
@Injectable()
export class AuditService implements OnModuleDestroy {
  private readonly logger = new Logger(AuditService.name);
  private queue: Pending[] = [];
  private flushing: Promise<void> | null = null;
  private readonly failures = {
    total: 0,
    unreported: 0,
    firstUnreportedAt: null as Date | null,
    lastFailureAt: null as Date | null,
    lastSuccessAt: null as Date | null,
  };

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly chain: AuditChainService,
    private readonly metrics: MetricsService,
  ) {}

  async onModuleDestroy(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  /** Resolves once the entry is committed (acknowledged appends survive a crash). */
  record(input: AuditInput, manager?: EntityManager): Promise<AuditReceipt> {
    const entry = this.prepare(input);
    if (manager) {
      const timer = this.metrics.auditAppendDuration.startTimer({ mode: 'caller' });
      return this.chain.append(manager, [entry]).then(
        (r) => {
          timer();
          return r[0];
        },
        (e: unknown) => {
          this.metrics.auditAppendFailures.inc();
          throw e;
        },
      );
    }
    return new Promise<AuditReceipt>((resolve, reject) => {
      this.queue.push({ entry, resolve, reject });
      this.flushing ??= new Promise<void>((done) => setImmediate(done)).then(() => this.flush());
    });
  }

  /**
   * How many `action` entries an actor made since `since`, read in the caller's transaction (limits
   * that count audited actions: the caller holds the lock that serializes its count and write).
   */
  async countRecent(
    m: EntityManager,
    { actorId, action, since }: { actorId: string; action: string; since: Date },
  ): Promise<number> {
    const [row] = await m.query<{ n: string }[]>(
      'SELECT COUNT(*) AS n FROM audit_events WHERE actor_id = ? AND action = ? AND occurred_at > ?',
      [actorId, action, since],
    );
    return Number(row.n);
  }

  /** Newest first, cursor-paginated on the chain's sequence, each filter served by an index. */
  search(
    filter: AuditFilter,
    first: number,
    after?: string | null,
  ): Promise<Page<AuditEventEntity>> {
    const take = Math.min(Math.max(first, 1), MAX_AUDIT_PAGE);
    const qb = this.dataSource.getRepository(AuditEventEntity).createQueryBuilder('e');
    if (filter.actorId) qb.andWhere('e.actor_id = :actorId', { actorId: filter.actorId });
    if (filter.action) qb.andWhere('e.action = :action', { action: filter.action });
    if (filter.resourceType) qb.andWhere('e.resource_type = :rt', { rt: filter.resourceType });
    if (filter.resourceId) qb.andWhere('e.resource_id = :rid', { rid: filter.resourceId });
    if (filter.result) qb.andWhere('e.result = :result', { result: filter.result });
    if (filter.from) qb.andWhere('e.occurred_at >= :from', { from: filter.from });
    if (filter.to) qb.andWhere('e.occurred_at < :to', { to: filter.to });
    return cursorPage(qb, NEWEST_FIRST, take, after);
  }

  /** Failed sign-ins in the last 24 hours, newest first. */
  failedLogins(first = 100, after?: string | null): Promise<Page<AuditEventEntity>> {
    return this.search(
      {
        action: 'auth.login',
        result: AuditResult.Failure,
        from: new Date(Date.now() - 24 * 3600 * 1000),
      },
      first,
      after,
    );
  }

  /** Who read which records of a resource type in a time range, with counts. */
  async dataAccess(
    resourceType: string,
    from: Date,
    to: Date,
    actorId?: string,
  ): Promise<
    {
      actorId: string | null;
      resourceId: string | null;
      action: string;
      count: number;
      lastAt: Date;
    }[]
  > {
    const qb = this.dataSource
      .getRepository(AuditEventEntity)
      .createQueryBuilder('e')
      .select('e.actor_id', 'actorId')
      .addSelect('e.resource_id', 'resourceId')
      .addSelect('e.action', 'action')
      .addSelect('COUNT(*)', 'count')
      .addSelect('MAX(e.occurred_at)', 'lastAt')
      .where('e.resource_type = :resourceType', { resourceType })
      .andWhere('e.occurred_at >= :from AND e.occurred_at < :to', { from, to });
    if (actorId) qb.andWhere('e.actor_id = :actorId', { actorId });
    const rows = await qb
      .groupBy('e.actor_id')
      .addGroupBy('e.resource_id')
      .addGroupBy('e.action')
      .orderBy('lastAt', 'DESC')
      .limit(1000)
      .getRawMany<{
        actorId: string | null;
        resourceId: string | null;
        action: string;
        count: string;
        lastAt: Date;
      }>();
    return rows.map((r) => ({ ...r, count: Number(r.count) }));
  }

  /**
   * Audit events about a data subject (resource id one of `ownIds`: their customer id, their
   * requests), oldest first, for access and portability exports. Other people are left out: no
   * actor id, address or user agent (the actor's type and role stay), and in `changes` no key
   * naming a person (actor, user, agent, assignee, owner, team, staff, `...By`, address or contact
   * keys) and no id that is not one of `ownIds`.
   */
  async eventsAboutSubject(
    ownIds: string[],
    m?: EntityManager,
  ): Promise<Record<string, unknown>[]> {
    const db = m ?? this.dataSource.manager;
    if (ownIds.length === 0) return [];
    // The resource index leads with the type: name every type so each id is an index range.
    const types = (
      await db.query<{ t: string }[]>(
        'SELECT DISTINCT resource_type AS t FROM audit_events WHERE resource_type IS NOT NULL',
      )
    ).map((r) => r.t);
    if (types.length === 0) return [];
    const own = new Set(ownIds);
    const out: Record<string, unknown>[] = [];
    for (let after = '0'; ;) {
      const batch = await db
        .getRepository(AuditEventEntity)
        .createQueryBuilder('e')
        .where('e.resource_type IN (:...types) AND e.resource_id IN (:...ids)', {
          types,
          ids: ownIds,
        })
        .andWhere('e.seq > :after', { after })
        .orderBy('e.seq', 'ASC')
        .take(1000)
        .getMany();
      if (batch.length === 0) return out;
      for (const e of batch)
        out.push({
          seq: e.seq,
          occurredAt: e.occurredAt,
          action: e.action,
          resourceType: e.resourceType,
          resourceId: e.resourceId,
          result: e.result,
          errorCode: e.errorCode,
          actorType: e.actorType,
          actorRole: e.actorRole,
          changes: e.changes ? scrubForSubject(e.changes, own) : null,
        });
      after = batch[batch.length - 1].seq;
    }
  }

  /**
   * The chained entries about these resources in a time range, with what a verifier needs to
   * recompute each hash: `hash = SHA-256(prevHash || canonical)`. At most `limit`, oldest first.
   */
  async chainEntriesAbout(
    resources: { type: string; ids: string[] }[],
    from: Date,
    to: Date,
    limit = 5000,
  ): Promise<ChainEntryProof[]> {
    const out: ChainEntryProof[] = [];
    for (const { type, ids } of resources) {
      for (let i = 0; i < ids.length && out.length < limit; i += 1000) {
        const rows = await this.dataSource
          .getRepository(AuditEventEntity)
          .createQueryBuilder('e')
          .where('e.resource_type = :type AND e.resource_id IN (:...ids)', {
            type,
            ids: ids.slice(i, i + 1000),
          })
          .andWhere('e.occurred_at >= :from AND e.occurred_at < :to', { from, to })
          .orderBy('e.seq', 'ASC')
          .take(limit - out.length)
          .getMany();
        for (const e of rows)
          out.push({
            seq: String(e.seq),
            occurredAt: e.occurredAt,
            action: e.action,
            resourceType: e.resourceType,
            resourceId: e.resourceId,
            result: e.result,
            prevHash: e.prevHash.toString('hex'),
            hash: e.hash.toString('hex'),
            canonical: canonicalEntry(e),
          });
      }
    }
    return out.sort((a, b) => (BigInt(a.seq) < BigInt(b.seq) ? -1 : 1)).slice(0, limit);
  }

  private prepare(input: AuditInput): PreparedEntry {
    const store = requestStore.getStore();
    const principal = store?.principal;
    const actor = input.actor ?? {
      type: principal
        ? principal.type === 'user'
          ? ActorType.User
          : ActorType.ApiKey
        : ActorType.Anonymous,
      id: principal?.id ?? null,
      role: principal?.role ?? null,
    };
    const changes = input.changes
      ? (wellFormed(
          input.untrustedChanges ? sanitizeInput(input.changes) : sanitizeChanges(input.changes),
        ) as Record<string, unknown>)
      : null;
    const text = (v: string | null | undefined) => (v == null ? null : v.toWellFormed());
    return {
      occurredAt: new Date(),
      actorType: actor.type,
      actorId: text(actor.id),
      actorRole: text(actor.role),
      action: input.action.slice(0, 100).toWellFormed(),
      resourceType: text(input.resourceType),
      resourceId: text(input.resourceId),
      result: input.result ?? AuditResult.Success,
      errorCode: text(input.errorCode),
      ip: store?.ip ?? null,
      userAgent: text(store?.userAgent),
      requestId: store?.requestId ?? null,
      durationMs:
        input.durationMs === undefined || input.durationMs === null
          ? null
          : Math.max(0, Math.round(input.durationMs)),
      changes,
    };
  }

  /**
   * Whether the log takes writes: false from a failed append until the next one succeeds. The
   * readiness probe reports it, and the first successful append after failures records an
   * `audit.write_failed` critical event (to the SIEM) with the count.
   */
  health(): AuditHealth {
    const { total, lastFailureAt, lastSuccessAt } = this.failures;
    return {
      ok: !lastFailureAt || (lastSuccessAt !== null && lastSuccessAt > lastFailureAt),
      failedEntries: total,
      lastFailureAt,
    };
  }

  /**
   * health(), after trying the log once more when it is failing: readiness must recover without
   * traffic (an instance out of the load balancer gets none). The probe is itself an audit row.
   */
  async probe(): Promise<AuditHealth> {
    if (this.health().ok) return this.health();
    try {
      await this.record({
        action: 'audit.health_probe',
        actor: { type: ActorType.System, id: 'audit' },
        resourceType: 'AuditLog',
      });
    } catch {
      // Still failing: health() says so.
    }
    return this.health();
  }

  private async flush(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, MAX_BATCH);
        try {
          const receipts = await this.appendNow(batch.map((p) => p.entry));
          batch.forEach((p, i) => p.resolve(receipts[i]));
        } catch (e) {
          if (batch.length > 1 && isRowError(e)) {
            // The server refused a row, not the connection: one bad entry must not sink the
            // others, so each is written alone and only the bad one fails.
            for (const p of batch) {
              try {
                p.resolve((await this.appendNow([p.entry]))[0]);
              } catch (alone) {
                this.noteFailure(1, alone);
                p.reject(alone);
              }
            }
          } else {
            this.noteFailure(batch.length, e);
            batch.forEach((p) => p.reject(e));
          }
        }
      }
    } finally {
      this.flushing = null;
    }
  }

  private async appendNow(entries: PreparedEntry[]): Promise<AuditReceipt[]> {
    const timer = this.metrics.auditAppendDuration.startTimer({ mode: 'own' });
    const receipts = await this.dataSource.transaction((m) => this.chain.append(m, entries));
    timer();
    this.failures.lastSuccessAt = new Date();
    if (this.failures.unreported > 0) this.reportFailures();
    return receipts;
  }

  /** A lost audit entry is never silence: a fatal log line now, a critical event once the log writes. */
  private noteFailure(entries: number, e: unknown): void {
    const now = new Date();
    this.metrics.auditAppendFailures.inc(entries);
    this.failures.total += entries;
    this.failures.unreported += entries;
    this.failures.firstUnreportedAt ??= now;
    this.failures.lastFailureAt = now;
    this.logger.fatal(
      `audit append of ${entries} entr${entries === 1 ? 'y' : 'ies'} failed (${describeError(e)}); ${this.failures.total} since start`,
    );
  }

  private reportFailures(): void {
    const { unreported, firstUnreportedAt, lastFailureAt } = this.failures;
    this.failures.unreported = 0;
    this.failures.firstUnreportedAt = null;
    const entry = this.prepare({
      action: 'audit.write_failed',
      actor: { type: ActorType.System, id: 'audit' },
      resourceType: 'AuditLog',
      changes: {
        failed: unreported,
        from: firstUnreportedAt?.toISOString() ?? null,
        to: lastFailureAt?.toISOString() ?? null,
      },
    });
    this.queue.push({
      entry,
      resolve: () => undefined,
      reject: () => {
        // Counted again by noteFailure: the next successful append reports it.
      },
    });
  }
}

export interface AuditHealth {
  ok: boolean;
  failedEntries: number;
  lastFailureAt: Date | null;
}

/**
 * The server answered with an error for a statement (a row, a constraint, a deadlock): not a lost
 * connection (no SQLSTATE, or class 08), where writing entries one by one would only wait longer.
 */
function isRowError(e: unknown): boolean {
  const { sqlState } = driverErrorOf(e);
  return sqlState !== undefined && !sqlState.startsWith('08');
}

function describeError(e: unknown): string {
  const code = (e as { code?: unknown } | null)?.code;
  return `${e instanceof Error ? e.name : 'unknown'}${typeof code === 'string' ? ` ${code}` : ''}`;
}

/**
 * A copy in which every string, keys included, is well-formed Unicode (lone surrogates become
 * U+FFFD) and every value is JSON: the audit row's JSON check refuses anything else, and a refused
 * row must never take its batch with it. Input is refused at the edge; this is the second line.
 */
function wellFormed(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return value.toWellFormed();
  if (value === null || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (depth > 16) return '[omitted]';
  if (Array.isArray(value)) return value.map((v) => wellFormed(v, depth + 1));
  if (typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k.toWellFormed(), wellFormed(v, depth + 1)]),
    );
  return null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PERSON_KEY = /(actor|user|agent|assignee|owner|team|staff|email|phone|recipient|address)/i;
const PERSON_SUFFIX = /(^ip|Ip|^by|By|ById)$/;

/** `changes` without other people: see AuditService.eventsAboutSubject. */
function scrubForSubject(value: unknown, own: Set<string>): unknown {
  if (typeof value === 'string') return UUID.test(value) && !own.has(value) ? undefined : value;
  if (Array.isArray(value))
    return value.map((v) => scrubForSubject(v, own)).filter((v) => v !== undefined);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (PERSON_KEY.test(k) || PERSON_SUFFIX.test(k)) continue;
      const kept = scrubForSubject(v, own);
      if (kept !== undefined) out[k] = kept;
    }
    return out;
  }
  return value;
}
