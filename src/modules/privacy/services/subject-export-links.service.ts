import { createHash, randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { RequestContext } from '../../../core/auth/request-context';
import { AppConfigService } from '../../../core/config/app-config.service';
import { AppException } from '../../../core/errors/error-code';
import { LinkFile, LinkRefused } from '../../../core/http/link-download';
import { ActorType } from '../../audit';
import { AuditService } from '../../audit/audit.service';
import { CryptoService } from '../../crypto/crypto.service';
import { READ_LOG_FIELDS, ReadAccessKind } from '../../customers';
import { CustomerReadLogService } from '../../customers/customer-read-log.service';
import { DataSubjectExportLinkEntity } from '../entities/data-subject-export-link.entity';
import {
  DataSubjectExportEntity,
  SubjectExportStatus,
} from '../entities/data-subject-export.entity';
import { PrivacyErrorCode, PrivacyException } from '../privacy.exception';
import { archiveLocation } from './subject-export.service';

/** Why a download is refused; the route answers 403 or 410 with the code and nothing more. */
export enum ExportLinkRefusal {
  /** The signature does not verify (a tampered or made-up link): 403. */
  INVALID = 'EXPORT_LINK_INVALID',
  /** Expired, already used, or its export is no longer there (expired, erased): 410. */
  GONE = 'EXPORT_LINK_GONE',
}

const gone = () => new LinkRefused(true, ExportLinkRefusal.GONE);

export interface IssuedLink {
  url: string;
  expiresAt: Date;
}

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest();
const SCOPE = 'privacy-export';

/**
 * One-time signed download links of exports. The URL is the credential: an HMAC-SHA256 (the
 * `secrets` data key) over the link id and its expiry, valid `PRIVACY_EXPORT_LINK_TTL_MINUTES`.
 * A download marks the link used in one conditional UPDATE, audits `privacy.export_downloaded` in
 * the same transaction with the read-access log entry (kind `export`), and opens the archive with
 * the subject's key there too: if the audit, the read log or the decryption fails, nothing is
 * handed out and the link stays unused.
 */
@Injectable()
export class SubjectExportLinksService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly crypto: CryptoService,
    private readonly audit: AuditService,
    private readonly config: AppConfigService,
    private readonly readLog: CustomerReadLogService,
  ) {}

  issue(ctx: RequestContext, exportId: string): Promise<IssuedLink> {
    return this.dataSource.transaction(async (m) => {
      const row = await m.getRepository(DataSubjectExportEntity).findOneBy({ id: exportId });
      if (!row) throw new PrivacyException(PrivacyErrorCode.EXPORT_NOT_FOUND, 'Export not found');
      if (
        row.status !== SubjectExportStatus.Ready ||
        (row.expiresAt && row.expiresAt.getTime() <= Date.now())
      )
        throw new PrivacyException(
          PrivacyErrorCode.EXPORT_NOT_READY,
          `The export is ${row.status}: only a ready export is handed out`,
        );
      const ttl = this.config.get('PRIVACY_EXPORT_LINK_TTL_MINUTES') * 60_000;
      const exp = Math.min(Date.now() + ttl, row.expiresAt?.getTime() ?? Infinity);
      const id = randomUUID();
      const sig = this.crypto.signLink(SCOPE, id, exp);
      const keyId = Number(sig.split('.')[0]);
      const expiresAt = new Date(exp);
      await m.getRepository(DataSubjectExportLinkEntity).insert({
        id,
        exportId,
        sigKeyId: keyId,
        tokenHash: sha256(sig),
        expiresAt,
        issuedBy: ctx.principal.id,
        issuedAt: new Date(),
        usedAt: null,
        usedIpHash: null,
      });
      await this.audit.record(
        {
          action: 'privacy.export_link_issued',
          resourceType: 'DataSubjectRequest',
          resourceId: row.requestId,
          changes: { exportId, linkId: id, expiresAt },
        },
        m,
      );
      const base = this.config.get('PUBLIC_BASE_URL');
      return { url: `${base}/privacy/exports/${id}?exp=${exp}&sig=${sig}`, expiresAt };
    });
  }

  /** Verifies, uses up and audits a link; returns the decrypted archive. */
  async redeem(linkId: string, exp: string, sig: string, ip: string | null): Promise<LinkFile> {
    const check = await this.crypto.checkLink(SCOPE, linkId, exp, sig);
    if (check === 'invalid') throw new LinkRefused(false, ExportLinkRefusal.INVALID);
    if (check === 'expired') throw gone();
    try {
      return await this.dataSource.transaction(async (m) => {
        const used = await m.query<{ affectedRows: number }>(
          `UPDATE data_subject_export_links SET used_at = NOW(3), used_ip_hash = ?
            WHERE id = ? AND token_hash = ? AND used_at IS NULL AND expires_at > NOW(3)`,
          [ip ? this.crypto.sign('secrets', `ip|${ip}`).mac : null, linkId, sha256(sig)],
        );
        if (used.affectedRows === 0) throw gone();
        const link = await m
          .getRepository(DataSubjectExportLinkEntity)
          .findOneByOrFail({ id: linkId });
        const row = await m
          .getRepository(DataSubjectExportEntity)
          .createQueryBuilder('e')
          .addSelect('e.archiveEnc')
          .where('e.id = :id', { id: link.exportId })
          .setLock('pessimistic_write')
          .getOne();
        if (
          !row?.archiveEnc ||
          !row.sha256 ||
          row.status !== SubjectExportStatus.Ready ||
          (row.expiresAt && row.expiresAt.getTime() <= Date.now())
        )
          throw gone();
        const archive = await this.crypto.openForSubject(
          row.customerId,
          row.archiveEnc,
          archiveLocation(row.id),
          m,
        );
        if (!sha256(archive).equals(row.sha256))
          throw new Error('export archive does not match its recorded digest');
        await m.query(
          `UPDATE data_subject_exports SET downloads = downloads + 1, last_downloaded_at = NOW(3)
            WHERE id = ?`,
          [row.id],
        );
        // Who has seen this consumer: the holder of the link read every personal field.
        await this.readLog.record(
          [{ customerId: row.customerId, kind: ReadAccessKind.Export, fields: READ_LOG_FIELDS }],
          { type: ActorType.Anonymous, id: 'export-link', role: null },
          m,
        );
        await this.audit.record(
          {
            action: 'privacy.export_downloaded',
            resourceType: 'DataSubjectRequest',
            resourceId: row.requestId,
            changes: { exportId: row.id, linkId, bytes: archive.length },
          },
          m,
        );
        return {
          filename: `personal-data-${row.requestId}.zip`,
          contentType: 'application/zip',
          body: archive,
        };
      });
    } catch (e) {
      // The subject's key is destroyed (erased): the archive is unreadable for good.
      if (e instanceof AppException && e.reason === 'KEY_DESTROYED') throw gone();
      throw e;
    }
  }
}
