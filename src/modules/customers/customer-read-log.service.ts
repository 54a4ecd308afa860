import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { RequestContext } from '../../core/auth/request-context';
import type { PiiRead, PiiReadRecorder } from '../../core/authorization/pii-reads';
import { retryDeadlock } from '../../core/database/transaction';
import type { Principal } from '../../core/request/request-store';
import { ActorType, AuditActor, AuditResult } from '../audit';
import { AuditService } from '../audit/audit.service';
import { CUSTOMER_PII_FIELDS } from '../authorization';
import { CustomerAccessService } from './customer-access.service';

/** How a reader got a customer's personal fields. */
export enum ReadAccessKind {
  /** A query or mutation result that carried full values (the role may `readPii` them). */
  UnmaskedRead = 'unmasked_read',
  /** `revealCustomerField`. */
  Reveal = 'reveal',
  /** A data export (the subject's access export, say). */
  Export = 'export',
}

/** The personal fields the log names, in the order of the column's SET (bit 0 first). */
export const READ_LOG_FIELDS = [
  ...CUSTOMER_PII_FIELDS,
  'notes',
  // A debt's balances (its accountRef shares the customer's bit), counted against its customer.
  'originalBalance',
  'currentBalance',
  // The text of a held message a content reviewer read (the message is to this customer).
  'messageText',
] as const;

export interface ReadAccessEntry {
  customerId: string;
  kind: ReadAccessKind | `${ReadAccessKind}`;
  /** Names from READ_LOG_FIELDS (`notes` is a task's notes, counted against its customer). */
  fields: readonly string[];
}

/** One row of a customer's report: one reader, kind and day. */
export interface ReadAccessRow {
  actorType: string;
  actorId: string;
  actorRole: string | null;
  kind: ReadAccessKind;
  /** UTC day, `YYYY-MM-DD`. */
  day: string;
  /** Operations (or reveals, or exports) that day; aliases and fragments of one operation are one. */
  reads: number;
  fields: string[];
  firstAt: Date;
  lastAt: Date;
}

/** The data subject's view: by kind and the reader's role, never who (staff ids are theirs). */
export interface ReadAccessSummary {
  kind: ReadAccessKind;
  readerRole: string;
  reads: number;
  fields: string[];
  firstAt: Date;
  lastAt: Date;
}

/** A report lists at most this many rows, newest first (narrow it with from/to). */
export const MAX_READ_ACCESS_ROWS = 1000;
/** Rows per INSERT statement (a page of 200 customers is one statement). */
const CHUNK = 500;
const KINDS = new Set<string>(Object.values(ReadAccessKind));
const FIELD_BITS = new Map<string, number>(READ_LOG_FIELDS.map((f, i) => [f, i]));
const READ_LOG_FAILED = 'customer.read_log_failed';

const logger = new Logger('CustomerReadLog');

/**
 * The read-access log (`customer_read_access`): who saw which personal fields of a customer, one
 * row per customer, day, reader and kind, counted. Written by upserts only (triggers refuse any
 * other change); ids and field names, never values.
 */
@Injectable()
export class CustomerReadLogService implements PiiReadRecorder {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly access: CustomerAccessService,
    private readonly audit: AuditService,
  ) {}

  /**
   * Adds reads, in one statement (per 500 rows): in the caller's transaction when `manager` is
   * given, else on its own (retried when InnoDB picks it as a deadlock victim). Rejects when the
   * rows could not be written; the caller must then not hand the data out.
   */
  async record(
    entries: readonly ReadAccessEntry[],
    actor: AuditActor,
    manager?: EntityManager,
  ): Promise<void> {
    const rows = merge(entries);
    if (rows.length === 0) return;
    const now = new Date();
    const day = now.toISOString().slice(0, 10);
    const actorId = actor.id ?? actor.type;
    for (let i = 0; i < rows.length; i += CHUNK) {
      const chunk = rows.slice(i, i + CHUNK);
      const params = chunk.flatMap((r) => [
        r.customerId,
        day,
        actorId,
        r.kind,
        actor.type,
        actor.role ?? null,
        r.reads,
        [...r.fields].join(','),
        now,
        now,
      ]);
      const sql = `INSERT INTO customer_read_access
          (customer_id, day, actor_id, kind, actor_type, actor_role, read_count, pii_fields,
           first_at, last_at)
        VALUES ${chunk.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}
        ON DUPLICATE KEY UPDATE
          read_count = read_count + VALUES(read_count),
          pii_fields = pii_fields | VALUES(pii_fields),
          actor_role = VALUES(actor_role),
          last_at = GREATEST(last_at, VALUES(last_at))`;
      if (manager) await manager.query(sql, params);
      else await retryDeadlock(() => this.dataSource.query(sql, params));
    }
  }

  /**
   * PII_READ_RECORDER: an operation's unmasked reads. A failure is raised as a critical audit
   * event (when the audit log takes writes) and rethrown, so the GraphQL layer withholds the data.
   */
  async recordReads(reads: PiiRead[], principal: Principal): Promise<void> {
    const actor: AuditActor = {
      type: principal.type === 'api_key' ? ActorType.ApiKey : ActorType.User,
      id: principal.id,
      role: principal.role,
    };
    try {
      await this.record(
        reads.map((r) => ({ ...r, kind: ReadAccessKind.UnmaskedRead })),
        actor,
      );
    } catch (e) {
      await this.audit
        .record({
          action: READ_LOG_FAILED,
          result: AuditResult.Failure,
          actor,
          resourceType: 'Customer',
          resourceId: reads.length === 1 ? reads[0].customerId : null,
          errorCode: 'READ_LOG_UNAVAILABLE',
          changes: { customers: reads.length, withheld: true },
        })
        .catch(() => logger.error(`${READ_LOG_FAILED} could not be audited either`));
      throw e;
    }
  }

  /**
   * A customer's read history for staff, newest first (at most MAX_READ_ACCESS_ROWS): only for a
   * customer the caller may see (NOT_FOUND otherwise), soft-deleted ones included. `from`/`to`
   * select the UTC days they fall on, both included.
   */
  async report(
    ctx: RequestContext,
    customerId: string,
    range: { from?: Date | null; to?: Date | null } = {},
  ): Promise<ReadAccessRow[]> {
    await this.access.get(ctx, customerId, 'read', { includeDeleted: true });
    const where = ['customer_id = ?'];
    const params: unknown[] = [customerId];
    if (range.from) {
      where.push('day >= ?');
      params.push(utcDay(range.from));
    }
    if (range.to) {
      where.push('day <= ?');
      params.push(utcDay(range.to));
    }
    const rows = await this.dataSource.query<RawRow[]>(
      `SELECT actor_type, actor_id, actor_role, kind, DATE_FORMAT(day, '%Y-%m-%d') AS day,
              read_count, pii_fields + 0 AS mask, first_at, last_at
         FROM customer_read_access
        WHERE ${where.join(' AND ')}
        ORDER BY day DESC, last_at DESC
        LIMIT ?`,
      [...params, MAX_READ_ACCESS_ROWS],
    );
    return rows.map((r) => ({
      actorType: r.actor_type,
      actorId: r.actor_id,
      actorRole: r.actor_role,
      kind: r.kind,
      day: r.day,
      reads: Number(r.read_count),
      fields: fieldsOf(r.mask),
      firstAt: r.first_at,
      lastAt: r.last_at,
    }));
  }

  /** For the data subject's access export: reads by kind and reader role, with totals and dates. */
  async summaryFor(customerId: string, manager?: EntityManager): Promise<ReadAccessSummary[]> {
    const rows = await (manager ?? this.dataSource.manager).query<SummaryRow[]>(
      `SELECT kind, COALESCE(actor_role, actor_type) AS reader_role, SUM(read_count) AS reads_total,
              BIT_OR(pii_fields + 0) AS mask, MIN(first_at) AS first_at, MAX(last_at) AS last_at
         FROM customer_read_access
        WHERE customer_id = ?
        GROUP BY kind, reader_role
        ORDER BY kind, reader_role`,
      [customerId],
    );
    return rows.map((r) => ({
      kind: r.kind,
      readerRole: r.reader_role,
      reads: Number(r.reads_total),
      fields: fieldsOf(r.mask),
      firstAt: r.first_at,
      lastAt: r.last_at,
    }));
  }
}

interface RawRow {
  actor_type: string;
  actor_id: string;
  actor_role: string | null;
  kind: ReadAccessKind;
  day: string;
  read_count: number | string;
  mask: number | string;
  first_at: Date;
  last_at: Date;
}

interface SummaryRow {
  kind: ReadAccessKind;
  reader_role: string;
  reads_total: number | string;
  mask: number | string;
  first_at: Date;
  last_at: Date;
}

interface MergedRow {
  customerId: string;
  kind: string;
  fields: Set<string>;
  reads: number;
}

/**
 * One row per customer and kind (each entry counts one read), in key order so that concurrent
 * writers lock rows in the same order. Unknown kinds or fields are a caller's bug: refused whole.
 */
function merge(entries: readonly ReadAccessEntry[]): MergedRow[] {
  const rows = new Map<string, MergedRow>();
  for (const e of entries) {
    if (!KINDS.has(e.kind)) throw new Error(`unknown read kind ${e.kind}`);
    const unknown = e.fields.find((f) => !FIELD_BITS.has(f));
    if (unknown !== undefined) throw new Error(`not a logged personal field: ${unknown}`);
    const key = `${e.customerId}\u0000${e.kind}`;
    const row = rows.get(key) ?? {
      customerId: e.customerId,
      kind: e.kind,
      fields: new Set(),
      reads: 0,
    };
    for (const f of e.fields) row.fields.add(f);
    row.reads++;
    rows.set(key, row);
  }
  return [...rows.values()].sort((a, b) =>
    a.customerId === b.customerId
      ? a.kind.localeCompare(b.kind)
      : a.customerId < b.customerId
        ? -1
        : 1,
  );
}

function fieldsOf(mask: number | string): string[] {
  const bits = Number(mask);
  return READ_LOG_FIELDS.filter((_, i) => (bits & (1 << i)) !== 0);
}

function utcDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}
