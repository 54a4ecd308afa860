import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In } from 'typeorm';
import { AuditService } from '../../audit/audit.service';
import { AuditVerifierService } from '../../audit/services/audit-verifier.service';
import { ConsentEntity } from '../entities/consent.entity';
import { CeaseRequestEntity } from '../entities/cease-request.entity';
import { DncEntryEntity } from '../entities/dnc-entry.entity';
import { ComplianceErrorCode, ComplianceException } from '../compliance.exception';
import type { Check } from '../rules/types';
import { DecisionRecordsService, StoredFacts } from '../services/decision-records.service';
import type {
  EvidencePackContent,
  EvidenceScope,
  PackAttempt,
  PackConsent,
  PackDecision,
  PackOptOut,
} from './evidence-pack.types';

/** A pack answers for at most this many attempts: a longer history is split by date range. */
export const MAX_PACK_ATTEMPTS = 2000;

interface AttemptRow {
  id: string;
  customer_id: string;
  debt_id: string | null;
  task_id: string | null;
  campaign_id: string | null;
  channel: string;
  purpose: string;
  occurred_at: Date;
  outcome: string | null;
  consumer_initiated: number;
  decision_id: string | null;
}

interface DecisionRow {
  id: string;
  seq: string;
  gate: string;
  decided_at: Date;
  attempt_id: string | null;
  allowed: number;
  rule_set_version: number;
  rule_set_hash: Buffer;
  facts: string | StoredFacts;
  checks: string | Check[];
  prev_hash: Buffer;
  hash: Buffer;
}

const hex = (b: Buffer | null) => (b ? Buffer.from(b).toString('hex') : null);
const iso = (d: Date | string) => new Date(d).toISOString();
const json = <T>(v: string | T): T => (typeof v === 'string' ? (JSON.parse(v) as T) : v);

export const DECISION_PROOF_HOWTO =
  'Each decision row hashes as SHA-256(prevHash || canonical JSON of its columns) and names the ' +
  'previous row in prevHash; the chain was recomputed from the first included row to the head ' +
  'when the pack was generated (verifyContactDecisionChain recomputes it again at any time).';
export const AUDIT_PROOF_HOWTO =
  'For each audit entry, hash = SHA-256(bytes of prevHash || UTF-8 of canonical) and can be ' +
  'recomputed from this pack alone. The entries between the first one and the checkpoint were ' +
  'walked when the pack was generated (verification); the checkpoint is the head hash at uptoSeq ' +
  'signed with HMAC-SHA256 under the audit data key over `message`, which the operator verifies ' +
  'with verifyAuditChain: a rewritten chain no longer reaches the signed head hash.';

/**
 * Gathers an evidence pack's content: the attempts in scope with their decisions (replayed), the
 * consents behind them, opt-outs with how fast each was honoured, and the integrity proof of the
 * decision chain and the audit log. Reads only; the caller stores, seals and audits.
 */
@Injectable()
export class EvidencePackCollectorService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly decisions: DecisionRecordsService,
    private readonly audit: AuditService,
    private readonly auditVerifier: AuditVerifierService,
  ) {}

  async attemptsInScope(scope: EvidenceScope, from: Date, to: Date): Promise<AttemptRow[]> {
    const column =
      scope.kind === 'customer' ? 'customer_id' : scope.kind === 'debt' ? 'debt_id' : 'to_bidx';
    const value = scope.kind === 'phone' ? Buffer.from(scope.ref, 'hex') : scope.ref;
    const rows = await this.dataSource.query<AttemptRow[]>(
      `SELECT id, customer_id, debt_id, task_id, campaign_id, channel, purpose, occurred_at,
              outcome, consumer_initiated, decision_id
         FROM contact_attempts
        WHERE ${column} = ? AND occurred_at >= ? AND occurred_at < ?
        ORDER BY occurred_at, id LIMIT ?`,
      [value, from, to, MAX_PACK_ATTEMPTS + 1],
    );
    if (rows.length > MAX_PACK_ATTEMPTS)
      throw new ComplianceException(
        ComplianceErrorCode.PACK_TOO_LARGE,
        `More than ${MAX_PACK_ATTEMPTS} contact attempts in the range: split it`,
      );
    return rows;
  }

  async collect(
    base: Pick<EvidencePackContent, 'packId' | 'scope' | 'generatedAt' | 'generatedBy'>,
    from: Date,
    to: Date,
    discloseEvidence: boolean,
  ): Promise<EvidencePackContent> {
    const attemptRows = await this.attemptsInScope(base.scope, from, to);
    const customerIds = [
      ...new Set([...base.scope.customerIds, ...attemptRows.map((a) => a.customer_id)]),
    ];
    base.scope.customerIds = customerIds;

    const decisionIds = attemptRows.map((a) => a.decision_id).filter((d): d is string => !!d);
    const decisionRows = decisionIds.length
      ? await this.dataSource.query<DecisionRow[]>(
          `SELECT id, seq, gate, decided_at, attempt_id, allowed, rule_set_version, rule_set_hash,
                  facts, checks, prev_hash, hash
             FROM contact_decisions WHERE id IN (?) ORDER BY seq`,
          [decisionIds],
        )
      : [];
    const byId = new Map(decisionRows.map((d) => [d.id, d]));
    const attempts: PackAttempt[] = [];
    for (const a of attemptRows) {
      const row = a.decision_id ? byId.get(a.decision_id) : undefined;
      const decision = row ? await this.packDecision(row, a.id) : null;
      const flags: string[] = [];
      if (!decision && !a.consumer_initiated) flags.push('no_decision');
      if (decision && !decision.namesAttempt) flags.push('decision_names_another_attempt');
      if (decision && !decision.allowed) flags.push('decision_refused');
      if (decision && !decision.replay.matches) flags.push('replay_mismatch');
      attempts.push({
        id: a.id,
        customerId: a.customer_id,
        debtId: a.debt_id,
        taskId: a.task_id,
        campaignId: a.campaign_id,
        channel: a.channel,
        purpose: a.purpose,
        occurredAt: iso(a.occurred_at),
        outcome: a.outcome,
        consumerInitiated: Boolean(a.consumer_initiated),
        decision,
        flags,
      });
    }

    const consents = await this.consents(customerIds, attempts, to, discloseEvidence);
    const optOuts = await this.optOuts(base.scope, customerIds, attemptRows, from, to);
    const proof = await this.proof(base.scope, customerIds, attemptRows, decisionRows, from, to);
    return {
      format: 'callwarden-evidence-pack/1',
      ...base,
      range: { from: iso(from), to: iso(to) },
      consentEvidence: discloseEvidence ? 'included' : 'withheld for your role',
      summary: {
        attempts: attempts.length,
        attemptsWithoutDecision: attempts.filter((a) => a.flags.includes('no_decision')).length,
        replayMismatches: attempts.filter((a) => a.flags.includes('replay_mismatch')).length,
        consents: consents.length,
        consentEvidenceDisclosed: consents.filter((c) => c.evidence !== null).length,
        optOuts: optOuts.length,
        attemptsAfterOptOut: optOuts.reduce((n, o) => n + o.attemptsAfter.length, 0),
      },
      attempts,
      consents,
      optOuts,
      proof,
    };
  }

  private async packDecision(row: DecisionRow, attemptId: string): Promise<PackDecision> {
    const facts = json<StoredFacts>(row.facts);
    const replay = await this.decisions.replayDecision(row.id);
    return {
      id: row.id,
      seq: String(row.seq),
      gate: row.gate,
      decidedAt: iso(row.decided_at),
      allowed: Boolean(row.allowed),
      namesAttempt: row.attempt_id === attemptId,
      ruleSetVersion: Number(row.rule_set_version),
      ruleSetHash: hex(row.rule_set_hash) ?? '',
      checks: json<Check[]>(row.checks).map((c) => ({
        rule: c.rule,
        kind: c.kind,
        passed: c.passed,
        detail: c.detail,
        citation: c.citation ?? null,
      })),
      facts: {
        at: facts.at,
        zones: facts.zones,
        localTimes: facts.localTimes,
        state: facts.state,
        toType: facts.toType,
        consents: facts.consents.map((c) => ({
          id: c.id ?? null,
          evidenceHash: c.evidenceHash ?? null,
          channel: c.channel,
          purpose: c.purpose,
          granted: c.granted,
          at: c.at,
        })),
        bans: facts.bans.map((b) => ({ id: b.id ?? null, channel: b.channel, scope: b.scope })),
        attemptsCounted: facts.attempts.length,
        ceases: facts.ceases,
      },
      replay: replay
        ? {
            matches: replay.matches,
            replayedAllowed: replay.replayedAllowed,
            differences: replay.differences,
          }
        : { matches: false, replayedAllowed: false, differences: ['decision not found'] },
      prevHash: hex(row.prev_hash) ?? '',
      hash: hex(row.hash) ?? '',
    };
  }

  /** The customers' consent history up to the end of the range, and any consent a decision named. */
  private async consents(
    customerIds: string[],
    attempts: PackAttempt[],
    to: Date,
    disclose: boolean,
  ): Promise<PackConsent[]> {
    const reliedOn = new Map<string, string[]>();
    for (const a of attempts)
      for (const c of a.decision?.facts.consents ?? [])
        if (c.id) reliedOn.set(c.id, [...(reliedOn.get(c.id) ?? []), a.decision!.id]);
    const repo = this.dataSource.getRepository(ConsentEntity);
    const rows = customerIds.length
      ? await repo
          .createQueryBuilder('c')
          .where('c.customer_id IN (:...ids) AND c.created_at < :to', { ids: customerIds, to })
          .orderBy('c.effective_at', 'ASC')
          .take(1000)
          .getMany()
      : [];
    const missing = [...reliedOn.keys()].filter((id) => !rows.some((r) => r.id === id));
    if (missing.length) rows.push(...(await repo.findBy({ id: In(missing) })));
    return rows.map((c) => {
      // Decrypted to check it against its hash either way; handed out only when allowed.
      const evidence = c.evidenceCipher ? c.evidence : null;
      const matches =
        evidence !== null && c.evidenceHash
          ? createHash('sha256').update(evidence, 'utf8').digest().equals(c.evidenceHash)
          : null;
      return {
        id: c.id,
        customerId: c.customerId,
        channel: c.channel,
        purpose: c.purpose,
        granted: Boolean(c.granted),
        source: c.source,
        effectiveAt: iso(c.effectiveAt),
        expiresAt: c.expiresAt ? iso(c.expiresAt) : null,
        recordedAt: iso(c.createdAt),
        evidenceHash: hex(c.evidenceHash),
        evidence: disclose && evidence !== null ? parseEvidence(evidence) : null,
        evidenceWithheld: !disclose && evidence !== null,
        evidenceMatchesHash: matches,
        reliedOnBy: reliedOn.get(c.id) ?? [],
      };
    });
  }

  /**
   * Revocations, do-not-contact entries and cease requests received in the range: when each was
   * received, when it took effect (the suppression and the cancellation of pending work commit in
   * the transaction that records it), the pending tasks it cancelled, and any attempt after it.
   */
  private async optOuts(
    scope: EvidenceScope,
    customerIds: string[],
    attempts: AttemptRow[],
    from: Date,
    to: Date,
  ): Promise<PackOptOut[]> {
    if (customerIds.length === 0 && scope.kind !== 'phone') return [];
    const ids = customerIds.length ? customerIds : ['-'];
    const out: PackOptOut[] = [];
    const consents = await this.dataSource
      .getRepository(ConsentEntity)
      .createQueryBuilder('c')
      .where('c.customer_id IN (:...ids) AND c.created_at < :to', { ids, to })
      .orderBy('c.effective_at', 'ASC')
      .take(2000)
      .getMany();
    for (const c of consents) {
      if (c.granted || c.createdAt < from) continue;
      const regrant = consents.find(
        (g) =>
          g.granted &&
          g.customerId === c.customerId &&
          g.channel === c.channel &&
          g.purpose === c.purpose &&
          g.effectiveAt > c.effectiveAt,
      );
      const covered = attempts.filter(
        (a) =>
          a.customer_id === c.customerId &&
          a.channel === c.channel &&
          a.purpose === c.purpose &&
          !a.consumer_initiated &&
          a.occurred_at > c.effectiveAt &&
          (!regrant || a.occurred_at < regrant.effectiveAt),
      );
      out.push(
        await this.optOut(
          'consent_revocation',
          c.id,
          c.customerId,
          c.channel,
          `${c.purpose} consent revoked (${c.source})`,
          c.effectiveAt,
          c.createdAt,
          covered,
          regrant?.effectiveAt ?? null,
        ),
      );
    }

    const phones = await this.dataSource.query<{ phone_bidx: Buffer | null }[]>(
      'SELECT phone_bidx FROM customers WHERE id IN (?)',
      [ids],
    );
    const bidxes = phones.map((p) => p.phone_bidx).filter((b): b is Buffer => !!b);
    if (scope.kind === 'phone') bidxes.push(Buffer.from(scope.ref, 'hex'));
    const dnc = this.dataSource
      .getRepository(DncEntryEntity)
      .createQueryBuilder('d')
      .where('d.created_at >= :from AND d.created_at < :to', { from, to })
      .andWhere(
        bidxes.length
          ? "(d.customer_id IN (:...ids) OR (d.address_kind = 'phone' AND d.address_bidx IN (:...bidxes)))"
          : 'd.customer_id IN (:...ids)',
        { ids, bidxes },
      );
    for (const d of await dnc.orderBy('d.created_at', 'ASC').take(1000).getMany()) {
      const covered = attempts.filter(
        (a) =>
          (d.customerId ? a.customer_id === d.customerId : true) &&
          (d.channel === null || a.channel === d.channel) &&
          !a.consumer_initiated &&
          a.occurred_at > d.createdAt,
      );
      out.push(
        await this.optOut(
          'dnc_entry',
          d.id,
          d.customerId,
          d.channel,
          `${d.scope === 'person' ? 'person' : `${d.addressKind ?? 'address'} number`} on the ${d.list} list (${d.source})`,
          d.createdAt,
          d.createdAt,
          covered,
          null,
        ),
      );
    }

    const ceases = await this.dataSource
      .getRepository(CeaseRequestEntity)
      .createQueryBuilder('r')
      .where('r.customer_id IN (:...ids) AND r.received_at >= :from AND r.received_at < :to', {
        ids,
        from,
        to,
      })
      .orderBy('r.received_at', 'ASC')
      .take(1000)
      .getMany();
    for (const r of ceases) {
      if (scope.kind === 'debt' && r.debtId !== null && r.debtId !== scope.ref) continue;
      const covered = attempts.filter(
        (a) =>
          a.customer_id === r.customerId &&
          a.purpose === 'collection' &&
          (r.debtId === null || a.debt_id === r.debtId) &&
          !a.consumer_initiated &&
          a.occurred_at > r.receivedAt,
      );
      out.push(
        await this.optOut(
          'cease_request',
          r.id,
          r.customerId,
          null,
          `${r.kind.replace(/_/g, ' ')} received by ${r.receivedVia.replace(/_/g, ' ')}${r.debtId ? ` for debt ${r.debtId}` : ' for every debt'}`,
          r.receivedAt,
          r.createdAt,
          covered,
          null,
        ),
      );
    }
    return out.sort((a, b) => a.receivedAt.localeCompare(b.receivedAt));
  }

  private async optOut(
    kind: PackOptOut['kind'],
    id: string,
    customerId: string | null,
    channel: string | null,
    detail: string,
    receivedAt: Date,
    recordedAt: Date,
    covered: AttemptRow[],
    supersededAt: Date | null,
  ): Promise<PackOptOut> {
    // The transaction that recorded it cancelled the pending tasks it covers (same instant).
    const [cancelled] = customerId
      ? await this.dataSource.query<{ n: string; first: Date | null }[]>(
          `SELECT COUNT(*) AS n, MIN(t.updated_at) AS first FROM tasks t
             JOIN campaigns k ON k.id = t.campaign_id
            WHERE t.customer_id = ? AND t.status = 'cancelled'
              AND t.updated_at >= ? AND t.updated_at < ? ${channel ? 'AND k.channel = ?' : ''}`,
          [
            customerId,
            new Date(recordedAt.getTime() - 1000),
            new Date(recordedAt.getTime() + 1000),
            ...(channel ? [channel] : []),
          ],
        )
      : [{ n: '0', first: null }];
    const honouredAt = recordedAt > receivedAt ? recordedAt : receivedAt;
    return {
      kind,
      id,
      customerId,
      channel,
      detail,
      receivedAt: iso(receivedAt),
      recordedAt: iso(recordedAt),
      honouredAt: iso(honouredAt),
      honouredAfterSeconds: Math.max(0, (honouredAt.getTime() - receivedAt.getTime()) / 1000),
      pendingTasksCancelled: Number(cancelled.n),
      pendingTasksCancelledAt: cancelled.first ? iso(cancelled.first) : null,
      attemptsAfter: covered.map((a) => ({
        id: a.id,
        occurredAt: iso(a.occurred_at),
        channel: a.channel,
      })),
      supersededAt: supersededAt ? iso(supersededAt) : null,
    };
  }

  private async proof(
    scope: EvidenceScope,
    customerIds: string[],
    attempts: AttemptRow[],
    decisionRows: DecisionRow[],
    from: Date,
    to: Date,
  ): Promise<EvidencePackContent['proof']> {
    const fromSeq = decisionRows.length ? String(decisionRows[0].seq) : null;
    const chain = fromSeq
      ? await this.decisions.verifyChain(fromSeq)
      : { valid: true, checked: 0, brokenAtSeq: null };
    const tasks = [...new Set(attempts.map((a) => a.task_id).filter((t): t is string => !!t))];
    const resources = [
      { type: 'Customer', ids: customerIds },
      { type: 'Task', ids: tasks },
      { type: 'ContactDecision', ids: decisionRows.map((d) => d.id) },
    ];
    if (scope.kind === 'debt') resources.push({ type: 'Debt', ids: [scope.ref] });
    const entries = await this.audit.chainEntriesAbout(
      resources.filter((r) => r.ids.length > 0),
      from,
      to,
    );
    let checkpoint: EvidencePackContent['proof']['audit']['checkpoint'] = null;
    let verification: EvidencePackContent['proof']['audit']['verification'] = null;
    if (entries.length) {
      const first = entries[0].seq;
      const c = await this.auditVerifier.checkpointCovering(entries[entries.length - 1].seq);
      checkpoint = { ...c, createdAt: iso(c.createdAt) };
      const v = await this.auditVerifier.verify(first, c.uptoSeq);
      verification = v.ok
        ? { ok: true, checked: v.checked, fromSeq: first, toSeq: c.uptoSeq }
        : { ok: false, checked: v.checked, brokenAt: v.brokenAt, reason: v.reason };
    }
    return {
      decisions: {
        chain: { ...chain, fromSeq },
        rows: decisionRows.map((d) => ({
          id: d.id,
          seq: String(d.seq),
          prevHash: hex(d.prev_hash) ?? '',
          hash: hex(d.hash) ?? '',
        })),
        howToVerify: DECISION_PROOF_HOWTO,
      },
      audit: {
        entries: entries.map((e) => ({ ...e, occurredAt: iso(e.occurredAt) })),
        checkpoint,
        verification,
        howToVerify: AUDIT_PROOF_HOWTO,
      },
    };
  }
}

function parseEvidence(text: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(text);
    return v && typeof v === 'object' && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : { value: v };
  } catch {
    return { text };
  }
}
