import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  buildSchema,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  isScalarType,
  type GraphQLInputType,
} from 'graphql';
import type { RowDataPacket } from 'mysql2/promise';
import { makeUser, PASSWORD, signIn } from './utils/identity';
import { useTestApp } from './utils/use-test-app';

/** A JSON value: GraphQL variables travel as JSON. */
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };
/** Where a String/ID leaf sits in the variables: argument name, then fields and list indexes. */
type Path = readonly (string | number)[];

interface Answer {
  status: number;
  text: string;
  body: {
    data?: unknown;
    errors?: { message: string; extensions?: Record<string, unknown> }[];
  } | null;
}

/** The committed schema (kept in sync with the code by the schema snapshot test). */
const SCHEMA = buildSchema(readFileSync(join(__dirname, '..', 'schema.graphql'), 'utf8'));

/** Hostile strings put, one at a time, into every String/ID leaf of every mutation's arguments. */
const LONE_SURROGATE = 'x\uD800y';
const PAYLOADS: readonly (readonly [string, string])[] = [
  ['sql-tautology', "' OR '1'='1' --"],
  ['sql-stacked', '1; DROP TABLE users; --'],
  // 100 000 characters: the body stays under the 256 KiB JSON limit, so the app must handle it.
  ['overlong', 'A'.repeat(100_000)],
  ['control-chars', 'a\u0000b\u0007c\u001b[31m'],
  ['rtl-override', '\u202Eevil\u202C.exe'],
  ['emoji', '😀👩‍👩‍👧'],
  ['zero-width', 'st\u200Bop'],
  ['lone-surrogate', LONE_SURROGATE],
];

/**
 * Mutations never sent, whatever their arguments: both end the admin's own session (and have no
 * argument to attack anyway). No other mutation's baseline ended the session: changePassword ends
 * the caller's *other* sessions only, and the session is checked after every mutation regardless.
 * Mutations without any String/ID argument (enrollTotp, runRetentionPurge) have nothing to attack
 * and are not sent either; the summary line names them.
 */
const SKIPPED: Readonly<Record<string, string>> = {
  logout: 'ends the calling session',
  revokeAllSessions: "ends every session of the caller, the test's own included",
};

/**
 * Tables left out of the "nothing written after an error" comparison, because recording a refused
 * request is their purpose, or because a background worker changes them on its own clock (so a
 * write from an earlier, successful call may land during a later probe):
 * - audit_events: every refused operation (invalid credentials, not found, forbidden, ...) is
 *   audited with result 'failure'; the audit trail exists to record failed attempts.
 * - audit_chain_head: the hash chain's head moves with every audit event, failures included.
 * - audit_siem_outbox: critical audit events are queued there for the SIEM, and its forwarder
 *   leases and delivers rows on a timer.
 * - audit_checkpoints: the checkpoint scheduler signs the chain head on its own interval.
 * - auth_throttle: counts failed credential checks (login, verifyMfa, stepUp, disableMfa) per
 *   account and client address; a lockout has to see failed attempts.
 * - notification_outbox: its delivery worker leases, retries and marks rows sent on a timer
 *   (createUser, for one, queues a set-password email that is delivered later).
 * - compliance_refusals: counts contacts refused at a real gate (task start, send, launch); such
 *   a refusal is answered as an error by design.
 * - sessions: any authenticated request records its session's activity (last_seen_at, at most once
 *   a minute) for the idle timeout, whatever the answer.
 * one_time_tokens stays in: its only failed-attempt write (`attempts` of a live MFA challenge)
 * needs a real challenge token, which no probe holds.
 */
const UNCHECKED_TABLES = new Set([
  'audit_events',
  'audit_chain_head',
  'audit_siem_outbox',
  'audit_checkpoints',
  'auth_throttle',
  'notification_outbox',
  'compliance_refusals',
  'sessions',
]);

/**
 * Answers that leak internals: stack frames, driver errors, SQL text. Driver codes (ER_DUP_ENTRY,
 * ER_DATA_TOO_LONG, ...) are matched apart, case-sensitive and from a word boundary: our own
 * reasons such as BAD_USER_INPUT or USER_NOT_FOUND contain "ER_" and are not leaks.
 */
const LEAK =
  /\bat [\w.<>]+ \(|node_modules|QueryFailedError|SELECT |INSERT |UPDATE .* SET|sqlMessage|stack/i;
const DRIVER_CODE = /\bER_[A-Z_]+/;

const DATE_TIME = '2026-06-01T12:00:00.000Z';
const MAX_INPUT_DEPTH = 4;

/** Values the validators accept, by `Type.field` first, then by field name; anything else: 'probe'. */
const BY_TYPE_FIELD: Readonly<Record<string, (n: number) => string>> = {
  'SaveRoleInput.name': (n) => `probe_role_${n}`,
  'RoleNameInput.name': (n) => `probe_role_${n}`,
  'SaveRoleInput.inherits': () => 'viewer',
  'RoleRuleInput.action': () => 'read',
  'RoleRuleInput.subject': () => 'Customer',
  'RoleRuleInput.fields': () => 'email',
  'RoleRuleInput.conditions': () => '{}',
  'CreateUserInput.role': () => 'viewer',
  'UpdateUserInput.role': () => 'viewer',
  'AddDncEntryInput.address': () => '+14155550123',
  'RevealCustomerFieldInput.field': () => 'email',
  'SetRolePasskeyRequirementInput.role': () => 'viewer',
};
const BY_FIELD: Readonly<Record<string, (n: number) => string>> = {
  email: (n) => `probe-${n}@example.com`,
  phone: () => '+14155550123',
  csv: () => 'phone\n+14155550123',
  password: () => PASSWORD,
  // The admin's password as it stands: a probe may have changed it (changePassword accepts some).
  currentPassword: () => adminPassword,
  newPassword: () => PASSWORD,
  code: () => '000000',
  // A passkey response: JSON (a browser's credential), here one that verifies nothing.
  response: () => '{}',
  token: () => 'probe'.repeat(5),
  zip: () => '94105',
  state: () => 'CA',
  states: () => 'CA',
  statuses: () => 'active',
  timezone: () => 'America/Los_Angeles',
  start: () => '09:00',
  end: () => '17:00',
  windowStart: () => '09:00',
  windowEnd: () => '17:00',
  contactWindowStart: () => '09:00',
  contactWindowEnd: () => '17:00',
  balance: () => '100.00',
  minBalance: () => '10.00',
  maxBalance: () => '1000.00',
  dateOfBirth: () => '1980-01-01',
  ssn: () => '123-45-6789',
  channel: () => 'sms',
  purpose: () => 'collection',
  kind: () => 'cease_communication',
  receivedVia: () => 'mail',
  list: () => 'internal',
  // Unique per call: a second brand with the same EIN is refused before the other fields matter.
  ein: (n) => `12-${String(n % 10_000_000).padStart(7, '0')}`,
  vertical: () => 'FINANCIAL',
  website: () => 'https://example.com/',
  formUrl: () => 'https://example.com/consent',
  tcrBrandId: () => 'PROBE01',
  tcrCampaignId: () => 'PROBE01',
  ip: () => '203.0.113.7',
  scopes: () => 'read:Customer',
  debtId: () => 'D-1',
  externalRef: (n) => `probe-ext-${n}`,
  teamId: () => 'team-probe',
  reason: () => 'The customer asked for it',
  messageTemplate: () => 'From a debt collector: {{first_name}}, {{unsubscribe_link}}',
};

/** Enums take their first value, except where it rules out every other field. */
const ENUM_BY_TYPE_FIELD: Readonly<Record<string, string>> = {
  // A call campaign refuses any message template; an email campaign takes one (see
  // ONLY_WHEN_ATTACKED for its 10DLC id), so the campaign is stored and its fields reach the table.
  'CreateCampaignInput.channel': 'Email',
};

let adminPassword = PASSWORD;

function plausibleString(owner: string, field: string, n: number): string {
  return (BY_TYPE_FIELD[`${owner}.${field}`] ?? BY_FIELD[field] ?? (() => 'probe'))(n);
}

/**
 * Optional IDs that, when given, refuse the whole input whatever else it holds (a random 10DLC
 * campaign, or any for an email campaign): sent only when they are the leaf under attack, so the
 * other fields of the same input reach the database.
 */
const ONLY_WHEN_ATTACKED = new Set([
  'CreateCampaignInput.messagingCampaignId',
  'UpdateCampaignInput.messagingCampaignId',
]);

interface Filled {
  value: Json;
  leaves: Path[];
}

interface FillContext {
  /** Makes unique values unique (emails, names, EINs). */
  n: number;
  /** The leaf that gets the payload; 'all' while listing leaves. */
  attacked: Path | 'all' | null;
}

const samePath = (a: Path, b: Path) => a.length === b.length && a.every((k, i) => k === b[i]);

/**
 * A baseline value for a type: required ones always, optional ones only when they hold a String
 * or ID leaf to attack (optional scalars of other types and enums are left out). Lists get one
 * element; input objects recurse up to MAX_INPUT_DEPTH. IDs are fresh random UUIDs, so most
 * mutations find nothing and change nothing.
 */
function fill(
  type: GraphQLInputType,
  at: { owner: string; field: string; path: Path; depth: number; required: boolean },
  ctx: FillContext,
): Filled | undefined {
  const { owner, field, path, depth, required } = at;
  if (isNonNullType(type)) return fill(type.ofType, { ...at, required: true }, ctx);
  if (isListType(type)) {
    const item = fill(type.ofType, { ...at, path: [...path, 0], required: true }, ctx);
    if (!item || (!required && item.leaves.length === 0))
      return required ? { value: [], leaves: [] } : undefined;
    return { value: [item.value], leaves: item.leaves };
  }
  if (isInputObjectType(type)) {
    if (depth >= MAX_INPUT_DEPTH) return required ? { value: {}, leaves: [] } : undefined;
    const value: JsonObject = {};
    const leaves: Path[] = [];
    for (const f of Object.values(type.getFields())) {
      const fieldPath = [...path, f.name];
      const { attacked } = ctx;
      if (
        ONLY_WHEN_ATTACKED.has(`${type.name}.${f.name}`) &&
        attacked !== 'all' &&
        !(attacked && samePath(attacked, fieldPath))
      )
        continue;
      const got = fill(
        f.type,
        { owner: type.name, field: f.name, path: fieldPath, depth: depth + 1, required: false },
        ctx,
      );
      if (got) {
        value[f.name] = got.value;
        leaves.push(...got.leaves);
      }
    }
    if (!required && leaves.length === 0) return undefined;
    return { value, leaves };
  }
  if (isEnumType(type))
    return required
      ? { value: ENUM_BY_TYPE_FIELD[`${owner}.${field}`] ?? type.getValues()[0].name, leaves: [] }
      : undefined;
  if (isScalarType(type)) {
    if (type.name === 'ID') return { value: randomUUID(), leaves: [path] };
    if (type.name === 'String')
      return { value: plausibleString(owner, field, ctx.n), leaves: [path] };
    if (!required) return undefined;
    if (type.name === 'Int' || type.name === 'Float') return { value: 1, leaves: [] };
    if (type.name === 'Boolean') return { value: false, leaves: [] };
    if (type.name === 'DateTime') return { value: DATE_TIME, leaves: [] };
    throw new Error(`no baseline for scalar ${type.name} (${owner}.${field})`);
  }
  throw new Error(`no baseline for ${String(type)} (${owner}.${field})`);
}

interface Plan {
  name: string;
  query: string;
  leaves: Path[];
  /** The baseline variables with `payload` at `leaf` (none: the baseline itself). */
  variables(n: number, leaf?: Path, payload?: string): JsonObject;
}

/** One plan per mutation: the document (every argument a variable of its exact type) and leaves. */
function plan(name: string): Plan {
  const field = SCHEMA.getMutationType()!.getFields()[name];
  const fillArgs = (ctx: FillContext) => {
    const values: JsonObject = {};
    const leaves: Path[] = [];
    for (const arg of field.args) {
      const got = fill(
        arg.type,
        {
          owner: name,
          field: arg.name,
          path: [arg.name],
          depth: 0,
          required: isNonNullType(arg.type),
        },
        ctx,
      );
      if (got) {
        values[arg.name] = got.value;
        leaves.push(...got.leaves);
      }
    }
    return { values, leaves };
  };
  const { values: all, leaves } = fillArgs({ n: 0, attacked: 'all' });
  const args = field.args.filter((arg) => arg.name in all);
  const declared = args.map((a) => `$${a.name}: ${String(a.type)}`).join(', ');
  const passed = args.map((a) => `${a.name}: $${a.name}`).join(', ');
  const selection = isLeafType(getNamedType(field.type)) ? '' : ' { __typename }';
  const query = `mutation Probe${declared ? `(${declared})` : ''} { ${name}${
    passed ? `(${passed})` : ''
  }${selection} }`;
  const variables = (n: number, leaf?: Path, payload?: string) => {
    const { values } = fillArgs({ n, attacked: leaf ?? null });
    return leaf && payload !== undefined ? withLeaf(values, leaf, payload) : values;
  };
  return { name, query, leaves, variables };
}

/** A copy of the variables with the leaf at `path` replaced. */
function withLeaf(variables: JsonObject, path: Path, payload: string): JsonObject {
  const copy = structuredClone(variables);
  let node: Json = copy;
  for (const key of path.slice(0, -1)) node = (node as Record<string | number, Json>)[key];
  (node as Record<string | number, Json>)[path[path.length - 1]] = payload;
  return copy;
}

const showPath = (path: Path) =>
  path.map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? k : `.${k}`)).join('');

const MUTATIONS = Object.keys(SCHEMA.getMutationType()?.getFields() ?? {}).sort();
const PLANS = MUTATIONS.filter((m) => !(m in SKIPPED))
  .map(plan)
  .filter((p) => p.leaves.length > 0);
const LEAFLESS = MUTATIONS.filter((m) => !(m in SKIPPED) && !PLANS.some((p) => p.name === m));
const LEAVES = PLANS.reduce((sum, p) => sum + p.leaves.length, 0);

/**
 * Security II (2): every String/ID leaf of every mutation, found from the schema, gets hostile
 * text (SQL, overlong, control characters, bidi override, emoji, zero-width, lone surrogate). No
 * answer may be an internal error or carry SQL or a stack; a lone surrogate is refused at the
 * edge; and an answer with an error must leave every table as it was (CHECKSUM TABLE as the DBA,
 * taken before each mutation's probes and again after every call: compared after an error,
 * the new baseline after a success). Calls are sequential and the comparison assumes no other
 * test writes to the database meanwhile: e2e files run in band (npm run test:e2e).
 *
 * The baseline is the same for every probe of a mutation but for the one leaf under attack; one
 * admin (the most privileged role, signed in with MFA, so step-up is fresh) sends everything.
 */
describe('hostile text in every mutation argument (e2e)', () => {
  const app = useTestApp({
    RATE_LIMIT_PER_MINUTE: '1000000',
    // Lockouts would answer RATE_LIMITED before the input is looked at: let every probe through.
    LOGIN_MAX_FAILURES: '1000',
    LOGIN_ACCOUNT_MAX_FAILURES: '10000',
    LOGIN_IP_MAX_ACCOUNTS: '100000',
    // No scheduled purge may write while tables are compared.
    RETENTION_CRON: 'off',
    // Nor the incident detector: it reads the audit log on its own clock and writes its counters,
    // rollups and the incidents the probes' failures add up to (every failed login is a signal).
    DETECTION: 'off',
  });
  let auth: Record<string, string>;
  let tables: string[] = [];
  let seq = 0;
  let calls = 0;
  let errorAnswers = 0;
  let successesThatWrote = 0;

  const post = async (query: string, variables: JsonObject): Promise<Answer> => {
    const res = await fetch(`${app.t.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...auth },
      body: JSON.stringify({ query, variables }),
    });
    const text = await res.text();
    let body: Answer['body'];
    try {
      body = JSON.parse(text) as Answer['body'];
    } catch {
      body = null;
    }
    return { status: res.status, text, body };
  };

  const checksums = async (): Promise<Map<string, string>> => {
    const [rows] = await app.db.query<RowDataPacket[]>(
      `CHECKSUM TABLE ${tables.map((name) => `\`${name}\``).join(', ')}`,
    );
    return new Map(rows.map((r) => [String(r.Table), String(r.Checksum)]));
  };
  const changed = (before: Map<string, string>, after: Map<string, string>) =>
    [...after].filter(([name, sum]) => before.get(name) !== sum).map(([name]) => name);

  const signInAdmin = async () => {
    auth = (await signIn(app.t, await makeUser(app.t, 'admin', { mfa: true }))).auth;
    adminPassword = PASSWORD;
  };

  beforeAll(async () => {
    const [rows] = await app.db.query<RowDataPacket[]>(
      "SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME",
    );
    tables = rows.map((r) => String(r.name)).filter((name) => !UNCHECKED_TABLES.has(name));
    await signInAdmin();
  });
  afterAll(() => {
    process.stdout.write(
      `bad-input: ${PLANS.length} mutations, ${LEAVES} leaves, ${calls} calls ` +
        `(${errorAnswers} answered with an error, ${calls - errorAnswers} succeeded); ` +
        `skipped ${Object.keys(SKIPPED).join(', ')}; no String/ID argument: ${LEAFLESS.join(', ')}; ` +
        `${tables.length} tables compared\n`,
    );
  });

  it('finds the mutations, their leaves and the tables to compare', () => {
    expect(PLANS.length).toBeGreaterThanOrEqual(30);
    expect(LEAVES).toBeGreaterThanOrEqual(100);
    expect(tables.length).toBeGreaterThanOrEqual(15);
    expect(tables).toEqual(expect.arrayContaining(['users', 'customers', 'api_keys', 'roles']));
  });

  // A renamed table must not slip out of the exclusions (and into the comparison) unnoticed.
  it('excludes only tables that exist', async () => {
    const [rows] = await app.db.query<RowDataPacket[]>(
      'SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN (?)',
      [[...UNCHECKED_TABLES]],
    );
    expect(rows.map((r) => String(r.name)).sort()).toEqual([...UNCHECKED_TABLES].sort());
  });

  it.each(PLANS.map((p) => [p.name, p] as const))(
    '%s: no internal error, no leak, nothing written on an error',
    async (name, p) => {
      const problems: string[] = [];
      let before = await checksums();
      // The baseline alone first, then each leaf with each payload; variables are built at send time.
      const probes: [Path | null, string, string][] = [[null, '-', '']];
      for (const leaf of p.leaves)
        for (const [payloadName, payload] of PAYLOADS) probes.push([leaf, payloadName, payload]);

      for (const [leaf, payloadName, payload] of probes) {
        const variables = leaf ? p.variables(++seq, leaf, payload) : p.variables(++seq);
        const where = leaf ? showPath(leaf) : '(baseline)';
        const answer = await post(p.query, variables);
        calls++;
        const what = `${name} ${where} ${payloadName}`;
        const shown = answer.text.length > 2000 ? `${answer.text.slice(0, 2000)}…` : answer.text;
        const errors = answer.body?.errors ?? [];
        if (answer.status >= 500) problems.push(`${what}: HTTP ${answer.status}: ${shown}`);
        if (!answer.body) problems.push(`${what}: not JSON (HTTP ${answer.status}): ${shown}`);
        if (errors.some((e) => e.extensions?.code === 'INTERNAL_SERVER_ERROR'))
          problems.push(`${what}: INTERNAL_SERVER_ERROR: ${shown}`);
        const leak = LEAK.exec(answer.text) ?? DRIVER_CODE.exec(answer.text);
        if (leak) problems.push(`${what}: leaks ${JSON.stringify(leak[0])}: ${shown}`);
        // An error message never echoes injected text (bidi overrides, escapes, a 100 kB string).
        const messages = errors.map((e) => e.message).join('\n');
        const injected = [...messages].some((ch) => {
          const c = ch.codePointAt(0)!;
          return (
            c <= 8 || c === 0x1b || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069)
          );
        });
        if (injected || messages.includes('A'.repeat(1000)))
          problems.push(
            `${what}: an error message echoes the payload: ${JSON.stringify(messages.slice(0, 300))}`,
          );
        if (
          payloadName === 'lone-surrogate' &&
          (answer.status !== 400 ||
            !errors.some((e) => e.extensions?.reason === 'MALFORMED_UNICODE'))
        )
          problems.push(
            `${what}: not refused as MALFORMED_UNICODE: HTTP ${answer.status} ${shown}`,
          );
        if (name === 'changePassword' && errors.length === 0 && answer.status === 200)
          adminPassword = (variables.input as { newPassword: string }).newPassword;
        const after = await checksums();
        const written = changed(before, after);
        if (errors.length > 0 || answer.status !== 200) {
          errorAnswers++;
          if (written.length > 0)
            problems.push(`${what}: error answer but ${written.join(', ')} changed: ${shown}`);
        } else if (written.length > 0) successesThatWrote++;
        before = after;
      }

      const me = await post('query { me { id } }', {});
      if (me.body?.errors || me.status !== 200) {
        problems.push(`${name}: the admin session no longer works afterwards: ${me.text}`);
        await signInAdmin();
      }
      expect(problems).toEqual([]);
    },
    180_000,
  );

  it('sent every probe, and the table comparison saw the writes of the successful ones', () => {
    expect(calls).toBe(PLANS.length + LEAVES * PAYLOADS.length);
    // Valid input (an emoji name, a new customer) is stored: proof the checksums notice writes.
    expect(successesThatWrote).toBeGreaterThan(0);
  });
});
