import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
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
}

export interface RunOptions {
  batchSize?: number;
  /** Stop after this many batches (tests and operators pacing a long job). */
  maxBatches?: number;
}

/**
 * Moves every value of a purpose to its active key version: batched, resumable (the cursor commits
 * with each batch), idempotent (values already on the active key are left alone).
 */
@Injectable()
export class ReencryptionService {
  private readonly logger = new Logger(ReencryptionService.name);
  private readonly running = new Map<string, Promise<ReencryptionJobEntity>>();

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
    return out;
  }

  /** Opens (or returns the open) job for a purpose. */
  async start(purpose: DataKeyPurpose): Promise<ReencryptionJobEntity> {
    const repo = this.dataSource.getRepository(ReencryptionJobEntity);
    const open = await repo.findOne({
      where: { purpose, status: ReencryptionStatus.Running },
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
        status: ReencryptionStatus.Running,
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

  async latest(purpose: DataKeyPurpose): Promise<ReencryptionJobEntity | null> {
    return this.dataSource
      .getRepository(ReencryptionJobEntity)
      .findOne({ where: { purpose }, order: { id: 'DESC' } });
  }

  async openJobs(): Promise<ReencryptionJobEntity[]> {
    return this.dataSource
      .getRepository(ReencryptionJobEntity)
      .findBy({ status: ReencryptionStatus.Running });
  }

  /** Whether any stored value of the purpose still uses this key (checked before retiring it). */
  async isKeyInUse(purpose: DataKeyPurpose, keyId: number): Promise<boolean> {
    const prefix = Buffer.alloc(4);
    prefix.writeUInt32BE(keyId, 0);
    for (const t of this.tablesFor(purpose)) {
      for (const c of t.columns) {
        const rows = await this.dataSource.query<unknown[]>(
          `SELECT 1 AS found FROM \`${t.table}\` WHERE SUBSTRING(\`${c.column}\`, 2, 4) = ? LIMIT 1`,
          [prefix],
        );
        if (rows.length > 0) return true;
      }
    }
    return false;
  }

  private async runOnce(
    purpose: DataKeyPurpose,
    options: RunOptions,
  ): Promise<ReencryptionJobEntity> {
    const batchSize = options.batchSize ?? 500;
    let job = await this.start(purpose);
    let batches = 0;
    for (const table of this.tablesFor(purpose)) {
      // A table done in an earlier run (the CLI runs a few batches per call) costs nothing again:
      // spending a batch on each finished table kept the CLI from ever reaching the fifth one.
      if (job.cursor[doneKey(table.table)]) continue;
      for (;;) {
        if (options.maxBatches !== undefined && batches >= options.maxBatches) return job;
        const { job: next, rows } = await this.dataSource.transaction((manager) =>
          this.batch(manager, job.id, purpose, table, batchSize),
        );
        job = next;
        batches++;
        if (rows < batchSize) break;
      }
    }
    job.status = ReencryptionStatus.Completed;
    job.finishedAt = new Date();
    return this.dataSource.getRepository(ReencryptionJobEntity).save(job);
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
    const after = job.cursor[table.table] ?? '';
    const cols = table.columns.map((c) => `\`${c.column}\``).join(', ');
    const rows = await manager.query<Record<string, Buffer | string | null>[]>(
      `SELECT id, ${cols} FROM \`${table.table}\` WHERE id > ? ORDER BY id LIMIT ? FOR UPDATE`,
      [after, batchSize],
    );

    const target = this.keyring.activeKey(purpose);
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
}

/** The cursor's mark of a table whose every row the job has seen. */
function doneKey(table: string): string {
  return `done:${table}`;
}
