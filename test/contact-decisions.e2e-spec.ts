import type { RowDataPacket } from 'mysql2/promise';
import { DECISION_TRIGGERS } from '../src/core/database/migrations/1764101000000-ContactDecisions';
import { ComplianceService } from '../src/modules/compliance/compliance.service';
import { NotificationChannel } from '../src/modules/notifications';
import { NotificationDeliveryService } from '../src/modules/notifications/notification-delivery.service';
import { NotificationsService } from '../src/modules/notifications/notifications.service';
import { HttpSink } from './utils/http-sink';
import { makeUser, signIn, TestUser } from './utils/identity';
import { emailTask as makeEmailTask } from './utils/outreach';
import { until } from './utils/until';
import { useTestApp } from './utils/use-test-app';
import { DataSource } from 'typeorm';

const START = 'mutation S($input: TaskIdInput!) { startTask(input: $input) { status } }';
const COMPLETE =
  'mutation D($input: CompleteTaskInput!) { completeTask(input: $input) { status } }';
const SEND = 'mutation M($input: TaskIdInput!) { sendTaskMessage(input: $input) { status } }';
const REPLAY = `query R($attemptId: ID!) { replayContactDecision(attemptId: $attemptId) {
  decisionId attemptId ruleSetVersion recordedAllowed replayedAllowed matches differences } }`;
const CHAIN = '{ verifyContactDecisionChain { valid checked brokenAtSeq } }';
const EVALUATE = `query E($input: EvaluateContactInput!) {
  evaluateContact(input: $input) { allowed checks { rule passed } } }`;
const TEMPLATE = 'Hello {{firstName}}, please call us about your account.';

describe('contact decision provenance (e2e)', () => {
  const sink = new HttpSink();
  beforeAll(() => sink.start());
  afterAll(() => sink.stop());
  const app = useTestApp(() => ({
    NOTIFY_EMAIL_URL: `http://127.0.0.1:${sink.port}/email`,
    NOTIFY_WEBHOOK_SECRET: 'decisions-test-secret-0123456789',
    // The test drives delivery passes itself.
    NOTIFY_POLL_INTERVAL_MS: '600000',
  }));
  let manager: TestUser;
  let agent: TestUser;
  let agentAuth: Record<string, string>;
  let admin: Record<string, string>;
  const team = `team-decisions-${Date.now()}`;

  beforeAll(async () => {
    manager = await makeUser(app.t, 'manager', { mfa: true, teamId: team });
    agent = await makeUser(app.t, 'agent', { mfa: true, teamId: team });
    agentAuth = (await signIn(app.t, agent)).auth;
    admin = (await signIn(app.t, await makeUser(app.t, 'admin', { mfa: true }))).auth;
  });

  const rows = async (sql: string, params: unknown[] = []) =>
    (await app.db.query<RowDataPacket[]>(sql, params))[0];
  const json = (v: unknown) =>
    (typeof v === 'string' ? JSON.parse(v) : v) as Record<string, unknown>;

  /** A customer where it is midday, an email campaign open all day, and a task for the agent. */
  const emailTask = () =>
    makeEmailTask(app.t, {
      teamId: team,
      ownerId: manager.id,
      agentId: agent.id,
      template: TEMPLATE,
    });

  it('keeps the decision of a contact with its facts, and replays it the same after the rules change', async () => {
    const { customer, task } = await emailTask();
    expect(
      (await app.t.gql(START, { input: { taskId: task.id } }, agentAuth)).errors,
    ).toBeUndefined();
    const done = await app.t.gql(
      COMPLETE,
      { input: { taskId: task.id, outcome: 'Reached' } },
      agentAuth,
    );
    expect(done.errors).toBeUndefined();

    // The attempt names the decision; the decision names the attempt, its facts and rule set.
    const [attempt] = await rows('SELECT id, decision_id FROM contact_attempts WHERE task_id = ?', [
      task.id,
    ]);
    expect(attempt.decision_id).toBeTruthy();
    const [decision] = await rows('SELECT * FROM contact_decisions WHERE id = ?', [
      attempt.decision_id,
    ]);
    expect(decision).toMatchObject({
      gate: 'task_start',
      customer_id: customer.id,
      task_id: task.id,
      attempt_id: String(attempt.id),
      allowed: 1,
      channel: 'email',
    });
    const facts = json(decision.facts);
    expect(Object.keys(facts.localTimes as object)).toEqual(facts.zones);
    expect(JSON.stringify(facts)).not.toContain(customer.email!);
    const versionThen = Number(decision.rule_set_version);

    // An admin narrows email to one minute after midnight: a new version, and now it is refused.
    const current = await app.t.gql<{ complianceRules: string }>(
      '{ complianceRules }',
      undefined,
      admin,
    );
    const original = current.data!.complianceRules;
    const narrowed = JSON.parse(original) as { version: string; hours: unknown[] };
    narrowed.version = `${narrowed.version}-narrowed`;
    narrowed.hours.push({
      id: 'house.email_midnight_only',
      kind: 'house',
      jurisdiction: 'house',
      purposes: ['collection', 'marketing'],
      channels: ['email'],
      start: '00:00',
      end: '00:01',
    });
    const update = (rules: string) =>
      app.t.gql(
        'mutation U($rules: String!) { updateComplianceRules(rules: $rules) }',
        { rules },
        admin,
      );
    try {
      const edited = await update(JSON.stringify(narrowed));
      expect(edited.errors).toBeUndefined();
      const versions = await app.t.gql<{ ruleSetVersions: { version: number; label: string }[] }>(
        '{ ruleSetVersions { version label hash } }',
        undefined,
        admin,
      );
      const newest = versions.data!.ruleSetVersions[0];
      expect(newest.label).toBe(narrowed.version);
      expect(newest.version).toBeGreaterThan(versionThen);
      const now = await app.t.gql<{ evaluateContact: { allowed: boolean } }>(
        EVALUATE,
        { input: { customerId: customer.id, channel: 'email', purpose: 'collection' } },
        admin,
      );
      expect(now.data!.evaluateContact.allowed).toBe(false);

      const replay = await app.t.gql<{
        replayContactDecision: {
          matches: boolean;
          ruleSetVersion: number;
          replayedAllowed: boolean;
        };
      }>(REPLAY, { attemptId: attempt.id }, admin);
      expect(replay.errors).toBeUndefined();
      expect(replay.data!.replayContactDecision).toMatchObject({
        matches: true,
        ruleSetVersion: versionThen,
        recordedAllowed: true,
        replayedAllowed: true,
        differences: [],
      });
    } finally {
      expect((await update(original)).errors).toBeUndefined();
    }
    // Replays and the versions are for compliance officers only.
    expect(
      (await app.t.gql(REPLAY, { attemptId: attempt.id }, agentAuth)).errors?.[0].extensions.code,
    ).toBe('FORBIDDEN');
    expect(
      (await app.t.gql(REPLAY, { attemptId: '00000000-0000-7000-8000-000000000000' }, admin))
        .errors?.[0].extensions,
    ).toMatchObject({ code: 'NOT_FOUND', reason: 'DECISION_NOT_FOUND' });
  });

  it('finds a tampered decision by the chain check and by replay, each a critical event', async () => {
    const { task } = await emailTask();
    await app.t.gql(START, { input: { taskId: task.id } }, agentAuth);
    await app.t.gql(COMPLETE, { input: { taskId: task.id, outcome: 'Reached' } }, agentAuth);
    const [attempt] = await rows('SELECT id, decision_id FROM contact_attempts WHERE task_id = ?', [
      task.id,
    ]);
    const [row] = await rows('SELECT seq, checks FROM contact_decisions WHERE id = ?', [
      attempt.decision_id,
    ]);
    const intact = await app.t.gql<{ verifyContactDecisionChain: { valid: boolean } }>(
      CHAIN,
      undefined,
      admin,
    );
    expect(intact.data!.verifyContactDecisionChain.valid).toBe(true);

    // The table refuses edits; someone with DDL rights lifts the trigger and rewrites a check.
    await expect(
      app.db.query('UPDATE contact_decisions SET allowed = 0 WHERE id = ?', [attempt.decision_id]),
    ).rejects.toThrow(/append-only/);
    const checks = (typeof row.checks === 'string' ? JSON.parse(row.checks) : row.checks) as {
      rule: string;
      passed: boolean;
    }[];
    const forged = checks.map((c, i) => (i === 0 ? { ...c, passed: !c.passed } : c));
    await app.db.query('DROP TRIGGER contact_decisions_no_update');
    try {
      await app.db.query('UPDATE contact_decisions SET checks = ? WHERE id = ?', [
        JSON.stringify(forged),
        attempt.decision_id,
      ]);
      const broken = await app.t.gql<{
        verifyContactDecisionChain: { valid: boolean; brokenAtSeq: string };
      }>(CHAIN, undefined, admin);
      expect(broken.data!.verifyContactDecisionChain).toMatchObject({
        valid: false,
        brokenAtSeq: String(row.seq),
      });
      const replay = await app.t.gql<{
        replayContactDecision: { matches: boolean; differences: string[] };
      }>(REPLAY, { attemptId: attempt.id }, admin);
      expect(replay.data!.replayContactDecision.matches).toBe(false);
      expect(replay.data!.replayContactDecision.differences.length).toBeGreaterThan(0);
      const events = await rows(
        `SELECT action FROM audit_events WHERE action IN
           ('compliance.decision_chain_broken', 'compliance.decision_replay_mismatch')
           AND resource_id IN (?, ?) ORDER BY seq`,
        [String(row.seq), attempt.decision_id],
      );
      expect(events.map((e) => String(e.action))).toEqual([
        'compliance.decision_chain_broken',
        'compliance.decision_replay_mismatch',
      ]);
      const [queued] = await rows(
        `SELECT COUNT(*) AS n FROM audit_siem_outbox o JOIN audit_events e ON e.seq = o.audit_seq
          WHERE e.action = 'compliance.decision_chain_broken' AND e.resource_id = ?`,
        [String(row.seq)],
      );
      expect(Number(queued.n)).toBe(1);
    } finally {
      // Put the row back so that the shared chain verifies for the suites after this one.
      await app.db.query('UPDATE contact_decisions SET checks = ? WHERE id = ?', [
        typeof row.checks === 'string' ? row.checks : JSON.stringify(row.checks),
        attempt.decision_id,
      ]);
      await app.db.query(DECISION_TRIGGERS.contact_decisions_no_update);
    }
    const again = await app.t.gql<{ verifyContactDecisionChain: { valid: boolean } }>(
      CHAIN,
      undefined,
      admin,
    );
    expect(again.data!.verifyContactDecisionChain.valid).toBe(true);

    // Rows cut from the start of the chain (the purge's session flag set by hand) are found too:
    // the first row left no longer links to where the chain starts.
    const [first] = await rows('SELECT * FROM contact_decisions ORDER BY seq LIMIT 1');
    const [second] = await rows(
      'SELECT seq FROM contact_decisions WHERE seq > ? ORDER BY seq LIMIT 1',
      [first.seq],
    );
    const conn = app.db; // one connection: the session flag holds for what follows
    try {
      await conn.query('SET @callwarden_decision_purge = 1');
      await conn.query('DELETE FROM contact_decisions WHERE seq = ?', [first.seq]);
      const cut = await app.t.gql<{
        verifyContactDecisionChain: { valid: boolean; brokenAtSeq: string };
      }>(CHAIN, undefined, admin);
      expect(cut.data!.verifyContactDecisionChain).toMatchObject({
        valid: false,
        brokenAtSeq: String(second.seq),
      });
    } finally {
      const columns = Object.keys(first);
      await conn.query(`INSERT INTO contact_decisions (${columns.join(', ')}) VALUES (?)`, [
        columns.map((c): unknown => {
          const value: unknown = first[c];
          return (c === 'facts' || c === 'checks') && typeof value !== 'string'
            ? JSON.stringify(value)
            : value;
        }),
      ]);
      await conn.query('SET @callwarden_decision_purge = 0');
    }
    const restored = await app.t.gql<{ verifyContactDecisionChain: { valid: boolean } }>(
      CHAIN,
      undefined,
      admin,
    );
    expect(restored.data!.verifyContactDecisionChain.valid).toBe(true);
  });

  it('delivers a message only with a kept decision: none, or one that did not allow it, is refused', async () => {
    const { customer, task } = await emailTask();
    const startedAt = new Date(Date.now() - 1000);
    const sent = await app.t.gql(SEND, { input: { taskId: task.id } }, agentAuth);
    expect(sent.errors).toBeUndefined();
    const [queued] = await rows(
      "SELECT id, decision_id FROM notification_outbox WHERE customer_id = ? AND template LIKE 'campaign:%'",
      [customer.id],
    );
    expect(queued.decision_id).toBeTruthy();
    const [sendDecision] = await rows('SELECT gate, allowed FROM contact_decisions WHERE id = ?', [
      queued.decision_id,
    ]);
    expect(sendDecision).toMatchObject({ gate: 'send', allowed: 1 });

    // Queued around the gate: no decision at all, and a refused decision of another contact.
    const notifications = app.t.app.get(NotificationsService);
    const bare = await notifications.enqueue(
      NotificationChannel.Email,
      'campaign:around-the-gate',
      customer.email!,
      'Pay now',
      undefined,
      { customerId: customer.id, purpose: 'collection' },
    );
    const [refused] = await rows(
      'SELECT id FROM contact_decisions WHERE allowed = 0 ORDER BY seq DESC LIMIT 1',
    );
    const borrowed = await notifications.enqueue(
      NotificationChannel.Email,
      'campaign:borrowed-decision',
      customer.email!,
      'Pay now',
      undefined,
      {
        customerId: customer.id,
        purpose: 'collection',
        decisionId: refused ? String(refused.id) : 'none',
      },
    );

    const before = sink.received.length;
    const outcome = async (id: string) =>
      (await rows('SELECT sent_at, cancel_reason FROM notification_outbox WHERE id = ?', [id]))[0];
    // A pass claims a handful of due messages, oldest first (earlier suites may have left some):
    // pass until all three are settled.
    await until('the three messages settled', async () => {
      await app.t.app.get(NotificationDeliveryService).deliverDue();
      const settled = await Promise.all(
        [String(queued.id), bare.id, borrowed.id].map(async (id) => {
          const o = await outcome(id);
          return o.sent_at !== null || o.cancel_reason !== null;
        }),
      );
      return settled.every(Boolean);
    });
    expect((await outcome(queued.id as string)).sent_at).not.toBeNull();
    expect(await outcome(bare.id)).toMatchObject({ sent_at: null, cancel_reason: 'no_decision' });
    expect(await outcome(borrowed.id)).toMatchObject({
      sent_at: null,
      cancel_reason: 'no_decision',
    });
    const bodies = sink.received.slice(before).map((r) => r.body);
    expect(bodies.filter((b) => b.includes('Pay now'))).toHaveLength(0);
    // The delivery re-check is kept too, naming the message.
    const [delivery] = await rows(
      "SELECT allowed FROM contact_decisions WHERE gate = 'delivery' AND message_id = ?",
      [queued.id],
    );
    expect(delivery).toMatchObject({ allowed: 1 });

    // Every outbound attempt of the run has its decision.
    const missing = await app.t.gql<{ attemptsWithoutDecision: { id: string }[] }>(
      'query W($from: DateTime!, $to: DateTime!) { attemptsWithoutDecision(from: $from, to: $to) { id } }',
      { from: startedAt.toISOString(), to: new Date(Date.now() + 60_000).toISOString() },
      admin,
    );
    expect(missing.errors).toBeUndefined();
    expect(missing.data!.attemptsWithoutDecision).toEqual([]);
  });

  it('purges decisions only as a prefix of the chain whose attempts are gone, and the chain verifies from its new start', async () => {
    // A decision of this test that must survive (its attempt is kept).
    const { task } = await emailTask();
    await app.t.gql(START, { input: { taskId: task.id } }, agentAuth);
    await app.t.gql(COMPLETE, { input: { taskId: task.id, outcome: 'Reached' } }, agentAuth);
    const [kept] = await rows(
      'SELECT d.seq, d.id FROM contact_attempts a JOIN contact_decisions d ON d.id = a.decision_id WHERE a.task_id = ?',
      [task.id],
    );
    const cutoff = new Date(Date.now() + 1000);
    /** The purgeable prefix, computed here independently: rows before the first that stays. */
    const prefix = async () => {
      const all = await rows(
        `SELECT d.seq, (a.id IS NOT NULL) AS attempt_kept FROM contact_decisions d
           LEFT JOIN contact_attempts a ON a.id = d.attempt_id ORDER BY d.seq`,
      );
      const stop = all.findIndex((r) => Number(r.attempt_kept) === 1);
      return all.slice(0, stop < 0 ? all.length : stop).map((r) => String(r.seq));
    };
    // Older contacts whose attempts the attempts' own purge removed (done here by hand, for the
    // attempts of earlier suites that stand at the start of the chain).
    for (let i = 0; i < 25 && (await prefix()).length < 3; i++) {
      const [first] = await rows(
        `SELECT a.id FROM contact_decisions d JOIN contact_attempts a ON a.id = d.attempt_id
          WHERE d.seq < ? ORDER BY d.seq LIMIT 1`,
        [kept.seq],
      );
      if (!first) break;
      await app.db.query('DELETE FROM contact_attempts WHERE id = ?', [first.id]);
    }
    const expected = await prefix();
    expect(expected.length).toBeGreaterThan(0);
    expect(expected).not.toContain(String(kept.seq));
    const [{ n: before }] = await rows('SELECT COUNT(*) AS n FROM contact_decisions');

    const ds = app.t.app.get(DataSource);
    const runner = ds.createQueryRunner();
    await runner.connect();
    let removed: number;
    try {
      removed = await app.t.app
        .get(ComplianceService)
        .purgeDecisionsBefore(runner.manager, cutoff, () => Promise.resolve());
    } finally {
      await runner.release();
    }
    expect(removed).toBe(expected.length);
    const [{ n: after }] = await rows('SELECT COUNT(*) AS n FROM contact_decisions');
    expect(Number(before) - Number(after)).toBe(expected.length);
    expect(await rows('SELECT id FROM contact_decisions WHERE id = ?', [kept.id])).toHaveLength(1);
    const [head] = await rows('SELECT purged_upto_seq FROM contact_decision_head WHERE id = 1');
    expect(String(head.purged_upto_seq)).toBe(expected[expected.length - 1]);
    const chain = await app.t.gql<{ verifyContactDecisionChain: { valid: boolean } }>(
      CHAIN,
      undefined,
      admin,
    );
    expect(chain.data!.verifyContactDecisionChain.valid).toBe(true);
    // The purge's flag is off again on that connection's session: a plain delete is refused.
    await expect(
      app.db.query('DELETE FROM contact_decisions WHERE id = ?', [kept.id]),
    ).rejects.toThrow(/retention purge/);
  });
});
