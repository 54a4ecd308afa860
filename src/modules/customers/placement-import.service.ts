import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { parse } from 'csv-parse';
import { Readable } from 'node:stream';
import { DataSource, EntityManager, In } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import type { RequestContext } from '../../core/auth/request-context';
import { AuditService } from '../audit/audit.service';
import { ActorType, AuditResult } from '../audit';
import { CustomersErrorCode, CustomersException } from './customers.exception';
import { CustomersService } from './customers.service';
import { DebtsService } from './debts.service';
import { CustomerEntity } from './entities/customer.entity';
import { DebtEntity } from './entities/debt.entity';
import {
  PlacementImportEntity,
  PlacementImportStatus,
  PlacementRowError,
} from './entities/placement-import.entity';
import {
  checkHeader,
  checkRow,
  err,
  PlacementErrorCode,
  PlacementRow,
} from './utils/placement-csv';

/** Bytes a placement file may have (a million rows of ~60 bytes; 100,000 typical ones are ~15 MB). */
export const MAX_IMPORT_BYTES = 64 * 1024 * 1024;
/** Rows a placement file may have. */
export const MAX_IMPORT_ROWS = 500_000;
/** Row errors kept and returned (the count is exact). */
export const MAX_REPORTED_ERRORS = 100;
/** An import without a heartbeat for this long has lost its process (see closeIfDead). */
const DEAD_AFTER_SECONDS = 600;
/** Rows per multi-row INSERT and per progress update while writing. */
const WRITE_BATCH = 1000;
/** Validated rows between progress updates. */
const VALIDATE_PROGRESS_EVERY = 5000;

export interface ImportOptions {
  /** The instant dates are checked against (placed_at not in the future); default now. */
  at?: Date;
}

const logger = new Logger('PlacementImport');

class RowFailure extends Error {
  constructor(readonly rowError: PlacementRowError) {
    super(rowError.message);
  }
}

/**
 * Bulk placement import: every row is validated first (per-row errors with line numbers and stable
 * codes); one bad row and nothing is written. A good file is written in one transaction in
 * multi-row batches: consumers found by their external ref (`customer_ref`, default the
 * `placement_ref`) or created, debts upserted by `placement_ref` (a re-import of the same file
 * changes nothing and says so). Progress goes to the `placement_imports` row on its own connection,
 * so a query sees it move while the import runs.
 */
@Injectable()
export class PlacementImportService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly customers: CustomersService,
    private readonly debts: DebtsService,
    private readonly audit: AuditService,
  ) {}

  async import(
    ctx: RequestContext,
    source: string | Buffer | Readable,
    options: ImportOptions = {},
  ): Promise<PlacementImportEntity> {
    const at = options.at ?? new Date();
    const job = this.dataSource.getRepository(PlacementImportEntity).create({
      id: uuidv7(),
      status: PlacementImportStatus.Validating,
      rowsTotal: 0,
      rowsDone: 0,
      errorCount: 0,
      errors: null,
      customersCreated: 0,
      debtsCreated: 0,
      debtsUpdated: 0,
      debtsUnchanged: 0,
      bytes: 0,
      createdBy: ctx.principal.id,
      startedAt: new Date(),
      heartbeatAt: new Date(),
      validatedAt: null,
      finishedAt: null,
    });
    await this.dataSource.getRepository(PlacementImportEntity).insert(job);
    try {
      const { rows, errors, errorCount, bytes } = await this.validate(job, source, at);
      job.bytes = bytes;
      job.rowsTotal = rows.length + (errorCount ? errorCount : 0);
      job.validatedAt = new Date();
      if (errorCount > 0) return await this.reject(job, errors, errorCount);
      job.status = PlacementImportStatus.Writing;
      job.rowsDone = 0;
      await this.progress(job);
      try {
        await this.write(job, rows);
      } catch (e) {
        if (e instanceof RowFailure) return await this.reject(job, [e.rowError], 1);
        throw e;
      }
      job.status = PlacementImportStatus.Completed;
      job.finishedAt = new Date();
      await this.progress(job);
      return job;
    } catch (e) {
      job.status = PlacementImportStatus.Failed;
      job.finishedAt = new Date();
      await this.progress(job).catch(() => undefined);
      logger.error(`placement import ${job.id} failed: ${(e as Error).name}`);
      throw e;
    }
  }

  /** A placement import the caller started (admins: any), with its progress. */
  async get(ctx: RequestContext, id: string): Promise<PlacementImportEntity> {
    const job = await this.dataSource.getRepository(PlacementImportEntity).findOneBy({ id });
    if (!job || (job.createdBy !== ctx.principal.id && !ctx.ability.can('manage', 'all')))
      throw new CustomersException(CustomersErrorCode.IMPORT_NOT_FOUND, 'Import not found');
    await this.closeIfDead([job]);
    return job;
  }

  /** The caller's latest imports, newest first (running ones included). */
  async recent(ctx: RequestContext, first: number): Promise<PlacementImportEntity[]> {
    const jobs = await this.dataSource.getRepository(PlacementImportEntity).find({
      where: { createdBy: ctx.principal.id },
      order: { startedAt: 'DESC', id: 'DESC' },
      take: first,
    });
    await this.closeIfDead(jobs);
    return jobs;
  }

  /** Parses and checks every row; keeps the good ones normalized and the first errors. */
  private async validate(
    job: PlacementImportEntity,
    source: string | Buffer | Readable,
    at: Date,
  ): Promise<{
    rows: PlacementRow[];
    errors: PlacementRowError[];
    errorCount: number;
    bytes: number;
  }> {
    const today = at.toISOString().slice(0, 10);
    const rows: PlacementRow[] = [];
    const errors: PlacementRowError[] = [];
    let errorCount = 0;
    const fail = (e: PlacementRowError) => {
      errorCount++;
      if (errors.length < MAX_REPORTED_ERRORS) errors.push(e);
    };
    let bytes = 0;
    const input =
      typeof source === 'string' || Buffer.isBuffer(source) ? Readable.from([source]) : source;
    const counted = input.map((chunk: Buffer | string) => {
      bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
      if (bytes > MAX_IMPORT_BYTES)
        throw new CustomersException(
          CustomersErrorCode.IMPORT_TOO_LARGE,
          `A placement file has at most ${MAX_IMPORT_BYTES} bytes`,
        );
      return chunk;
    });
    const parser = counted.pipe(
      parse({
        bom: true,
        info: true,
        relax_column_count: true,
        skip_empty_lines: true,
        max_record_size: 64 * 1024,
      }),
    );
    counted.on('error', (e) => parser.destroy(e));
    let columns: string[] | null = null;
    let header = true;
    const refs = new Map<string, number>();
    try {
      for await (const { record, info } of parser as AsyncIterable<{
        record: string[];
        info: { lines: number };
      }>) {
        if (header) {
          header = false;
          const checked = checkHeader(record);
          for (const e of checked.errors) fail(e);
          columns = checked.columns;
          if (!columns) break;
          continue;
        }
        const line = info.lines;
        if (rows.length + errorCount >= MAX_IMPORT_ROWS) {
          fail(
            err(line, PlacementErrorCode.TOO_MANY_ROWS, null, `at most ${MAX_IMPORT_ROWS} rows`),
          );
          break;
        }
        const checked = checkRow(line, columns!, record, today);
        if ('errors' in checked) checked.errors.forEach(fail);
        else {
          const first = refs.get(checked.row.placementRef);
          if (first !== undefined)
            fail(
              err(
                line,
                PlacementErrorCode.DUPLICATE_PLACEMENT_REF,
                'placement_ref',
                `the same placement_ref as line ${first}`,
              ),
            );
          else {
            refs.set(checked.row.placementRef, line);
            rows.push(checked.row);
          }
        }
        const done = rows.length + errorCount;
        if (done % VALIDATE_PROGRESS_EVERY === 0) {
          job.rowsDone = done;
          await this.progress(job);
        }
      }
    } catch (e) {
      if (e instanceof CustomersException) throw e;
      const lines = (e as { lines?: number }).lines;
      fail(
        err(
          typeof lines === 'number' ? lines : 0,
          PlacementErrorCode.MALFORMED_CSV,
          null,
          'not valid CSV (an unclosed quote, or a record over 64 KiB)',
        ),
      );
    }
    if (header) fail(err(1, PlacementErrorCode.EMPTY_FILE, null, 'no header'));
    else if (columns && rows.length + errorCount === 0)
      fail(err(2, PlacementErrorCode.EMPTY_FILE, null, 'no rows'));
    return { rows, errors, errorCount, bytes };
  }

  private async reject(
    job: PlacementImportEntity,
    errors: PlacementRowError[],
    errorCount: number,
  ): Promise<PlacementImportEntity> {
    job.status = PlacementImportStatus.Rejected;
    job.errors = errors.slice(0, MAX_REPORTED_ERRORS);
    job.errorCount = errorCount;
    job.rowsDone = 0;
    job.customersCreated = 0;
    job.debtsCreated = 0;
    job.debtsUpdated = 0;
    job.debtsUnchanged = 0;
    job.finishedAt = new Date();
    await this.progress(job);
    return job;
  }

  /** Every row in one transaction, WRITE_BATCH rows per multi-row statement. */
  private async write(job: PlacementImportEntity, rows: PlacementRow[]): Promise<void> {
    const counts = { customersCreated: 0, debtsCreated: 0, debtsUpdated: 0, debtsUnchanged: 0 };
    await this.dataSource.transaction(async (m) => {
      const customerIds = new Map<string, string>();
      for (let i = 0; i < rows.length; i += WRITE_BATCH) {
        const batch = rows.slice(i, i + WRITE_BATCH);
        counts.customersCreated += await this.writeCustomers(m, batch, customerIds);
        const debts = await this.writeDebts(m, batch, customerIds);
        counts.debtsCreated += debts.created;
        counts.debtsUpdated += debts.updated;
        counts.debtsUnchanged += debts.unchanged;
        job.rowsDone = i + batch.length;
        await this.progress(job);
      }
      Object.assign(job, counts);
      await this.audit.record(
        {
          action: 'placement.imported',
          resourceType: 'PlacementImport',
          resourceId: job.id,
          changes: { rows: rows.length, ...counts },
        },
        m,
      );
    });
  }

  /** Consumers of a batch: found by external ref (soft-deleted ones refuse the row) or created. */
  private async writeCustomers(
    m: EntityManager,
    batch: PlacementRow[],
    ids: Map<string, string>,
  ): Promise<number> {
    const wanted = [...new Set(batch.map((r) => r.customerRef).filter((ref) => !ids.has(ref)))];
    if (wanted.length === 0) return 0;
    const found = await m.getRepository(CustomerEntity).find({
      select: { id: true, externalRef: true, deletedAt: true },
      where: { externalRef: In(wanted) },
      withDeleted: true,
    });
    for (const c of found) {
      if (c.deletedAt) {
        const row = batch.find((r) => r.customerRef === c.externalRef)!;
        throw new RowFailure(
          err(
            row.line,
            PlacementErrorCode.CUSTOMER_DELETED,
            'customer_ref',
            'the consumer was deleted',
          ),
        );
      }
      ids.set(c.externalRef, c.id);
    }
    const newRows: PlacementRow[] = [];
    const pending = new Set<string>();
    for (const row of batch) {
      if (ids.has(row.customerRef) || pending.has(row.customerRef)) continue;
      pending.add(row.customerRef);
      newRows.push(row);
    }
    const created = await this.customers.buildMany(
      newRows.map((row) => ({
        externalRef: row.customerRef,
        firstName: row.firstName,
        lastName: row.lastName,
        email: row.email,
        phone: row.phone,
        addressLine: row.addressLine,
        city: row.city,
        state: row.state,
        zip: row.zip,
        dateOfBirth: row.dateOfBirth,
      })),
      m,
    );
    created.forEach((c) => ids.set(c.externalRef, c.id));
    if (created.length) await m.getRepository(CustomerEntity).insert(created);
    return created.length;
  }

  /** Debts of a batch, upserted by placement_ref: new ones inserted, changed ones updated. */
  private async writeDebts(
    m: EntityManager,
    batch: PlacementRow[],
    customerIds: Map<string, string>,
  ): Promise<{ created: number; updated: number; unchanged: number }> {
    const existing = new Map(
      (
        await m
          .getRepository(DebtEntity)
          .findBy({ placementRef: In(batch.map((r) => r.placementRef)) })
      ).map((d) => [d.placementRef, d]),
    );
    const now = new Date();
    const fresh: DebtEntity[] = [];
    let updated = 0;
    let unchanged = 0;
    for (const row of batch) {
      const customerId = customerIds.get(row.customerRef)!;
      const before = existing.get(row.placementRef);
      if (!before) {
        fresh.push(
          this.debts.build(
            {
              customerId,
              placementRef: row.placementRef,
              creditor: row.creditor,
              accountRef: row.accountRef,
              originalBalance: row.originalBalance,
              currentBalance: row.currentBalance,
              placedAt: row.placedAt,
            },
            now,
          ),
        );
        continue;
      }
      if (before.customerId !== customerId)
        throw new RowFailure(
          err(
            row.line,
            PlacementErrorCode.PLACEMENT_OF_OTHER_CUSTOMER,
            'placement_ref',
            'this placement is on file for another consumer',
          ),
        );
      const same =
        before.creditor === row.creditor &&
        before.accountRef === row.accountRef &&
        before.originalBalance === row.originalBalance &&
        before.currentBalance === row.currentBalance &&
        before.placedAt === row.placedAt;
      if (same) {
        unchanged++;
        continue;
      }
      before.creditor = row.creditor;
      if (before.accountRef !== row.accountRef) before.accountRef = row.accountRef;
      if (before.originalBalance !== row.originalBalance)
        before.originalBalance = row.originalBalance;
      if (before.currentBalance !== row.currentBalance) before.currentBalance = row.currentBalance;
      before.placedAt = row.placedAt;
      before.updatedAt = now;
      await m.getRepository(DebtEntity).save(before);
      updated++;
    }
    if (fresh.length) await m.getRepository(DebtEntity).insert(fresh);
    return { created: fresh.length, updated, unchanged };
  }

  /**
   * Of the imports being read, those whose process died: still validating or writing, no heartbeat
   * for DEAD_AFTER_SECONDS (a live one beats with every 1,000 rows). Their writes were one
   * transaction, rolled back with the connection; they are marked failed (in `jobs` too) and
   * audited, once (the update, which checks again, decides who closes each). Only the rows a reader
   * asked for are looked at: a progress poll costs no scan of the table.
   */
  private async closeIfDead(jobs: PlacementImportEntity[]): Promise<void> {
    const deadline = Date.now() - DEAD_AFTER_SECONDS * 1000;
    const running = [PlacementImportStatus.Validating, PlacementImportStatus.Writing];
    for (const job of jobs) {
      if (!running.includes(job.status)) continue;
      if ((job.heartbeatAt ?? job.startedAt).getTime() >= deadline) continue;
      await this.dataSource.transaction(async (m) => {
        const result = await m.query<{ affectedRows: number }>(
          `UPDATE placement_imports SET status = 'failed', finished_at = NOW(3)
            WHERE id = ? AND status IN ('validating', 'writing')
              AND heartbeat_at < NOW(3) - INTERVAL ? SECOND`,
          [job.id, DEAD_AFTER_SECONDS],
        );
        if (result.affectedRows !== 1) return;
        await this.audit.record(
          {
            action: 'placement.import_interrupted',
            actor: { type: ActorType.System, id: 'placement-import' },
            result: AuditResult.Failure,
            resourceType: 'PlacementImport',
            resourceId: job.id,
            changes: { startedBy: job.createdBy },
          },
          m,
        );
      });
      const [after] = await this.dataSource.query<
        { status: PlacementImportStatus; finished_at: Date | null }[]
      >('SELECT status, finished_at FROM placement_imports WHERE id = ?', [job.id]);
      if (after) Object.assign(job, { status: after.status, finishedAt: after.finished_at });
    }
  }

  /** The job row, on its own connection: visible while the import's transaction is open. */
  private async progress(job: PlacementImportEntity): Promise<void> {
    job.heartbeatAt = new Date();
    const { id, ...fields } = job;
    await this.dataSource.getRepository(PlacementImportEntity).update({ id }, fields);
  }
}
