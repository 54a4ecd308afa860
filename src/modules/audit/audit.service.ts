import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { sanitizeChanges, sanitizeInput } from '../../core/pii/sanitize';
import { requestStore } from '../../core/request/request-store';
import { AuditInput, AuditReceipt, PreparedEntry } from './audit.types';
import { ActorType, AuditEventEntity, AuditResult } from './entities/audit-event.entity';
import { AuditChainService } from './services/audit-chain.service';

export interface AuditFilter {
  actorId?: string;
  action?: string;
  resourceType?: string;
  resourceId?: string;
  result?: AuditResult;
  from?: Date;
  to?: Date;
}

export interface AuditPage {
  items: AuditEventEntity[];
  /** Cursor for the next (older) page; null at the end. */
  nextCursor: string | null;
}

interface Pending {
  entry: PreparedEntry;
  resolve: (receipt: AuditReceipt) => void;
  reject: (e: unknown) => void;
}

export const MAX_AUDIT_PAGE = 200;
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

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly chain: AuditChainService,
  ) {}

  async onModuleDestroy(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  /** Resolves once the entry is committed (acknowledged appends survive a crash). */
  record(input: AuditInput, manager?: EntityManager): Promise<AuditReceipt> {
    const entry = this.prepare(input);
    if (manager) return this.chain.append(manager, [entry]).then((r) => r[0]);
    return new Promise<AuditReceipt>((resolve, reject) => {
      this.queue.push({ entry, resolve, reject });
      this.flushing ??= new Promise<void>((done) => setImmediate(done)).then(() => this.flush());
    });
  }

  /** Newest first, cursor-paginated, each filter served by an index. */
  async search(filter: AuditFilter, first: number, after?: string | null): Promise<AuditPage> {
    const take = Math.min(Math.max(first, 1), MAX_AUDIT_PAGE);
    const qb = this.dataSource.getRepository(AuditEventEntity).createQueryBuilder('e');
    if (filter.actorId) qb.andWhere('e.actor_id = :actorId', { actorId: filter.actorId });
    if (filter.action) qb.andWhere('e.action = :action', { action: filter.action });
    if (filter.resourceType) qb.andWhere('e.resource_type = :rt', { rt: filter.resourceType });
    if (filter.resourceId) qb.andWhere('e.resource_id = :rid', { rid: filter.resourceId });
    if (filter.result) qb.andWhere('e.result = :result', { result: filter.result });
    if (filter.from) qb.andWhere('e.occurred_at >= :from', { from: filter.from });
    if (filter.to) qb.andWhere('e.occurred_at < :to', { to: filter.to });
    if (after) qb.andWhere('e.seq < :after', { after });
    const rows = await qb
      .orderBy('e.seq', 'DESC')
      .limit(take + 1)
      .getMany();
    const items = rows.slice(0, take);
    return { items, nextCursor: rows.length > take ? items[items.length - 1].seq : null };
  }

  /** Failed sign-ins in the last 24 hours, newest first. */
  failedLogins(first = 100, after?: string | null): Promise<AuditPage> {
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
      ? ((input.untrustedChanges
          ? sanitizeInput(input.changes)
          : sanitizeChanges(input.changes)) as Record<string, unknown>)
      : null;
    return {
      occurredAt: new Date(),
      actorType: actor.type,
      actorId: actor.id ?? null,
      actorRole: actor.role ?? null,
      action: input.action.slice(0, 100),
      resourceType: input.resourceType ?? null,
      resourceId: input.resourceId ?? null,
      result: input.result ?? AuditResult.Success,
      errorCode: input.errorCode ?? null,
      ip: store?.ip ?? null,
      userAgent: store?.userAgent ?? null,
      requestId: store?.requestId ?? null,
      durationMs:
        input.durationMs === undefined || input.durationMs === null
          ? null
          : Math.max(0, Math.round(input.durationMs)),
      changes,
    };
  }

  private async flush(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, MAX_BATCH);
        try {
          const receipts = await this.dataSource.transaction((m) =>
            this.chain.append(
              m,
              batch.map((p) => p.entry),
            ),
          );
          batch.forEach((p, i) => p.resolve(receipts[i]));
        } catch (e) {
          this.logger.error(
            `audit append of ${batch.length} entries failed: ${e instanceof Error ? e.name : 'unknown'}`,
          );
          batch.forEach((p) => p.reject(e));
        }
      }
    } finally {
      this.flushing = null;
    }
  }
}
