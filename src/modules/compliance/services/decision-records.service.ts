import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DateTime } from 'luxon';
import { DataSource, EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { canonicalJson } from '../../audit';
import { decodeMember, encodePages } from '../rules/decision-page';
import type { PageFacts } from '../rules/decision-page';
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
  /** A page row's entries (see recordPage), else null. */
  entries: Buffer | null;
  entry_count: number | null;
  prev_hash: Buffer;
  hash: Buffer;
}

const hexOf = (b: Buffer) => b.toString('hex');
const sha256Hex = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const GENESIS = Buffer.alloc(32);
const json = <T>(v: string | T): T => (typeof v === 'string' ? (JSON.parse(v) as T) : v);

/** The content address of a rule set: the SHA-256 of its canonical JSON. */
export function ruleSetHash(rules: RuleSet): Buffer {
  return createHash('sha256').update(canonicalJson(rules), 'utf8').digest();
}

/** A zone's local time at `at`, as a decision row keeps it. */
function localTimeIn(at: Date, zone: string): string {
  return DateTime.fromJSDate(at, { zone }).toFormat('ccc yyyy-MM-dd HH:mm ZZ');
}

/** The facts as kept, before JSON (dates as ISO text; members may still be undefined). */
function storedFactsOf(
  facts: ContactFacts,
  localTime: (at: Date, zone: string) => string = localTimeIn,
  at: string = facts.at.toISOString(),
): StoredFacts {
  const localTimes: Record<string, string> = {};
  for (const zone of facts.zones) localTimes[zone] = localTime(facts.at, zone);
  return {
    ...facts,
    at,
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
}

/** The facts as a decision row keeps them (plain JSON, personal data by reference only). */
export function storeFacts(facts: ContactFacts): StoredFacts {
  // Exactly what JSON keeps (no undefined members), so the hash of the row read back is the same.
  return JSON.parse(JSON.stringify(storedFactsOf(facts))) as StoredFacts;
}

/** canonicalJson of what JSON keeps of `value`, or undefined where JSON leaves it out. */
function canonicalOf(value: unknown): string | undefined {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
    case 'bigint':
      return JSON.stringify(value);
    case 'object': {
      const toJSON = (value as { toJSON?: unknown }).toJSON;
      if (typeof toJSON === 'function') return canonicalOf((toJSON as () => unknown).call(value));
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++)
          out += `${i ? ',' : ''}${canonicalOf(value[i] as unknown) ?? 'null'}`;
        return `${out}]`;
      }
      const record = value as Record<string, unknown>;
      let out = '{';
      for (const key of Object.keys(record).sort()) {
        const text = canonicalOf(record[key]);
        if (text !== undefined) out += `${out.length > 1 ? ',' : ''}${JSON.stringify(key)}:${text}`;
      }
      return `${out}}`;
    }
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
  }
}

/**
 * `canonicalJson(JSON.parse(JSON.stringify(value)))` in one pass: the canonical text of what a
 * JSON column keeps of `value` (dates through toJSON, undefined members left out).
 */
export function canonicalJsonOfPlain(value: unknown): string {
  return canonicalOf(value) ?? 'null';
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

/** What the chain covers of a row besides its facts and checks (every column but the hashes). */
interface ChainFields {
  seq: string;
  id: string;
  decidedAt: string;
  gate: string;
  /** Null for a page row. */
  customerId: string | null;
  debtId: string | null;
  taskId: string | null;
  campaignId: string | null;
  messageId: string | null;
  attemptId: string | null;
  channel: string;
  purpose: string;
  allowed: boolean;
  ruleSetVersion: number;
  ruleSetHash: string;
  /** A page row's entries: the SHA-256 of their bytes, and how many. Left out of other rows' text. */
  entriesHash?: string | null;
  entryCount?: number | null;
}

/** Keys a row's chain text names only when set (page rows), so older rows hash as they always did. */
const OPTIONAL_KEYS = new Set<string>(['entriesHash', 'entryCount']);

const CHAIN_KEYS = [
  ...(
    [
      'seq',
      'id',
      'decidedAt',
      'gate',
      'customerId',
      'debtId',
      'taskId',
      'campaignId',
      'messageId',
      'attemptId',
      'channel',
      'purpose',
      'allowed',
      'ruleSetVersion',
      'ruleSetHash',
      'entriesHash',
      'entryCount',
    ] satisfies (keyof ChainFields)[]
  ).map((key) => ({ key, label: `${JSON.stringify(key)}:` })),
  { key: 'facts' as const, label: '"facts":' },
  { key: 'checks' as const, label: '"checks":' },
].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));

/**
 * The text a row's hash covers: canonicalJson of its fields with the facts and checks given as
 * their canonical JSON (so a row being written serializes them once, for the hash and the insert).
 */
function chainText(fields: ChainFields, facts: string, checks: string): string {
  let out = '{';
  for (const { key, label } of CHAIN_KEYS) {
    if (OPTIONAL_KEYS.has(key) && (fields[key as keyof ChainFields] ?? null) === null) continue;
    const text =
      key === 'facts' ? facts : key === 'checks' ? checks : JSON.stringify(fields[key] ?? null);
    out += `${out.length > 1 ? ',' : ''}${label}${text}`;
  }
  return `${out}}`;
}

const chainHash = (prev: Buffer, text: string): Buffer =>
  createHash('sha256').update(prev).update(text, 'utf8').digest();

/** What the chain covers of a row: every column but the hashes themselves. */
function rowHash(prev: Buffer, r: Omit<DecisionRow, 'prev_hash' | 'hash'>): Buffer {
  const fields: ChainFields = {
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
    entriesHash: r.entries ? sha256Hex(r.entries) : null,
    entryCount: r.entries ? Number(r.entry_count) : null,
  };
  return chainHash(
    prev,
    chainText(fields, canonicalJsonOfPlain(json(r.facts)), canonicalJsonOfPlain(json(r.checks))),
  );
}

/** The columns an append writes, in order. */
const COLUMNS = [
  'seq',
  'id',
  'decided_at',
  'gate',
  'customer_id',
  'debt_id',
  'task_id',
  'campaign_id',
  'message_id',
  'attempt_id',
  'channel',
  'purpose',
  'allowed',
  'rule_set_version',
  'rule_set_hash',
  'facts',
  'checks',
  'prev_hash',
  'hash',
] as const;
/**
 * Statement size of a multi-row append: well under MariaDB's default max_allowed_packet (16 MiB)
 * once escaped (a 10,000-row launch page is about 20 MB of JSON), large enough that a statement
 * costs far more than its round trip.
 */
const INSERT_BYTES = 2 * 2 ** 20;
/** A row's columns besides its facts and checks, escaped, and the separators. */
const ROW_OVERHEAD_BYTES = 400;

/**
 * Audience members per page row: a launch page (10,000) is one row. An entry is about 180 bytes
 * (more for a member with many consents or counted attempts: a few kB at worst), sent as bytes, so
 * a row's statement stays well under MariaDB's default max_allowed_packet (16 MiB).
 */
const PAGE_ROW_ENTRIES = 10_000;
const PAGE_ROW_BYTES = 8 * 2 ** 20;

/** The driver connection under a transaction's manager (mysql2's, with its binary protocol). */
interface BinaryConnection {
  execute(sql: string, values: unknown[], done: (error: Error | null) => void): void;
}

/**
 * A statement through the binary (prepared statement) protocol on the transaction's own connection:
 * large byte values go as they are, where `query` would send them as hex text for the server to parse
 * back (about 35 ns a byte on the bench box: most of a page row's cost).
 */
function executeBinary(m: EntityManager, sql: string, values: unknown[]): Promise<void> {
  const connection = (
    m.queryRunner as unknown as { databaseConnection?: Partial<BinaryConnection> }
  )?.databaseConnection;
  if (typeof connection?.execute !== 'function') return m.query(sql, values).then(() => undefined);
  const execute: BinaryConnection['execute'] = connection.execute.bind(connection);
  return new Promise<void>((resolve, reject) =>
    execute(sql, values, (error) => (error ? reject(error) : resolve())),
  );
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
    let { seq, prev } = await this.lockHead(m);
    const now = new Date();
    // Shared by every row of the append: the instant, the rule set, the local times of a zone.
    const decidedAt = now.toISOString();
    const ruleSetHex = hexOf(rulesHash);
    const localTimes = new Map<string, string>();
    const localTime = (at: Date, zone: string) => {
      const key = `${at.getTime()} ${zone}`;
      let text = localTimes.get(key);
      if (text === undefined) localTimes.set(key, (text = localTimeIn(at, zone)));
      return text;
    };
    const atIso = new Map<number, string>();
    const ids: string[] = [];
    const sql = `INSERT INTO contact_decisions (${COLUMNS.join(', ')}) VALUES ?`;
    let chunk: unknown[][] = [];
    let chunkBytes = 0;
    let sending: Promise<unknown> = Promise.resolve();
    // One statement in flight while the next rows are hashed: the server inserts as we go.
    const send = async () => {
      await sending;
      const sent = m.query(sql, [chunk]);
      sent.catch(() => undefined); // awaited before the next statement or the head update
      sending = sent;
      chunk = [];
      chunkBytes = 0;
      await new Promise((resolve) => setImmediate(resolve));
    };
    for (const { context, facts, decision } of entries) {
      seq += 1n;
      const at = facts.at.getTime();
      let iso = atIso.get(at);
      if (iso === undefined) atIso.set(at, (iso = facts.at.toISOString()));
      // The facts and checks serialized once, canonically: the hash covers this text and the
      // JSON column keeps it (the same value as JSON; members in key order).
      const factsText = canonicalJsonOfPlain(storedFactsOf(facts, localTime, iso));
      const checksText = canonicalJsonOfPlain(decision.checks);
      const fields: ChainFields = {
        seq: seq.toString(),
        id: uuidv7(),
        decidedAt,
        gate: context.gate,
        customerId: context.customerId,
        debtId: facts.debtId ?? null,
        taskId: context.taskId ?? null,
        campaignId: context.campaignId ?? null,
        messageId: context.messageId ?? null,
        attemptId: decision.allowed ? (context.attemptId ?? null) : null,
        channel: facts.channel,
        purpose: facts.purpose,
        allowed: decision.allowed,
        ruleSetVersion: version,
        ruleSetHash: ruleSetHex,
      };
      const hash = chainHash(prev, chainText(fields, factsText, checksText));
      chunk.push([
        fields.seq,
        fields.id,
        now,
        fields.gate,
        fields.customerId,
        fields.debtId,
        fields.taskId,
        fields.campaignId,
        fields.messageId,
        fields.attemptId,
        fields.channel,
        fields.purpose,
        fields.allowed ? 1 : 0,
        version,
        rulesHash,
        // As bytes (sent as a hex literal, stored as the same UTF-8 text): escaping ~2 kB of
        // quote-heavy JSON per row costs the client more than the doubled bytes on the wire.
        Buffer.from(factsText, 'utf8'),
        Buffer.from(checksText, 'utf8'),
        prev,
        hash,
      ]);
      ids.push(fields.id);
      prev = hash;
      chunkBytes += factsText.length + checksText.length + ROW_OVERHEAD_BYTES;
      if (chunkBytes >= INSERT_BYTES) await send();
    }
    if (chunk.length) await send();
    await sending;
    await this.moveHead(m, seq, prev);
    return ids;
  }

  /**
   * Appends a launch page's decisions as page rows (up to PAGE_ROW_ENTRIES audience members each)
   * in the caller's transaction: each row keeps what its entries share once (the instant, every
   * zone's local time then, channel, purpose, campaign, the rule set) and the entries as one JSON
   * document of bytes that the chain covers by its SHA-256. A launch decides the whole audience at
   * one instant under one rule set; kept as one row per member, that shared part was most of each
   * row and the append cost four times the decisions themselves (issue #20's launch bench). A page
   * row is no decision a contact can proceed on (it names no customer: isFresh refuses it); the
   * task start and the send keep their own rows. Returns the row id of each entry, in order.
   */
  async recordPage(
    m: EntityManager,
    entries: { context: DecisionContext; facts: ContactFacts; decision: Decision }[],
    rules: RuleSet,
  ): Promise<string[]> {
    if (entries.length === 0) return [];
    const first = entries[0];
    const { version, hash: rulesHash } = await this.versionOf(rules);
    const ids: string[] = [];
    const localTimes = new Map<string, string>();
    const localTime = (at: Date, zone: string) => {
      let text = localTimes.get(zone);
      if (text === undefined) localTimes.set(zone, (text = localTimeIn(at, zone)));
      return text;
    };
    const members = entries.map(({ context, facts, decision }) => {
      if (context.gate !== first.context.gate || context.campaignId !== first.context.campaignId)
        throw new Error('a page row holds the decisions of one gate and campaign');
      return {
        customerId: context.customerId,
        taskId: context.taskId ?? null,
        facts,
        allowed: decision.allowed,
        checks: decision.checks,
      };
    });
    const rows = encodePages(members, localTime, {
      entries: PAGE_ROW_ENTRIES,
      bytes: PAGE_ROW_BYTES,
    }).map((row) => ({ ...row, id: uuidv7() }));
    for (const row of rows) for (let i = 0; i < row.count; i++) ids.push(row.id);
    let { seq, prev } = await this.lockHead(m);
    const now = new Date();
    const values: unknown[][] = [];
    for (const row of rows) {
      seq += 1n;
      const factsText = canonicalJsonOfPlain(row.page);
      const fields: ChainFields = {
        seq: seq.toString(),
        id: row.id,
        decidedAt: now.toISOString(),
        gate: first.context.gate,
        customerId: null,
        debtId: null,
        taskId: null,
        campaignId: first.context.campaignId ?? null,
        messageId: null,
        attemptId: null,
        channel: first.facts.channel,
        purpose: first.facts.purpose,
        allowed: false,
        ruleSetVersion: version,
        ruleSetHash: hexOf(rulesHash),
        entriesHash: sha256Hex(row.body),
        entryCount: row.count,
      };
      const hash = chainHash(prev, chainText(fields, factsText, '[]'));
      values.push([
        fields.seq,
        fields.id,
        now,
        fields.gate,
        null,
        fields.campaignId,
        fields.channel,
        fields.purpose,
        0,
        version,
        rulesHash,
        factsText,
        '[]',
        row.body,
        row.count,
        prev,
        hash,
      ]);
      prev = hash;
    }
    // One statement per row: each is about a megabyte, sent as bytes.
    for (const v of values)
      await executeBinary(
        m,
        `INSERT INTO contact_decisions (seq, id, decided_at, gate, customer_id, campaign_id, channel,
           purpose, allowed, rule_set_version, rule_set_hash, facts, checks, entries, entry_count,
           prev_hash, hash) VALUES (${v.map(() => '?').join(', ')})`,
        v,
      );
    await this.moveHead(m, seq, prev);
    return ids;
  }

  /** The chain's head, locked until the caller's transaction ends: appends serialize on it. */
  private async lockHead(m: EntityManager): Promise<{ seq: bigint; prev: Buffer }> {
    const [head] = await m.query<{ last_seq: string; last_hash: Buffer }[]>(
      'SELECT last_seq, last_hash FROM contact_decision_head WHERE id = 1 FOR UPDATE',
    );
    return { seq: BigInt(head.last_seq), prev: head.last_hash };
  }

  /** The head names the last row appended, in the appending transaction. */
  private async moveHead(m: EntityManager, seq: bigint, last: Buffer): Promise<void> {
    await m.query('UPDATE contact_decision_head SET last_seq = ?, last_hash = ? WHERE id = 1', [
      seq.toString(),
      last,
    ]);
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

  /**
   * Replays a kept decision; for a page row (a launch), the decision about `customerId` in it
   * (null when the row has none about them).
   */
  async replayDecision(decisionId: string, customerId?: string): Promise<ReplayResult | null> {
    const [row] = await this.dataSource.query<DecisionRow[]>(
      'SELECT * FROM contact_decisions WHERE id = ?',
      [decisionId],
    );
    if (!row) return null;
    if (!row.entries) return this.replayRow(row);
    const member = customerId
      ? decodeMember(json<PageFacts>(row.facts as string | PageFacts), row.entries, customerId)
      : null;
    if (!member) return null;
    return this.replayRow(
      { ...row, allowed: member.allowed ? 1 : 0, facts: storeFacts(member.facts), checks: [] },
      member.outcomes,
    );
  }

  /** `recordedOutcomes`: a page entry's outcomes, where the row has no checks of its own. */
  private async replayRow(row: DecisionRow, recordedOutcomes?: string[]): Promise<ReplayResult> {
    const rules = await this.ruleSetOfVersion(Number(row.rule_set_version));
    const replayed: Decision | null =
      rules && ruleSetHash(rules).equals(row.rule_set_hash)
        ? evaluate(reviveFacts(json<StoredFacts>(row.facts)), rules)
        : null;
    const before = recordedOutcomes ?? outcomes(json<Check[]>(row.checks));
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

  /**
   * Recomputes the chain from `fromSeq` (default: its start), a page at a time. From its start,
   * the first row must link to the genesis hash, or to the last row the retention purge removed
   * (so rows cut from the start any other way are found).
   */
  async verifyChain(fromSeq?: string, toSeq?: string): Promise<ChainVerification> {
    let checked = 0;
    let after = fromSeq ? (BigInt(fromSeq) - 1n).toString() : '0';
    let prev: Buffer | null = null;
    if (!fromSeq) {
      const [head] = await this.dataSource.query<
        { purged_upto_seq: string; purged_upto_hash: Buffer | null }[]
      >('SELECT purged_upto_seq, purged_upto_hash FROM contact_decision_head WHERE id = 1');
      prev = head.purged_upto_hash ?? GENESIS;
    }
    for (;;) {
      const page = await this.dataSource.query<DecisionRow[]>(
        `SELECT * FROM contact_decisions WHERE seq > ? ${toSeq ? 'AND seq <= ?' : ''}
          ORDER BY seq LIMIT 1000`,
        toSeq ? [after, toSeq] : [after],
      );
      for (const row of page) {
        // From a given seq on, the first row's own link is taken as given.
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

  /**
   * The retention purge's part: decisions made before `cutoff` whose attempt (if they name one) is
   * gone, removed from the start of the chain and only as a prefix (the first row that is newer or
   * whose attempt is kept, e.g. under a legal hold, ends it), in `batch`-row statements on the
   * purge's own connection. The head then names the last removed row, where the chain now starts.
   * Run after the attempts' own purge with the same cut-off.
   */
  async purgeBefore(
    db: EntityManager,
    cutoff: Date,
    onBatch: (m: EntityManager, removed: number, ms: number) => Promise<void> = () =>
      Promise.resolve(),
    batch = 1000,
  ): Promise<number> {
    const last = await this.purgeableUpto(db, cutoff, false);
    if (last === null) return 0;
    let removed = 0;
    await db.query('SET @callwarden_decision_purge = 1');
    try {
      for (;;) {
        const started = performance.now();
        // Each batch and the new start of the chain commit together: a crash between batches
        // leaves a chain that still verifies.
        const n = await db.transaction(async (m) => {
          const [end] = await m.query<{ seq: string; hash: Buffer }[]>(
            `SELECT seq, hash FROM contact_decisions WHERE seq <= ?
              ORDER BY seq LIMIT 1 OFFSET ${batch - 1}`,
            [last],
          );
          const upto =
            end ??
            (
              await m.query<{ seq: string; hash: Buffer }[]>(
                'SELECT seq, hash FROM contact_decisions WHERE seq <= ? ORDER BY seq DESC LIMIT 1',
                [last],
              )
            )[0];
          if (!upto) return 0;
          const result = await m.query<{ affectedRows: number }>(
            'DELETE FROM contact_decisions WHERE seq <= ?',
            [upto.seq],
          );
          await m.query(
            'UPDATE contact_decision_head SET purged_upto_seq = ?, purged_upto_hash = ? WHERE id = 1',
            [upto.seq, upto.hash],
          );
          await onBatch(m, result.affectedRows, performance.now() - started);
          return result.affectedRows;
        });
        removed += n;
        if (n < batch) break;
      }
    } finally {
      await db.query('SET @callwarden_decision_purge = 0');
    }
    return removed;
  }

  /**
   * What purgeBefore would remove at `cutoff`, counted before the attempts' purge has run: an
   * attempt counts as gone when that purge would remove it (older than the cut-off and its
   * customer under no active legal hold).
   */
  async countPurgeable(cutoff: Date): Promise<number> {
    const last = await this.purgeableUpto(this.dataSource.manager, cutoff, true);
    if (last === null) return 0;
    const [row] = await this.dataSource.query<{ n: string }[]>(
      'SELECT COUNT(*) AS n FROM contact_decisions WHERE seq <= ?',
      [last],
    );
    return Number(row.n);
  }

  /** The last seq of the purgeable prefix, or null when there is none. */
  private async purgeableUpto(
    m: EntityManager,
    cutoff: Date,
    attemptsNotYetPurged: boolean,
  ): Promise<string | null> {
    // The attempts that stay among those a decision before the cut-off can name: an attempt is
    // logged at its gate (occurred_at is the decision's moment, by the same clock), so those are
    // the attempts older than a day past the cut-off. The set is read once (its partitions only,
    // pruned by occurred_at), not probed per decision: contact_attempts is partitioned by month
    // and a lookup by id alone would visit every partition. All of those left after the attempts'
    // purge ran; before it, those it would keep (newer than the cut-off, or held).
    const window = new Date(cutoff.getTime() + 86_400_000);
    const stays = attemptsNotYetPurged
      ? `AND (a.occurred_at >= ? OR EXISTS (SELECT 1 FROM legal_holds h
           WHERE h.customer_id = a.customer_id AND h.released_at IS NULL
             AND (h.expires_at IS NULL OR h.expires_at > NOW(3))))`
      : '';
    const [stop] = await m.query<{ seq: string }[]>(
      `SELECT d.seq FROM contact_decisions d
        WHERE d.decided_at >= ?
           OR d.attempt_id IN (SELECT a.id FROM contact_attempts a WHERE a.occurred_at < ? ${stays})
        ORDER BY d.seq LIMIT 1`,
      attemptsNotYetPurged ? [cutoff, window, cutoff] : [cutoff, window],
    );
    const [{ last }] = await m.query<{ last: string | null }[]>(
      `SELECT MAX(seq) AS last FROM contact_decisions ${stop ? 'WHERE seq < ?' : ''}`,
      stop ? [stop.seq] : [],
    );
    return last === null ? null : String(last);
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
