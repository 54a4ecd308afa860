import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../../audit/audit.service';
import type { AuditActor } from '../../audit';
import { RetentionRunEntity, RetentionRunStatus } from '../entities/retention-run.entity';

/** An earlier run that died (or failed) before it finished, as the run that closed it reports it. */
export interface InterruptedRun {
  id: number;
  startedAt: Date;
}

/**
 * Why a run is closed as interrupted: its process died (found `running` by the next run), or it
 * threw and closed itself. Not called `reason`: the audit sanitizer masks that key as free text.
 */
type InterruptionCause = 'abandoned' | 'failed';

/**
 * The ledger of retention runs (`retention_runs`). Every state change commits in one transaction
 * with its audit event, and those events are critical, so the SIEM hears of each run's outcome,
 * including runs that never reached their own summary. Callers hold the purge's named lock and
 * pass its connection (`db`), so that losing the lock (its connection) stops their writes too.
 */
@Injectable()
export class RetentionRunsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
  ) {}

  /**
   * Closes the runs left `running`. Under the purge lock no other run is alive (the lock is
   * released when its holder's connection dies), so such a row belongs to a process that died.
   */
  closeAbandoned(
    actor: AuditActor,
    db: EntityManager = this.dataSource.manager,
  ): Promise<InterruptedRun[]> {
    return db.transaction(async (m) => {
      const stale = await m.getRepository(RetentionRunEntity).find({
        where: { status: RetentionRunStatus.Running },
        order: { id: 'ASC' },
        lock: { mode: 'pessimistic_write' },
      });
      for (const run of stale) await this.interrupt(m, run, actor, 'abandoned');
      return stale.map(({ id, startedAt }) => ({ id, startedAt }));
    });
  }

  async start(
    actor: AuditActor,
    db: EntityManager = this.dataSource.manager,
  ): Promise<RetentionRunEntity> {
    const repo = db.getRepository(RetentionRunEntity);
    return repo.save(
      repo.create({
        status: RetentionRunStatus.Running,
        actorType: actor.type,
        actorId: actor.id ?? null,
        counts: {},
        currentRule: null,
        startedAt: new Date(),
        finishedAt: null,
      }),
    );
  }

  /** Marks the rule being worked on, with its count at 0 so the row lists it even if it dies now. */
  async beginRule(
    runId: number,
    rule: string,
    db: EntityManager = this.dataSource.manager,
  ): Promise<void> {
    await db.query(
      `UPDATE retention_runs SET current_rule = ?, counts = JSON_SET(counts, ?, 0)
        WHERE id = ? AND status = 'running'`,
      [rule, jsonPath(rule), runId],
    );
  }

  /**
   * Adds `n` to a rule's count in the caller's transaction, so the count commits (or not) with the
   * work it counts and an interrupted run's row is exact.
   */
  async addCount(m: EntityManager, runId: number, rule: string, n: number): Promise<void> {
    if (n === 0) return;
    await m.query(
      `UPDATE retention_runs SET counts = JSON_SET(counts, ?, COALESCE(JSON_VALUE(counts, ?), 0) + ?)
        WHERE id = ? AND status = 'running'`,
      [jsonPath(rule), jsonPath(rule), n, runId],
    );
  }

  /** The run's end and its summary event (per-rule counts, run id), committed together. */
  complete(
    runId: number,
    actor: AuditActor,
    counts: Record<string, number>,
    interruptedRuns: InterruptedRun[],
    db: EntityManager = this.dataSource.manager,
  ): Promise<void> {
    return db.transaction(async (m) => {
      const run = await this.lockRunning(m, runId);
      // Another run closed this one: our lock went with its connection while we were still working.
      if (!run) throw new Error(`retention run ${runId} is no longer running`);
      const finishedAt = new Date();
      await m.update(
        RetentionRunEntity,
        { id: runId },
        { status: RetentionRunStatus.Completed, finishedAt, currentRule: null, counts },
      );
      await this.audit.record(
        {
          action: 'retention.purged',
          actor,
          resourceType: 'RetentionRun',
          resourceId: String(runId),
          changes: {
            runId,
            startedAt: run.startedAt,
            finishedAt,
            removed: counts,
            interruptedRunIds: interruptedRuns.map((r) => r.id),
          },
        },
        m,
      );
    });
  }

  /** A run that threw closes itself as interrupted; a no-op if it is no longer running. */
  fail(
    runId: number,
    actor: AuditActor,
    db: EntityManager = this.dataSource.manager,
  ): Promise<void> {
    return db.transaction(async (m) => {
      const run = await this.lockRunning(m, runId);
      if (run) await this.interrupt(m, run, actor, 'failed');
    });
  }

  private lockRunning(m: EntityManager, id: number): Promise<RetentionRunEntity | null> {
    return m.getRepository(RetentionRunEntity).findOne({
      where: { id, status: RetentionRunStatus.Running },
      lock: { mode: 'pessimistic_write' },
    });
  }

  private async interrupt(
    m: EntityManager,
    run: RetentionRunEntity,
    actor: AuditActor,
    cause: InterruptionCause,
  ): Promise<void> {
    const finishedAt = new Date();
    await m.update(
      RetentionRunEntity,
      { id: run.id },
      { status: RetentionRunStatus.Interrupted, finishedAt },
    );
    await this.audit.record(
      {
        action: 'retention.purge_interrupted',
        actor,
        resourceType: 'RetentionRun',
        resourceId: String(run.id),
        changes: {
          runId: run.id,
          cause,
          startedAt: run.startedAt,
          startedBy: { type: run.actorType, id: run.actorId },
          closedAt: finishedAt,
          atRule: run.currentRule,
          removed: run.counts,
        },
      },
      m,
    );
  }
}

/** A JSON path to one rule's key (rule names contain dots, so the key is quoted). */
function jsonPath(rule: string): string {
  return `$.${JSON.stringify(rule)}`;
}
