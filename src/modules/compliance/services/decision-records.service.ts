import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DateTime } from 'luxon';
import { DataSource, EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { canonicalJson } from '../../audit';
import { evaluate } from '../rules/engine';
import type { Check, ContactFacts, Decision, RuleSet } from '../rules/types';

/** The gates whose decisions are kept: each lets a real contact happen (or refuses it). */
export type DecisionGate = 'task_start' | 'send' | 'delivery' | 'launch';

export interface DecisionContext {
  gate: DecisionGate;
  customerId: string;
  taskId?: string | null;
  campaignId?: string | null;
  messageId?: string | null;
  /** The contact attempt an allowing decision authorises (its id is chosen before it is logged). */
  attemptId?: string | null;
}

/** What a decision row keeps: the facts, by reference only (ids, hashes, zones, times). */
export interface StoredFacts extends Omit<
  ContactFacts,
  'at' | 'consents' | 'bans' | 'attempts' | 'ceases'
> {
  at: string;
  /** The consumer's local time in each candidate zone at the moment of the decision. */
  localTimes: Record<string, string>;
  consents: (Omit<ContactFacts['consents'][number], 'at' | 'expiresAt'> & {
    at: string;
    expiresAt: string | null;
  })[];
  /** Bans by id, without their free-text reason. */
  bans: Omit<ContactFacts['bans'][number], 'reason'>[];
  attempts: (Omit<ContactFacts['attempts'][number], 'at'> & { at: string })[];
  ceases: { debtId: string | null; at: string }[];
}

export interface ReplayResult {
  decisionId: string;
  attemptId: string | null;
  ruleSetVersion: number;
  recordedAllowed: boolean;
  replayedAllowed: boolean;
  matches: boolean;
  /** Checks whose outcome differs on replay (empty when it matches). */
  differences: string[];
}

export interface ChainVerification {
  valid: boolean;
  checked: number;
  /** The first row whose hash or link does not hold. */
  brokenAtSeq: string | null;
}

interface DecisionRow {
  seq: string;
  id: string;
  decided_at: Date;
  gate: DecisionGate;
  customer_id: string;
  debt_id: string | null;
  task_id: string | null;
  campaign_id: string | null;
  message_id: string | null;
  attempt_id: string | null;
  channel: string;
  purpose: string;
  allowed: number;
  rule_set_version: number;
  rule_set_hash: Buffer;
  facts: string | StoredFacts;
  checks: string | Check[];
  prev_hash: Buffer;
  hash: Buffer;
}

const hexOf = (b: Buffer) => b.toString('hex');
const json = <T>(v: string | T): T => (typeof v === 'string' ? (JSON.parse(v) as T) : v);

/** The content address of a rule set: the SHA-256 of its canonical JSON. */
export function ruleSetHash(rules: RuleSet): Buffer {
  return createHash('sha256').update(canonicalJson(rules), 'utf8').digest();
}

/** The facts as a decision row keeps them (plain JSON, personal data by reference only). */
export function storeFacts(facts: ContactFacts): StoredFacts {
  const localTimes: Record<string, string> = {};
  for (const zone of facts.zones)
    localTimes[zone] = DateTime.fromJSDate(facts.at, { zone }).toFormat('ccc yyyy-MM-dd HH:mm ZZ');
  const stored: StoredFacts = {
    ...facts,
    at: facts.at.toISOString(),
    localTimes,
    consents: facts.consents.map((c) => ({
      ...c,
      at: c.at.toISOString(),
      expiresAt: c.expiresAt ? c.expiresAt.toISOString() : null,
    })),
    bans: facts.bans.map(({ reason: _reason, ...ban }) => ban),
    attempts: facts.attempts.map((a) => ({ ...a, at: a.at.toISOString() })),
    ceases: (facts.ceases ?? []).map((c) => ({ debtId: c.debtId, at: c.at.toISOString() })),
  };
  // Exactly what JSON keeps (no undefined members), so the hash of the row read back is the same.
  return JSON.parse(JSON.stringify(stored)) as StoredFacts;
}

/** The facts back as the engine takes them. */
export function reviveFacts(stored: StoredFacts): ContactFacts {
  const { localTimes: _localTimes, ...rest } = stored;
  return {
    ...rest,
    at: new Date(stored.at),
    consents: stored.consents.map((c) => ({
      ...c,
      at: new Date(c.at),
      expiresAt: c.expiresAt ? new Date(c.expiresAt) : null,
    })),
    bans: stored.bans.map((b) => ({ ...b })),
    attempts: stored.attempts.map((a) => ({ ...a, at: new Date(a.at) })),
    ceases: stored.ceases.map((c) => ({ debtId: c.debtId, at: new Date(c.at) })),
  };
}

/** What the chain covers of a row: every column but the hashes themselves. */
function rowHash(prev: Buffer, r: Omit<DecisionRow, 'prev_hash' | 'hash'>): Buffer {
  const canonical = canonicalJson({
    seq: String(r.seq),
    id: r.id,
    decidedAt: r.decided_at.toISOString(),
    gate: r.gate,
    customerId: r.customer_id,
    debtId: r.debt_id,
    taskId: r.task_id,
    campaignId: r.campaign_id,
    messageId: r.message_id,
    attemptId: r.attempt_id,
    channel: r.channel,
    purpose: r.purpose,
    allowed: Boolean(r.allowed),
    ruleSetVersion: Number(r.rule_set_version),
    ruleSetHash: hexOf(r.rule_set_hash),
    facts: json(r.facts),
    checks: json(r.checks),
  });
  return createHash('sha256').update(prev).update(canonical, 'utf8').digest();
}

/** Only what a check concluded: the detail text may be worded differently by a later release. */
const outcomes = (checks: Check[]) => checks.map((c) => `${c.rule}:${c.passed ? 'pass' : 'fail'}`);

/**
 * Contact decision provenance: every rule set decided under is kept, read-only, by content hash
 * (an edit is a new version); every decision that gates a contact is kept with its facts, the rule
 * set's version and hash, each check's outcome and the attempt it authorised, append-only and
 * hash-chained (appends serialize on a head row, like the audit log). A decision can be replayed
 * under the rules it was made with, and the chain verified.
 */
@Injectable()
export class DecisionRecordsService {
  private readonly versions = new Map<string, number>();

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * The version of a rule set: looked up by content hash, created on first sight (in its own
   * statement, so a version outlives a refused contact's rollback). Cached in memory: versions
   * never change.
   */
  async versionOf(
    rules: RuleSet,
    createdBy: string | null = null,
  ): Promise<{ version: number; hash: Buffer }> {
    const hash = ruleSetHash(rules);
    const cached = this.versions.get(hexOf(hash));
    if (cached !== undefined) return { version: cached, hash };
    await this.dataSource.query(
      `INSERT IGNORE INTO rule_set_versions (content_hash, label, content, created_at, created_by)
       VALUES (?, ?, ?, NOW(3), ?)`,
      [hash, String(rules.version).slice(0, 64), canonicalJson(rules), createdBy],
    );
    const [row] = await this.dataSource.query<{ version: number }[]>(
      'SELECT version FROM rule_set_versions WHERE content_hash = ?',
      [hash],
    );
    this.versions.set(hexOf(hash), Number(row.version));
    return { version: Number(row.version), hash };
  }

  async ruleSetOfVersion(version: number): Promise<RuleSet | null> {
    const [row] = await this.dataSource.query<{ content: string | RuleSet }[]>(
      'SELECT content FROM rule_set_versions WHERE version = ?',
      [version],
    );
    return row ? json(row.content) : null;
  }

  listVersions(): Promise<
    { version: number; label: string; hash: Buffer; createdAt: Date; createdBy: string | null }[]
  > {
    return this.dataSource.query(
      `SELECT version, label, content_hash AS hash, created_at AS createdAt, created_by AS createdBy
         FROM rule_set_versions ORDER BY version DESC LIMIT 200`,
    );
  }

  /**
   * Appends decisions in the caller's transaction (they commit or roll back with it). Returns
   * their ids, in order.
   */
  async record(
    m: EntityManager,
    entries: { context: DecisionContext; facts: ContactFacts; decision: Decision }[],
    rules: RuleSet,
  ): Promise<string[]> {
    if (entries.length === 0) return [];
    const { version, hash: rulesHash } = await this.versionOf(rules);
    const [head] = await m.query<{ last_seq: string; last_hash: Buffer }[]>(
      'SELECT last_seq, last_hash FROM contact_decision_head WHERE id = 1 FOR UPDATE',
    );
    let seq = BigInt(head.last_seq);
    let prev = head.last_hash;
    const now = new Date();
    const rows: DecisionRow[] = [];
    for (const { context, facts, decision } of entries) {
      seq += 1n;
      const row: Omit<DecisionRow, 'prev_hash' | 'hash'> = {
        seq: seq.toString(),
        id: uuidv7(),
        decided_at: now,
        gate: context.gate,
        customer_id: context.customerId,
        debt_id: facts.debtId ?? null,
        task_id: context.taskId ?? null,
        campaign_id: context.campaignId ?? null,
        message_id: context.messageId ?? null,
        attempt_id: decision.allowed ? (context.attemptId ?? null) : null,
        channel: facts.channel,
        purpose: facts.purpose,
        allowed: decision.allowed ? 1 : 0,
        rule_set_version: version,
        rule_set_hash: rulesHash,
        facts: storeFacts(facts),
        checks: JSON.parse(JSON.stringify(decision.checks)) as Check[],
      };
      const hash = rowHash(prev, row);
      rows.push({ ...row, prev_hash: prev, hash });
      prev = hash;
    }
    const columns = Object.keys(rows[0]) as (keyof DecisionRow)[];
    await m.query(`INSERT INTO contact_decisions (${columns.join(', ')}) VALUES ?`, [
      rows.map((r) =>
        columns.map((c) =>
          c === 'facts' || c === 'checks' ? JSON.stringify(r[c]) : (r[c] as unknown),
        ),
      ),
    ]);
    await m.query('UPDATE contact_decision_head SET last_seq = ?, last_hash = ? WHERE id = 1', [
      seq.toString(),
      prev,
    ]);
    return rows.map((r) => r.id);
  }

  /**
   * The decision a contact may proceed on: allowing, for this customer and channel, made no more
   * than `maxAgeMs` before `at`. Read in the caller's transaction; false otherwise.
   */
  async isFresh(
    m: EntityManager,
    decisionId: string | null | undefined,
    expected: { customerId: string; channel: string; at: Date; maxAgeMs: number },
  ): Promise<boolean> {
    if (!decisionId) return false;
    const [row] = await m.query<
      { allowed: number; decided_at: Date; customer_id: string; channel: string }[]
    >('SELECT allowed, decided_at, customer_id, channel FROM contact_decisions WHERE id = ?', [
      decisionId,
    ]);
    if (!row || !row.allowed) return false;
    if (row.customer_id !== expected.customerId || row.channel !== expected.channel) return false;
    const age = expected.at.getTime() - new Date(row.decided_at).getTime();
    return age >= -1000 && age <= expected.maxAgeMs;
  }

  /** Re-evaluates a contact attempt's decision from its stored facts under its stored rule set. */
  async replay(attemptId: string): Promise<ReplayResult | null> {
    const [row] = await this.dataSource.query<DecisionRow[]>(
      `SELECT d.* FROM contact_attempts a JOIN contact_decisions d ON d.id = a.decision_id
        WHERE a.id = ?`,
      [attemptId],
    );
    if (!row) return null;
    return this.replayRow(row);
  }

  async replayDecision(decisionId: string): Promise<ReplayResult | null> {
    const [row] = await this.dataSource.query<DecisionRow[]>(
      'SELECT * FROM contact_decisions WHERE id = ?',
      [decisionId],
    );
    return row ? this.replayRow(row) : null;
  }

  private async replayRow(row: DecisionRow): Promise<ReplayResult> {
    const rules = await this.ruleSetOfVersion(Number(row.rule_set_version));
    const recorded = json<Check[]>(row.checks);
    const replayed: Decision | null =
      rules && ruleSetHash(rules).equals(row.rule_set_hash)
        ? evaluate(reviveFacts(json<StoredFacts>(row.facts)), rules)
        : null;
    const before = outcomes(recorded);
    const after = replayed ? outcomes(replayed.checks) : [];
    const differences = replayed
      ? [
          ...before.filter((c) => !after.includes(c)).map((c) => `recorded ${c}`),
          ...after.filter((c) => !before.includes(c)).map((c) => `replayed ${c}`),
        ]
      : [`rule set version ${row.rule_set_version} is missing or does not match its hash`];
    const replayedAllowed = replayed?.allowed ?? false;
    return {
      decisionId: row.id,
      attemptId: row.attempt_id,
      ruleSetVersion: Number(row.rule_set_version),
      recordedAllowed: Boolean(row.allowed),
      replayedAllowed,
      matches: differences.length === 0 && replayedAllowed === Boolean(row.allowed),
      differences,
    };
  }

  /** Recomputes the chain from `fromSeq` (default: the start), a page at a time. */
  async verifyChain(fromSeq = '1', toSeq?: string): Promise<ChainVerification> {
    let checked = 0;
    let after = (BigInt(fromSeq) - 1n).toString();
    let prev: Buffer | null = null;
    for (;;) {
      const page = await this.dataSource.query<DecisionRow[]>(
        `SELECT * FROM contact_decisions WHERE seq > ? ${toSeq ? 'AND seq <= ?' : ''}
          ORDER BY seq LIMIT 1000`,
        toSeq ? [after, toSeq] : [after],
      );
      for (const row of page) {
        // The first row links to whatever precedes it (a purge may have removed older rows).
        const link: Buffer = prev ?? row.prev_hash;
        if (!row.prev_hash.equals(link) || !rowHash(link, row).equals(row.hash))
          return { valid: false, checked, brokenAtSeq: String(row.seq) };
        prev = row.hash;
        checked++;
      }
      if (page.length < 1000) break;
      after = String(page[page.length - 1].seq);
    }
    if (!toSeq && prev) {
      const [head] = await this.dataSource.query<{ last_seq: string; last_hash: Buffer }[]>(
        'SELECT last_seq, last_hash FROM contact_decision_head WHERE id = 1',
      );
      // The newest rows cannot be cut off unseen: the head names the last hash.
      if (!head.last_hash.equals(prev))
        return { valid: false, checked, brokenAtSeq: String(head.last_seq) };
    }
    return { valid: true, checked, brokenAtSeq: null };
  }

  /** Outbound attempts logged without a decision (there should be none). */
  attemptsWithoutDecision(
    from: Date,
    to: Date,
  ): Promise<{ id: string; customerId: string; channel: string; occurredAt: Date }[]> {
    return this.dataSource.query(
      `SELECT id, customer_id AS customerId, channel, occurred_at AS occurredAt
         FROM contact_attempts
        WHERE occurred_at >= ? AND occurred_at < ? AND decision_id IS NULL
          AND consumer_initiated = 0
        ORDER BY occurred_at LIMIT 1000`,
      [from, to],
    );
  }
}
