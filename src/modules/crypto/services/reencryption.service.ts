import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, In } from 'typeorm';
import { CryptoKeyStatus } from '../entities/crypto-key.entity';
import { CryptoErrorCode, CryptoException } from '../crypto.exception';
import { encryptedEntities, EncryptedFieldSpec, tableOf } from '../encrypted-field.decorator';
import { ReencryptionJobEntity, ReencryptionStatus } from '../entities/reencryption-job.entity';
import { keyIdOf } from '../utils/ciphertext-format';
import { FieldCipherService } from './field-cipher.service';
import { DataKeyPurpose, KeyringService } from './keyring.service';

/** One table's application-encrypted columns of one purpose. */
export interface EncryptedTable {
  table: string;
  columns: { property: string; column: string }[];
  /** Rows per batch at most (tables of large sealed blobs). */
  maxBatch?: number;
}

/**
 * Columns of whole values sealed with `sealWithPurpose` (e.g. evidence packs) rather than entity
 * fields: bytes under the purpose's key, the AAD naming the table, the column and the row id.
 * Rotation re-seals them like fields; a key is in use while any of them holds it.
 */
export interface SealedColumns {
  purpose: DataKeyPurpose;
  table: string;
  columns: string[];
  maxBatch: number;
}

export interface RunOptions {
  batchSize?: number;
  /** Stop after this many batches (tests and operators pacing a long job). */
  maxBatches?: number;
  /** Wait for another owner's lease to end instead of leaving the job to it (the CLI does). */
  waitForOwner?: boolean;
  /** Called after every batch and while waiting; `note` says what is going on. */
  onProgress?: (job: ReencryptionJobEntity, note?: string) => void;
}

/** A table or column that stores the id of the key a value was signed with (not encrypted under). */
export interface KeyReference {
  purpose: DataKeyPurpose;
  table: string;
  column: string;
  what: string;
}

/** How long a job's owner may go without renewing (every batch renews). */
export const JOB_LEASE_SECONDS = 30;

/** This process's name as a job owner: host, pid, and a nonce (pids are reused). */
const SELF = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`.slice(0, 128);

/** Whether an owner named by `SELF` of another process on this host is gone (killed or exited). */
function ownerIsGone(owner: string | null): boolean {
  if (!owner) return true;
  const [host, pid] = owner.split(':');
  if (host !== hostname() || owner === SELF) return false;
  try {
    process.kill(Number(pid), 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * Moves every value of a purpose to its active key version: batched, resumable (the cursor commits
 * with each batch), idempotent (values already on the active key are left alone).
 */
@Injectable()
export class ReencryptionService {
  private readonly logger = new Logger(ReencryptionService.name);
  private readonly running = new Map<string, Promise<ReencryptionJobEntity>>();
  private readonly references: KeyReference[] = [];
  private readonly sealed: SealedColumns[] = [];

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly keyring: KeyringService,
    private readonly cipher: FieldCipherService,
  ) {}

  /** The tables and columns encrypted under a shared purpose, from the entity declarations. */
  tablesFor(purpose: DataKeyPurpose): EncryptedTable[] {
    const out: EncryptedTable[] = [];
    for (const fields of encryptedEntities()) {
      const mine = fields.filter((f) => !f.subjectProperty && (f.purpose ?? 'pii') === purpose);
      if (mine.length === 0) continue;
      const metadata = this.dataSource.getMetadata(mine[0].entity);
      out.push({
        table: tableOf(mine[0].entity),
        columns: mine.map((f: EncryptedFieldSpec) => ({
          property: f.property,
          column:
            metadata.findColumnWithPropertyName(f.cipherProperty)?.databaseName ?? f.cipherProperty,
        })),
      });
    }
    for (const s of this.sealed.filter((x) => x.purpose === purpose))
      out.push({
        table: s.table,
        columns: s.columns.map((column) => ({ property: column, column })),
        maxBatch: s.maxBatch,
      });
    return out;
  }

  /** Declares columns of values sealed with `sealWithPurpose` (see SealedColumns). */
  declareSealedColumns(sealed: SealedColumns): void {
    this.sealed.push(sealed);
  }

  /** Declares where ids of keys used for signatures are stored: such a key is in use while they exist. */
  declareKeyReference(reference: KeyReference): void {
    this.references.push(reference);
  }

  /** Opens (or returns the open) job for a purpose. */
  async start(purpose: DataKeyPurpose): Promise<ReencryptionJobEntity> {
    const repo = this.dataSource.getRepository(ReencryptionJobEntity);
    const open = await repo.findOne({
      where: { purpose, status: In([ReencryptionStatus.Pending, ReencryptionStatus.Running]) },
      order: { id: 'DESC' },
    });
    if (open) return open;
    let total = 0;
    for (const t of this.tablesFor(purpose)) {
      const rows = await this.dataSource.query<{ n: string }[]>(
        `SELECT COUNT(*) AS n FROM \`${t.table}\``,
      );
      total += Number(rows[0].n);
    }
    return repo.save(
      repo.create({
        purpose,
        targetKeyId: this.keyring.activeKey(purpose).id,
        status: ReencryptionStatus.Pending,
        owner: null,
        leaseExpiresAt: null,
        cursor: {},
        rowsScanned: 0,
        rowsReencrypted: 0,
        rowsTotal: total,
        finishedAt: null,
      }),
    );
  }

  /** Runs a purpose's open job to the end (or `maxBatches`); one run per purpose at a time. */
  run(purpose: DataKeyPurpose, options: RunOptions = {}): Promise<ReencryptionJobEntity> {
    const existing = this.running.get(purpose);
    if (existing) return existing;
    const job = this.runOnce(purpose, options).finally(() => this.running.delete(purpose));
    this.running.set(purpose, job);
    return job;
  }

  /** Starts the run in the background; failures are logged and the job stays resumable. */
  runInBackground(purpose: DataKeyPurpose): void {
    this.run(purpose).catch((e: unknown) =>
      this.logger.error(
        `re-encryption of ${purpose} stopped: ${e instanceof Error ? e.message : 'unknown'}; it resumes on the next run`,
      ),
    );
  }

  /** The latest job of a purpose, as it stands: "running" only while its owner's lease lives. */
  async latest(purpose: DataKeyPurpose): Promise<ReencryptionJobEntity | null> {
    const job = await this.dataSource
      .getRepository(ReencryptionJobEntity)
      .findOne({ where: { purpose }, order: { id: 'DESC' } });
    return job && asSeen(job);
  }

  /** Open jobs as they stand (an owner whose lease ran out is no owner). */
  async openJobs(): Promise<ReencryptionJobEntity[]> {
    const jobs = await this.dataSource
      .getRepository(ReencryptionJobEntity)
      .findBy({ status: In([ReencryptionStatus.Pending, ReencryptionStatus.Running]) });
    return jobs.map(asSeen);
  }

  /**
   * What still uses a key (checked before retiring or destroying it): the first table and column
   * holding a value encrypted under it or a signature made with it, or null. Run it inside the
   * transaction that holds the key row's exclusive lock, at READ COMMITTED, so it sees every write
   * that committed before the lock was granted.
   */
  async keyUse(
    manager: EntityManager,
    purpose: DataKeyPurpose,
    keyId: number,
  ): Promise<string | null> {
    const prefix = Buffer.alloc(4);
    prefix.writeUInt32BE(keyId, 0);
    for (const t of this.tablesFor(purpose)) {
      for (const c of t.columns) {
        const rows = await manager.query<unknown[]>(
          `SELECT 1 AS found FROM \`${t.table}\` WHERE SUBSTRING(\`${c.column}\`, 2, 4) = ? LIMIT 1`,
          [prefix],
        );
        if (rows.length > 0) return `${t.table}.${c.property}`;
      }
    }
    for (const r of this.references.filter((x) => x.purpose === purpose)) {
      const rows = await manager.query<unknown[]>(
        `SELECT 1 AS found FROM \`${r.table}\` WHERE \`${r.column}\` = ? LIMIT 1`,
        [keyId],
      );
      if (rows.length > 0) return r.what;
    }
    return null;
  }

  /** Whether any stored value of the purpose still uses this key. */
  async isKeyInUse(purpose: DataKeyPurpose, keyId: number): Promise<boolean> {
    return (await this.keyUse(this.dataSource.manager, purpose, keyId)) !== null;
  }

  private async runOnce(
    purpose: DataKeyPurpose,
    options: RunOptions,
  ): Promise<ReencryptionJobEntity> {
    const batchSize = options.batchSize ?? 500;
    let job = await this.start(purpose);
    for (;;) {
      if (!(await this.claim(job))) {
        job = (await this.latest(purpose)) ?? job;
        if (job.status === ReencryptionStatus.Completed || !options.waitForOwner) return job;
        options.onProgress?.(
          job,
          `waiting for ${job.owner ?? 'its owner'} (lease ends ${job.leaseExpiresAt?.toISOString() ?? 'now'})`,
        );
        await new Promise((r) => setTimeout(r, 1000));
        continue;
      }
      try {
        return await this.work(job, purpose, batchSize, options);
      } catch (e) {
        // Another process took the job over (this one stalled past its lease): it finishes it.
        if (!(e instanceof CryptoException && e.reason === CryptoErrorCode.JOB_LEASE_LOST)) throw e;
        this.logger.warn(`re-encryption job ${job.id} was taken over by another process`);
        job = (await this.latest(purpose)) ?? job;
        if (!options.waitForOwner) return job;
      }
    }
  }

  /** Batches until every table is done for the current target (a rotation meanwhile resets them). */
  private async work(
    claimed: ReencryptionJobEntity,
    purpose: DataKeyPurpose,
    batchSize: number,
    options: RunOptions,
  ): Promise<ReencryptionJobEntity> {
    let job = claimed;
    try {
      let batches = 0;
      for (;;) {
        // Tables not done for the current target; a rotation meanwhile cleared every mark.
        const open = this.tablesFor(purpose).filter((t) => !job.cursor[doneKey(t.table)]);
        if (open.length === 0) {
          const finished = await this.finish(job, purpose);
          if (finished) return finished;
          job = await this.dataSource
            .getRepository(ReencryptionJobEntity)
            .findOneByOrFail({ id: job.id });
          continue;
        }
        for (const table of open) {
          for (;;) {
            if (options.maxBatches !== undefined && batches >= options.maxBatches) {
              return await this.release(job);
            }
            await this.renewLease(job.id);
            const { job: next, rows } = await this.dataSource.transaction((manager) =>
              this.batch(
                manager,
                job.id,
                purpose,
                table,
                Math.min(batchSize, table.maxBatch ?? batchSize),
              ),
            );
            job = next;
            batches++;
            options.onProgress?.(job);
            if (rows < batchSize) break;
          }
        }
      }
    } catch (e) {
      await this.release(job).catch(() => undefined);
      throw e;
    }
  }

  /**
   * Completes the job if, read under its row lock, every table is done (a rotation that committed
   * after the last batch cleared the marks: then null, and the work goes on).
   */
  private async finish(
    job: ReencryptionJobEntity,
    purpose: DataKeyPurpose,
  ): Promise<ReencryptionJobEntity | null> {
    return this.dataSource.transaction(async (m) => {
      const current = await m.getRepository(ReencryptionJobEntity).findOne({
        where: { id: job.id },
        lock: { mode: 'pessimistic_write' },
      });
      if (!current || current.owner !== SELF) {
        throw leaseLost(job.id);
      }
      if (this.tablesFor(purpose).some((t) => !current.cursor[doneKey(t.table)])) return null;
      const finishedAt = new Date();
      await m.query(
        `UPDATE crypto_reencryption_jobs SET status = 'completed', owner = NULL, lease_expires_at = NULL,
                finished_at = ? WHERE id = ?`,
        [finishedAt, job.id],
      );
      return Object.assign(current, {
        status: ReencryptionStatus.Completed,
        owner: null,
        leaseExpiresAt: null,
        finishedAt,
      });
    });
  }

  /**
   * Extends this process's lease in a statement of its own, committed at once: a batch that waits
   * on row locks must not let the lease lapse unseen. Throws JOB_LEASE_LOST when it is not ours.
   */
  private async renewLease(jobId: number): Promise<void> {
    const result = await this.dataSource.query<{ affectedRows: number }>(
      `UPDATE crypto_reencryption_jobs SET lease_expires_at = NOW(3) + INTERVAL ${JOB_LEASE_SECONDS} SECOND
        WHERE id = ? AND owner = ? AND status = 'running'`,
      [jobId, SELF],
    );
    if (result.affectedRows !== 1) {
      throw leaseLost(jobId);
    }
  }

  /**
   * After a rotation, in its transaction: an open job starts over for the new key (its finished
   * tables were finished for the previous one).
   */
  async restartOpenJobs(
    m: EntityManager,
    purpose: DataKeyPurpose,
    targetKeyId: number,
  ): Promise<void> {
    await m.query(
      `UPDATE crypto_reencryption_jobs SET progress_cursor = '{}', rows_scanned = 0, rows_reencrypted = 0,
              target_key_id = ?
        WHERE purpose = ? AND status IN ('pending', 'running')`,
      [targetKeyId, purpose],
    );
  }

  /**
   * Takes the job if nobody owns it: it is pending, its owner's lease ran out, or its owner was a
   * process on this host that no longer exists (a CLI killed with -9 and started again).
   */
  private async claim(job: ReencryptionJobEntity): Promise<boolean> {
    const result = await this.dataSource.query<{ affectedRows: number }>(
      `UPDATE crypto_reencryption_jobs
          SET status = 'running', owner = ?, lease_expires_at = NOW(3) + INTERVAL ${JOB_LEASE_SECONDS} SECOND
        WHERE id = ? AND (status = 'pending' OR (status = 'running' AND (owner = ? OR lease_expires_at < NOW(3))))`,
      [SELF, job.id, ownerIsGone(job.owner) && job.owner ? job.owner : SELF],
    );
    if (result.affectedRows !== 1) return false;
    if (job.owner && job.owner !== SELF)
      this.logger.warn(`took over re-encryption job ${job.id} from ${job.owner}, which is gone`);
    job.status = ReencryptionStatus.Running;
    job.owner = SELF;
    return true;
  }

  /** Hands the job back (pending) for the next run to claim; completion goes through finish(). */
  private async release(job: ReencryptionJobEntity): Promise<ReencryptionJobEntity> {
    await this.dataSource.query(
      `UPDATE crypto_reencryption_jobs SET status = 'pending', owner = NULL, lease_expires_at = NULL
        WHERE id = ? AND owner = ?`,
      [job.id, SELF],
    );
    return Object.assign(job, {
      status: ReencryptionStatus.Pending,
      owner: null,
      leaseExpiresAt: null,
    });
  }

  private async batch(
    manager: EntityManager,
    jobId: number,
    purpose: DataKeyPurpose,
    table: EncryptedTable,
    batchSize: number,
  ): Promise<{ job: ReencryptionJobEntity; rows: number }> {
    const job = await manager.getRepository(ReencryptionJobEntity).findOne({
      where: { id: jobId },
      lock: { mode: 'pessimistic_write' },
    });
    if (!job)
      throw new CryptoException(CryptoErrorCode.KEY_NOT_FOUND, 'Re-encryption job vanished');
    if (job.owner !== SELF || job.status !== ReencryptionStatus.Running) {
      throw leaseLost(jobId);
    }
    // The lease was renewed, committed, just before this batch (renewLease).
    const target = await this.writableTarget(manager, purpose);
    const after = job.cursor[table.table] ?? '';
    const cols = table.columns.map((c) => `\`${c.column}\``).join(', ');
    const rows = await manager.query<Record<string, Buffer | string | null>[]>(
      `SELECT id, ${cols} FROM \`${table.table}\` WHERE id > ? ORDER BY id LIMIT ? FOR UPDATE`,
      [after, batchSize],
    );

    const needed = new Set<number>();
    for (const row of rows) {
      for (const c of table.columns) {
        const v = row[c.column];
        if (Buffer.isBuffer(v)) needed.add(keyIdOf(v));
      }
    }
    await this.keyring.ensureLoaded(needed);

    let changed = 0;
    for (const row of rows) {
      const id = String(row.id);
      const updates: Record<string, Buffer> = {};
      for (const c of table.columns) {
        const v = row[c.column];
        if (!Buffer.isBuffer(v) || keyIdOf(v) === target.id) continue;
        updates[c.column] = this.cipher.reencrypt(
          v,
          { table: table.table, column: c.property, rowId: id },
          purpose,
        );
      }
      const names = Object.keys(updates);
      if (names.length === 0) continue;
      await manager.query(
        `UPDATE \`${table.table}\` SET ${names.map((n) => `\`${n}\` = ?`).join(', ')} WHERE id = ?`,
        [...names.map((n) => updates[n]), id],
      );
      changed++;
    }
    if (rows.length > 0)
      job.cursor = { ...job.cursor, [table.table]: String(rows[rows.length - 1].id) };
    if (rows.length < batchSize) job.cursor = { ...job.cursor, [doneKey(table.table)]: '1' };
    job.rowsScanned += rows.length;
    job.rowsReencrypted += changed;
    job.targetKeyId = target.id;
    return { job: await manager.getRepository(ReencryptionJobEntity).save(job), rows: rows.length };
  }

  /**
   * The active key, share-locked for this batch's transaction like every writer's (see
   * EncryptedFieldSubscriber): a rotation by another process since this one last looked is seen here.
   */
  private async writableTarget(manager: EntityManager, purpose: DataKeyPurpose) {
    for (let attempt = 0; attempt < 2; attempt++) {
      const target = this.keyring.activeKey(purpose);
      const state = (await this.keyring.lockForWrite(manager, [target.id])).get(target.id);
      if (state?.status === CryptoKeyStatus.Active) return target;
      await this.keyring.refreshActive(manager);
    }
    throw new CryptoException(
      CryptoErrorCode.KEY_NOT_ACTIVE,
      `No active ${purpose} key to write under`,
    );
  }
}

function leaseLost(jobId: number): CryptoException {
  return new CryptoException(
    CryptoErrorCode.JOB_LEASE_LOST,
    `Re-encryption job ${jobId} is no longer owned by this process`,
  );
}

/** A job as it stands: "running" only while its owner's lease lives, else pending (resumable). */
function asSeen(job: ReencryptionJobEntity): ReencryptionJobEntity {
  const lapsed =
    job.status === ReencryptionStatus.Running &&
    (!job.leaseExpiresAt || job.leaseExpiresAt.getTime() < Date.now());
  return lapsed ? Object.assign(job, { status: ReencryptionStatus.Pending }) : job;
}

/** The cursor's mark of a table whose every row the job has seen. */
function doneKey(table: string): string {
  return `done:${table}`;
}

/** How many tables a job has finished for its current target. */
export function tablesDone(job: ReencryptionJobEntity): number {
  return Object.keys(job.cursor).filter((k) => k.startsWith(doneKey(''))).length;
}
