import { createHash, randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { RequestContext } from '../../../core/auth/request-context';
import { AppConfigService } from '../../../core/config/app-config.service';
import { LinkFile, LinkRefused } from '../../../core/http/link-download';
import { AuditService } from '../../audit/audit.service';
import { CryptoService } from '../../crypto/crypto.service';
import { ComplianceErrorCode, ComplianceException } from '../compliance.exception';
import { EvidencePacksService, packLocation } from './evidence-packs.service';

/** Why a download is refused; the route answers 403 or 410 with the code and nothing more. */
export enum PackLinkRefusal {
  /** The signature does not verify (a tampered or made-up link), or an unknown format: 403. */
  INVALID = 'PACK_LINK_INVALID',
  /** Expired, already used, or its pack is gone: 410. */
  GONE = 'PACK_LINK_GONE',
}

const gone = () => new LinkRefused(true, PackLinkRefusal.GONE);

export interface IssuedPackLink {
  url: string;
  expiresAt: Date;
}

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest();
const SCOPE = 'evidence-pack';

/**
 * One-time signed download links of evidence packs, the same scheme as the privacy exports' (kept
 * separate: a module's link tables and audit actions are its own). The URL is the credential: an
 * HMAC-SHA256 (the `secrets` data key) over the link id and its expiry, valid
 * `EVIDENCE_PACK_LINK_TTL_MINUTES`. A download takes one format (`pdf` or `json`), marks the link
 * used in one conditional UPDATE and audits `compliance.evidence_pack_downloaded` in the same
 * transaction, and opens the pack there: if the audit or the decryption fails, nothing is handed
 * out and the link stays unused.
 */
@Injectable()
export class EvidencePackLinksService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly crypto: CryptoService,
    private readonly audit: AuditService,
    private readonly config: AppConfigService,
  ) {}

  issue(ctx: RequestContext, packId: string): Promise<IssuedPackLink> {
    return this.dataSource.transaction(async (m) => {
      const [row] = await m.query<{ id: string; evidence: number }[]>(
        `SELECT id, includes_consent_evidence AS evidence FROM evidence_packs
          WHERE id = ? AND status = 'ready'`,
        [packId],
      );
      if (!row)
        throw new ComplianceException(
          ComplianceErrorCode.PACK_NOT_FOUND,
          'Evidence pack not found',
        );
      // A pack with consent evidence is handed out only to a role that may read that evidence.
      if (row.evidence && !EvidencePacksService.disclosesEvidence(ctx))
        throw new ComplianceException(
          ComplianceErrorCode.EVIDENCE_NOT_ALLOWED,
          'This pack holds consent evidence your role may not read',
        );
      const exp = Date.now() + this.config.get('EVIDENCE_PACK_LINK_TTL_MINUTES') * 60_000;
      const id = randomUUID();
      const sig = this.crypto.signLink(SCOPE, id, exp);
      const keyId = Number(sig.split('.')[0]);
      const expiresAt = new Date(exp);
      await m.query(
        `INSERT INTO evidence_pack_links (id, pack_id, sig_key_id, token_hash, expires_at,
           issued_by, issued_at) VALUES (?, ?, ?, ?, ?, ?, NOW(3))`,
        [id, packId, keyId, sha256(sig), expiresAt, ctx.principal.id],
      );
      await this.audit.record(
        {
          action: 'compliance.evidence_pack_link_issued',
          resourceType: 'EvidencePack',
          resourceId: packId,
          changes: { linkId: id, expiresAt },
        },
        m,
      );
      const base = this.config.get('PUBLIC_BASE_URL');
      return { url: `${base}/compliance/evidence-packs/${id}?exp=${exp}&sig=${sig}`, expiresAt };
    });
  }

  /** Verifies, uses up and audits a link; returns the decrypted pack in the format asked. */
  async redeem(
    linkId: string,
    exp: string,
    sig: string,
    format: string,
    ip: string | null,
  ): Promise<LinkFile> {
    if (format !== 'pdf' && format !== 'json')
      throw new LinkRefused(false, PackLinkRefusal.INVALID);
    const check = await this.crypto.checkLink(SCOPE, linkId, exp, sig);
    if (check === 'invalid') throw new LinkRefused(false, PackLinkRefusal.INVALID);
    if (check === 'expired') throw gone();
    return this.dataSource.transaction(async (m) => {
      const used = await m.query<{ affectedRows: number }>(
        `UPDATE evidence_pack_links SET used_at = NOW(3), used_format = ?, used_ip_hash = ?
          WHERE id = ? AND token_hash = ? AND used_at IS NULL AND expires_at > NOW(3)`,
        [format, ip ? this.crypto.sign('secrets', `ip|${ip}`).mac : null, linkId, sha256(sig)],
      );
      if (used.affectedRows === 0) throw gone();
      const column = format === 'pdf' ? 'pdf' : 'json';
      const [row] = await m.query<{ id: string; sealed: Buffer | null; digest: Buffer }[]>(
        `SELECT p.id, p.${column}_enc AS sealed, p.${column}_sha256 AS digest
           FROM evidence_pack_links l JOIN evidence_packs p ON p.id = l.pack_id
          WHERE l.id = ? AND p.status = 'ready' FOR UPDATE`,
        [linkId],
      );
      if (!row?.sealed) throw gone();
      const body = await this.crypto.openWithPurpose(row.sealed, packLocation(row.id, format));
      if (!sha256(body).equals(row.digest))
        throw new Error('evidence pack does not match its recorded digest');
      await m.query('UPDATE evidence_packs SET downloads = downloads + 1 WHERE id = ?', [row.id]);
      await this.audit.record(
        {
          action: 'compliance.evidence_pack_downloaded',
          resourceType: 'EvidencePack',
          resourceId: row.id,
          changes: { linkId, format, bytes: body.length },
        },
        m,
      );
      return {
        filename: `evidence-pack-${row.id}.${format}`,
        contentType: format === 'pdf' ? 'application/pdf' : 'application/json; charset=utf-8',
        body,
      };
    });
  }
}
