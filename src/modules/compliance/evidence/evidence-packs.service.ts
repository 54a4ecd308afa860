import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import type { RequestContext } from '../../../core/auth/request-context';
import { maskPhone } from '../../../core/pii/mask';
import { AuditService } from '../../audit/audit.service';
import { CryptoService } from '../../crypto/crypto.service';
import { ComplianceErrorCode, ComplianceException } from '../compliance.exception';
import { EvidencePackCollectorService } from './evidence-pack-collector.service';
import { renderEvidencePackPdf } from './evidence-pack-pdf';
import type { EvidenceScope } from './evidence-pack.types';

export interface EvidencePackRequest {
  customerId?: string | null;
  debtId?: string | null;
  phone?: string | null;
  from: Date;
  to: Date;
}

export interface EvidencePackSummary {
  id: string;
  scopeKind: EvidenceScope['kind'];
  scopeRef: string;
  from: Date;
  to: Date;
  includesConsentEvidence: boolean;
  attempts: number;
  jsonSha256: string;
  pdfSha256: string;
  createdBy: string;
  createdAt: Date;
}

export type PackFormat = 'json' | 'pdf';

/** The longest range one pack covers (Reg F keeps records three years; a pack may span them). */
const MAX_RANGE_MS = 4 * 366 * 86_400_000;

/** Where a pack's sealed content lives: the AAD binds each ciphertext to its row and column. */
export const packLocation = (id: string, format: PackFormat) => ({
  table: 'evidence_packs',
  column: format === 'json' ? 'json_enc' : 'pdf_enc',
  rowId: id,
});

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest();

/**
 * Evidence packs for counsel: for a customer, a debt or a phone number and a date range, every
 * contact with its decision, the consent evidence behind it, the opt-outs and how fast each was
 * honoured, and the integrity proof; as JSON and a PDF, sealed under the `pii` purpose key.
 * Generated synchronously (a customer's or debt's range is small; MAX_PACK_ATTEMPTS bounds it).
 * Consent evidence is decrypted into the pack only for a role that may `readPii` Consent
 * `evidence`; each disclosure is audited with the pack, in the transaction that stores it.
 */
@Injectable()
export class EvidencePacksService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly collector: EvidencePackCollectorService,
    private readonly crypto: CryptoService,
    private readonly audit: AuditService,
  ) {
    // Packs are sealed under the pii key: a rotation re-seals them (enc_key_id keeps the key they
    // were first sealed under), and a key is not destroyed while a pack holds it.
    crypto.declareSealedColumns({
      purpose: 'pii',
      table: 'evidence_packs',
      columns: ['json_enc', 'pdf_enc'],
      maxBatch: 20,
    });
  }

  /** Whether this caller's packs carry consent evidence (else the hash only). */
  static disclosesEvidence(ctx: RequestContext): boolean {
    return ctx.ability.can('readPii', 'Consent', 'evidence');
  }

  async generate(ctx: RequestContext, input: EvidencePackRequest): Promise<EvidencePackSummary> {
    const to = input.to;
    const from = input.from;
    if (!(to.getTime() > from.getTime()) || to.getTime() - from.getTime() > MAX_RANGE_MS)
      throw new ComplianceException(
        ComplianceErrorCode.INVALID_RANGE,
        '`to` must follow `from`, at most four years later',
      );
    const scope = await this.scopeOf(input);
    const id = uuidv7();
    const disclose = EvidencePacksService.disclosesEvidence(ctx);
    const generatedAt = new Date();
    const content = await this.collector.collect(
      {
        packId: id,
        scope,
        generatedAt: generatedAt.toISOString(),
        generatedBy: { id: ctx.principal.id, role: ctx.principal.role },
      },
      from,
      to,
      disclose,
    );
    const json = Buffer.from(JSON.stringify(content, null, 2), 'utf8');
    const jsonSha = sha256(json);
    const pdf = await renderEvidencePackPdf(content, jsonSha.toString('hex'));
    const pdfSha = sha256(pdf);
    const disclosed = content.consents.filter((c) => c.evidence !== null);

    await this.dataSource.transaction(async (m) => {
      const j = await this.crypto.sealWithPurpose('pii', json, packLocation(id, 'json'), m);
      const p = await this.crypto.sealWithPurpose('pii', pdf, packLocation(id, 'pdf'), m);
      if (j.keyId !== p.keyId) throw new Error('the pii key changed while sealing a pack; retry');
      await m.query(
        `INSERT INTO evidence_packs (id, scope_kind, scope_ref, range_from, range_to, status,
           includes_consent_evidence, attempts, enc_key_id, json_enc, json_sha256, pdf_enc,
           pdf_sha256, created_by, created_at)
         VALUES (?, ?, ?, ?, ?, 'ready', ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          id,
          scope.kind,
          scope.ref,
          from,
          to,
          disclosed.length > 0 ? 1 : 0,
          content.attempts.length,
          j.keyId,
          j.sealed,
          jsonSha,
          p.sealed,
          pdfSha,
          ctx.principal.id,
          generatedAt,
        ],
      );
      for (const c of disclosed)
        await this.audit.record(
          {
            action: 'compliance.consent_evidence_disclosed',
            resourceType: 'Consent',
            resourceId: c.id,
            changes: { packId: id, customerId: c.customerId },
          },
          m,
        );
      await this.audit.record(
        {
          action: 'compliance.evidence_pack_generated',
          resourceType: 'EvidencePack',
          resourceId: id,
          changes: {
            scope: scope.kind,
            // A phone scope is named by its blind index only.
            scopeRef: scope.ref,
            from,
            to,
            customers: scope.customerIds.length,
            attempts: content.summary.attempts,
            attemptsWithoutDecision: content.summary.attemptsWithoutDecision,
            replayMismatches: content.summary.replayMismatches,
            consents: content.summary.consents,
            consentEvidenceDisclosed: disclosed.length,
            optOuts: content.summary.optOuts,
            decisionChainValid: content.proof.decisions.chain.valid,
            auditChainValid: content.proof.audit.verification?.ok ?? null,
            jsonSha256: jsonSha.toString('hex'),
            pdfSha256: pdfSha.toString('hex'),
          },
        },
        m,
      );
    });
    return {
      id,
      scopeKind: scope.kind,
      scopeRef: scope.ref,
      from,
      to,
      includesConsentEvidence: disclosed.length > 0,
      attempts: content.attempts.length,
      jsonSha256: jsonSha.toString('hex'),
      pdfSha256: pdfSha.toString('hex'),
      createdBy: ctx.principal.id,
      createdAt: generatedAt,
    };
  }

  async get(id: string): Promise<EvidencePackSummary> {
    const [row] = await this.dataSource.query<
      {
        id: string;
        scope_kind: EvidenceScope['kind'];
        scope_ref: string;
        range_from: Date;
        range_to: Date;
        includes_consent_evidence: number;
        attempts: number;
        json_sha256: Buffer;
        pdf_sha256: Buffer;
        created_by: string;
        created_at: Date;
      }[]
    >(
      `SELECT id, scope_kind, scope_ref, range_from, range_to, includes_consent_evidence, attempts,
              json_sha256, pdf_sha256, created_by, created_at
         FROM evidence_packs WHERE id = ?`,
      [id],
    );
    if (!row)
      throw new ComplianceException(ComplianceErrorCode.PACK_NOT_FOUND, 'Evidence pack not found');
    return {
      id: row.id,
      scopeKind: row.scope_kind,
      scopeRef: row.scope_ref,
      from: row.range_from,
      to: row.range_to,
      includesConsentEvidence: Boolean(row.includes_consent_evidence),
      attempts: Number(row.attempts),
      jsonSha256: row.json_sha256.toString('hex'),
      pdfSha256: row.pdf_sha256.toString('hex'),
      createdBy: row.created_by,
      createdAt: row.created_at,
    };
  }

  private async scopeOf(input: EvidencePackRequest): Promise<EvidenceScope> {
    const given = [input.customerId, input.debtId, input.phone].filter(
      (v) => v != null && v !== '',
    );
    if (given.length !== 1)
      throw new ComplianceException(
        ComplianceErrorCode.INVALID_SCOPE,
        'Name exactly one of customerId, debtId or phone',
      );
    if (input.customerId) {
      const [found] = await this.dataSource.query<{ id: string }[]>(
        'SELECT id FROM customers WHERE id = ?',
        [input.customerId],
      );
      if (!found)
        throw new ComplianceException(ComplianceErrorCode.NOT_FOUND, 'Customer not found');
      return { kind: 'customer', ref: found.id, customerIds: [found.id] };
    }
    if (input.debtId) {
      const ids = await this.dataSource.query<{ customer_id: string }[]>(
        `SELECT DISTINCT customer_id FROM contact_attempts WHERE debt_id = ?
         UNION SELECT customer_id FROM cease_requests WHERE debt_id = ?`,
        [input.debtId, input.debtId],
      );
      return { kind: 'debt', ref: input.debtId, customerIds: ids.map((r) => r.customer_id) };
    }
    const bidx = this.crypto.blindIndex('phone', input.phone!);
    if (!bidx)
      throw new ComplianceException(ComplianceErrorCode.INVALID_SCOPE, 'Not a valid phone number');
    const ids = await this.dataSource.query<{ id: string }[]>(
      'SELECT id FROM customers WHERE phone_bidx = ?',
      [bidx],
    );
    return {
      kind: 'phone',
      ref: bidx.toString('hex'),
      phoneMasked: maskPhone(input.phone!),
      customerIds: ids.map((r) => r.id),
    };
  }
}
