import { createHash, randomUUID } from 'node:crypto';
import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import type { RequestContext } from '../../../core/auth/request-context';
import { AppConfigService } from '../../../core/config/app-config.service';
import { AppException } from '../../../core/errors/error-code';
import { ActorType, AuditResult } from '../../audit';
import type { AuditActor } from '../../audit';
import { AuditService } from '../../audit/audit.service';
import { CryptoService } from '../../crypto/crypto.service';
import { CustomerStatus } from '../../customers';
import { CustomersService } from '../../customers/customers.service';
import {
  DataSubjectExportEntity,
  SubjectExportStatus,
} from '../entities/data-subject-export.entity';
import {
  DataSubjectRequestEntity,
  DsrStatus,
  DsrType,
} from '../entities/data-subject-request.entity';
import { PrivacyErrorCode, PrivacyException } from '../privacy.exception';
import {
  buildExportArchive,
  EXPORT_SECTIONS,
  ExportRow,
  ExportSection,
} from '../utils/export-archive';
import { SubjectExportCollectorService } from './subject-export-collector.service';

/** Where an archive is sealed: the AAD binds it to its export row. */
export const archiveLocation = (exportId: string) => ({
  table: 'data_subject_exports',
  column: 'archive',
  rowId: exportId,
});

/** A building export whose heartbeat is older than this lost its process. */
const STALE_MS = 60_000;
/** How often stale builds are resumed and kept archives past their time dropped. */
const SWEEP_INTERVAL_MS = 60_000;
/** Builds started for one export before it is given up (BUILD_ABANDONED). */
const MAX_ATTEMPTS = 3;
/** How long a ready archive is kept for download. */
const KEEP_DAYS = 30;
const SYSTEM: AuditActor = { type: ActorType.System, id: 'privacy-export' };

/**
 * Access and portability exports. `start` records an export as building and builds it off the
 * request, section by section (progress and a heartbeat after each); the archive is sealed under the
 * subject's own key. A build whose process died (no heartbeat for a minute) is restarted by the next
 * `start` for its request or by any API process's sweep, at boot and every minute, at most three
 * times; a build that fails is marked failed with a stable code and a critical audit event.
 */
@Injectable()
export class SubjectExportService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(SubjectExportService.name);
  private readonly running = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly collector: SubjectExportCollectorService,
    private readonly customers: CustomersService,
    private readonly crypto: CryptoService,
    private readonly audit: AuditService,
    private readonly config: AppConfigService,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.get('BACKGROUND_JOBS') === 'off') return;
    const sweep = () =>
      this.sweep().catch((e: unknown) =>
        this.logger.error(`export sweep failed: ${e instanceof Error ? e.message : 'unknown'}`),
      );
    void sweep();
    this.timer = setInterval(() => void sweep(), SWEEP_INTERVAL_MS);
    this.timer.unref();
  }

  /** Builds in flight finish (or fail, recorded) before the pool closes. */
  async onModuleDestroy(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await Promise.allSettled([...this.running]);
  }

  /**
   * Starts the export of an access or portability request in progress (identity verified), or
   * returns the one already building or ready; a failed or expired one is built anew, a stale one
   * restarted.
   */
  async start(ctx: RequestContext, requestId: string): Promise<DataSubjectExportEntity> {
    const { row, build } = await this.dataSource.transaction(async (m) => {
      const request = await m
        .getRepository(DataSubjectRequestEntity)
        .findOne({ where: { id: requestId }, lock: { mode: 'pessimistic_write' } });
      if (!request)
        throw new PrivacyException(PrivacyErrorCode.NOT_FOUND, 'Data subject request not found');
      if (request.type !== DsrType.Access && request.type !== DsrType.Portability)
        throw new PrivacyException(
          PrivacyErrorCode.EXPORT_WRONG_TYPE,
          'Only access and portability requests are exported',
        );
      if (request.status !== DsrStatus.InProgress)
        throw request.status === DsrStatus.Completed || request.status === DsrStatus.Rejected
          ? new PrivacyException(
              PrivacyErrorCode.REQUEST_CLOSED,
              `The request is already ${request.status}`,
            )
          : new PrivacyException(
              PrivacyErrorCode.NOT_VERIFIED,
              "Verify the subject's identity before exporting their data",
            );
      const customer = await this.customers.findById(request.customerId, m, { withDeleted: true });
      if (!customer || customer.status === CustomerStatus.Erased)
        throw new PrivacyException(PrivacyErrorCode.ALREADY_ERASED, 'This customer is erased');
      const latest = await m.getRepository(DataSubjectExportEntity).findOne({
        where: { requestId },
        order: { createdAt: 'DESC' },
        lock: { mode: 'pessimistic_write' },
      });
      if (latest?.status === SubjectExportStatus.Ready && !this.isPast(latest.expiresAt))
        return { row: latest, build: null };
      if (latest?.status === SubjectExportStatus.Building) {
        if (!this.isStale(latest)) return { row: latest, build: null };
        const token = await this.reclaim(m, latest);
        return { row: latest, build: token };
      }
      const now = new Date();
      const row = m.getRepository(DataSubjectExportEntity).create({
        id: uuidv7(),
        requestId,
        customerId: request.customerId,
        format: 'json+csv',
        status: SubjectExportStatus.Building,
        sectionsTotal: EXPORT_SECTIONS.length,
        sectionsDone: 0,
        rowsDone: 0,
        bytes: null,
        sha256: null,
        buildToken: randomUUID(),
        heartbeatAt: now,
        attempts: 1,
        downloads: 0,
        lastDownloadedAt: null,
        errorCode: null,
        createdBy: ctx.principal.id,
        createdAt: now,
        readyAt: null,
        expiresAt: null,
      });
      await m.getRepository(DataSubjectExportEntity).insert(row);
      await this.audit.record(
        {
          action: 'privacy.export_started',
          resourceType: 'DataSubjectRequest',
          resourceId: requestId,
          changes: { exportId: row.id, type: request.type, sections: row.sectionsTotal },
        },
        m,
      );
      return { row, build: row.buildToken };
    });
    if (build) this.runInBackground(row.id, build);
    return row;
  }

  /** The newest export of a request (status and progress; never the archive). */
  latest(requestId: string): Promise<DataSubjectExportEntity | null> {
    return this.dataSource
      .getRepository(DataSubjectExportEntity)
      .findOne({ where: { requestId }, order: { createdAt: 'DESC' } });
  }

  /**
   * For completing an access or portability request, in its transaction: refuses with
   * EXPORT_NOT_READY unless an export of the request is ready or was downloaded.
   */
  async assertReady(m: EntityManager, requestId: string): Promise<void> {
    const [row] = await m.query<{ n: string }[]>(
      `SELECT COUNT(*) AS n FROM data_subject_exports
        WHERE request_id = ? AND (status = 'ready' OR downloads > 0)`,
      [requestId],
    );
    if (Number(row?.n ?? 0) === 0)
      throw new PrivacyException(
        PrivacyErrorCode.EXPORT_NOT_READY,
        'Build the export and let the subject download it before completing the request',
      );
  }

  /** Restarts builds whose process died; drops archives kept past their time. Returns counts. */
  async sweep(): Promise<{ restarted: number; expired: number }> {
    const stale = await this.dataSource.getRepository(DataSubjectExportEntity).find({
      where: { status: SubjectExportStatus.Building },
      order: { createdAt: 'ASC' },
      take: 50,
    });
    let restarted = 0;
    for (const row of stale.filter((r) => this.isStale(r))) {
      const token = await this.dataSource.transaction(async (m) => {
        const locked = await m
          .getRepository(DataSubjectExportEntity)
          .findOne({ where: { id: row.id }, lock: { mode: 'pessimistic_write' } });
        if (locked?.status !== SubjectExportStatus.Building || !this.isStale(locked)) return null;
        return this.reclaim(m, locked);
      });
      if (token) {
        this.runInBackground(row.id, token);
        restarted++;
      }
    }
    const expired = await this.dataSource.query<{ affectedRows: number }>(
      `UPDATE data_subject_exports SET status = 'expired', archive_enc = NULL
        WHERE status = 'ready' AND expires_at <= NOW(3)`,
    );
    if (expired.affectedRows > 0)
      await this.audit.record({
        action: 'privacy.exports_expired',
        actor: SYSTEM,
        resourceType: 'DataSubjectExport',
        changes: { expired: expired.affectedRows },
      });
    return { restarted, expired: expired.affectedRows };
  }

  /** Takes over a stale build (a new token: the old builder, if alive, writes nothing more). */
  private async reclaim(m: EntityManager, row: DataSubjectExportEntity): Promise<string | null> {
    if (row.attempts >= MAX_ATTEMPTS) {
      await this.fail(m, row, row.buildToken, 'BUILD_ABANDONED');
      return null;
    }
    const token = randomUUID();
    await m.getRepository(DataSubjectExportEntity).update(
      { id: row.id },
      {
        buildToken: token,
        heartbeatAt: new Date(),
        attempts: row.attempts + 1,
        sectionsDone: 0,
        rowsDone: 0,
      },
    );
    await this.audit.record(
      {
        action: 'privacy.export_restarted',
        actor: SYSTEM,
        resourceType: 'DataSubjectRequest',
        resourceId: row.requestId,
        changes: { exportId: row.id, attempt: row.attempts + 1, lastHeartbeatAt: row.heartbeatAt },
      },
      m,
    );
    row.buildToken = token;
    row.attempts += 1;
    return token;
  }

  private runInBackground(exportId: string, token: string): void {
    const run = this.build(exportId, token).finally(() => this.running.delete(run));
    this.running.add(run);
  }

  /** Builds one export; every failure ends recorded (status failed, critical audit event). */
  private async build(exportId: string, token: string): Promise<void> {
    const repo = this.dataSource.getRepository(DataSubjectExportEntity);
    try {
      const row = await repo.findOneByOrFail({ id: exportId });
      const request = await this.dataSource
        .getRepository(DataSubjectRequestEntity)
        .findOneByOrFail({ id: row.requestId });
      let rows = 0;
      const sections = await this.collector.collect(row.customerId, async (section, index) => {
        rows += section.rows.length;
        const moved = await this.dataSource.query<{ affectedRows: number }>(
          `UPDATE data_subject_exports SET sections_done = ?, rows_done = ?, heartbeat_at = NOW(3)
            WHERE id = ? AND build_token = ? AND status = 'building'`,
          [index + 1, rows, exportId, token],
        );
        if (moved.affectedRows === 0) throw new Superseded();
      });
      const generatedAt = new Date();
      const archive = buildExportArchive(
        {
          exportId,
          requestId: row.requestId,
          requestType: request.type,
          customerId: row.customerId,
          generatedAt,
          notes: Object.fromEntries(sections.filter((s) => s.note).map((s) => [s.name, s.note])),
        },
        Object.fromEntries(sections.map((s) => [s.name, s.rows])) as Record<
          ExportSection,
          ExportRow[]
        >,
      );
      const sha256 = createHash('sha256').update(archive).digest();
      await this.dataSource.transaction(async (m) => {
        const sealed = await this.crypto.sealForSubject(
          row.customerId,
          archive,
          archiveLocation(exportId),
          m,
        );
        const done = await m.query<{ affectedRows: number }>(
          `UPDATE data_subject_exports
              SET status = 'ready', archive_enc = ?, sha256 = ?, bytes = ?, ready_at = ?,
                  expires_at = ?, heartbeat_at = NOW(3)
            WHERE id = ? AND build_token = ? AND status = 'building'`,
          [
            sealed,
            sha256,
            archive.length,
            generatedAt,
            new Date(generatedAt.getTime() + KEEP_DAYS * 86_400_000),
            exportId,
            token,
          ],
        );
        if (done.affectedRows === 0) throw new Superseded();
        await this.audit.record(
          {
            action: 'privacy.export_ready',
            actor: SYSTEM,
            resourceType: 'DataSubjectRequest',
            resourceId: row.requestId,
            changes: { exportId, bytes: archive.length, rows, sections: sections.length },
          },
          m,
        );
      });
    } catch (e) {
      if (e instanceof Superseded) return;
      const code = e instanceof AppException ? e.reason : 'BUILD_FAILED';
      this.logger.error(`export ${exportId} failed: ${code}`);
      try {
        await this.dataSource.transaction(async (m) => {
          const row = await m
            .getRepository(DataSubjectExportEntity)
            .findOne({ where: { id: exportId }, lock: { mode: 'pessimistic_write' } });
          if (row) await this.fail(m, row, token, code);
        });
      } catch (recording: unknown) {
        // The failure itself could not be recorded: the sweep finds the export stale and retries.
        this.logger.fatal(
          `export ${exportId} failed (${code}) and the failure was not recorded: ${
            recording instanceof Error ? recording.message : 'unknown'
          }`,
        );
      }
    }
  }

  /** Marks a build failed (if it is still this builder's) with a critical audit event. */
  private async fail(
    m: EntityManager,
    row: DataSubjectExportEntity,
    token: string | null,
    code: string,
  ): Promise<void> {
    const failed = await m.query<{ affectedRows: number }>(
      `UPDATE data_subject_exports SET status = 'failed', error_code = ?, archive_enc = NULL
        WHERE id = ? AND status = 'building' AND build_token <=> ?`,
      [code.slice(0, 64), row.id, token],
    );
    if (failed.affectedRows === 0) return;
    await this.audit.record(
      {
        action: 'privacy.export_failed',
        actor: SYSTEM,
        result: AuditResult.Failure,
        errorCode: code,
        resourceType: 'DataSubjectRequest',
        resourceId: row.requestId,
        changes: { exportId: row.id, attempts: row.attempts, sectionsDone: row.sectionsDone },
      },
      m,
    );
  }

  private isStale(row: DataSubjectExportEntity): boolean {
    return !row.heartbeatAt || Date.now() - row.heartbeatAt.getTime() > STALE_MS;
  }

  private isPast(at: Date | null): boolean {
    return at !== null && at.getTime() <= Date.now();
  }
}

/** The build was taken over by another process (or finished there): stop without a trace. */
class Superseded extends Error {}
