import type { RowDataPacket } from 'mysql2/promise';
import { freshIp, LOGIN, makeUser, signIn, totp, TestUser, VERIFY_MFA } from './utils/identity';
import { liftAddressBlocksAfterAll } from './utils/address-blocks';
import { makeCustomer } from './utils/outreach';
import { useTestApp } from './utils/use-test-app';
import { until } from './utils/until';

const HOUR = 3_600_000;

const METRICS = `query M($from: DateTime!, $to: DateTime!) {
  securityMetrics(from: $from, to: $to) {
    signInsOk signInsFailed signInFailuresByReason { key count } lockouts failedAuthorizations
    mfaAdoption { role users withMfa } dormantAccounts apiKeysNearExpiry
    incidentsBySeverity { key count } incidentsByStatus { key count } openIncidents
    meanTimeToDetect meanTimeToAcknowledge meanTimeToResolve
    dataSubjectRequestsOpen dataSubjectRequestsOverdue purgeRuns { key count }
    auditChain { headSeq lastVerifiedAt lastVerificationOk }
    encryptionAtRest { ok }
    detection { lag cursor lastPassAt }
  }
}`;

interface Count {
  key: string;
  count: number;
}

interface Metrics {
  signInsOk: number;
  signInsFailed: number;
  signInFailuresByReason: Count[];
  lockouts: number;
  failedAuthorizations: number;
  mfaAdoption: { role: string; users: number; withMfa: number }[];
  dormantAccounts: number;
  apiKeysNearExpiry: number;
  incidentsBySeverity: Count[];
  incidentsByStatus: Count[];
  openIncidents: number;
  meanTimeToDetect: number | null;
  meanTimeToAcknowledge: number | null;
  meanTimeToResolve: number | null;
  dataSubjectRequestsOpen: number;
  dataSubjectRequestsOverdue: number;
  purgeRuns: Count[];
  auditChain: {
    headSeq: string;
    lastVerifiedAt: string | null;
    lastVerificationOk: boolean | null;
  };
  encryptionAtRest: { ok: boolean };
  detection: { lag: number; cursor: string; lastPassAt: string | null };
}

/** Polls `probe` until it answers truthy (every 50 ms, for at most 30 s). */

const asMap = (counts: Count[]) => new Map(counts.map((c) => [c.key, c.count]));

/** after - before per key, keys whose delta is 0 left out. */
function delta(before: Count[], after: Count[]): Record<string, number> {
  const b = asMap(before);
  const out: Record<string, number> = {};
  for (const [key, n] of asMap(after))
    if (n - (b.get(key) ?? 0) !== 0) out[key] = n - (b.get(key) ?? 0);
  for (const [key, n] of b) if (!asMap(after).has(key)) out[key] = -n;
  return out;
}

const floorHour = (d: Date) => new Date(Math.floor(d.getTime() / HOUR) * HOUR);
const ceilHour = (d: Date) => new Date(Math.ceil(d.getTime() / HOUR) * HOUR);

const mean = (values: number[]) =>
  values.length === 0 ? null : values.reduce((s, v) => s + v, 0) / values.length;

describe('security metrics (e2e): over a seeded data set they equal hand-computed values', () => {
  const app = useTestApp({
    // The rollups the counts come from are the detector's.
    DETECTION: 'on',
    DETECTION_INTERVAL_MS: '100',
    // The third wrong password of an account from one address locks it there.
    LOGIN_MAX_FAILURES: '3',
    RETENTION_CRON: 'off',
  });
  liftAddressBlocksAfterAll();

  // Wide enough that a run straddling an hour boundary still counts everything in one period.
  const now = Date.now();
  const from = new Date(now - 2 * HOUR);
  const to = new Date(now + HOUR);

  let admin: Record<string, string>;
  let agent: Record<string, string>;
  let ok: TestUser;
  let wrong: TestUser;
  let locked: TestUser;
  let withMfa: TestUser;
  let dormant: TestUser;
  let apiKeyId: string;
  let customerId: string;
  /**
   * The metrics and the audit log's last sequence number before this suite's own events: the
   * cross-check compares what happened after it, because earlier suites purge audit rows (a purge
   * up to a recent checkpoint) that the rollups counted when they were written.
   */
  let base: { metrics: Metrics; seq: string };

  beforeAll(async () => {
    const adminUser = await makeUser(app.t, 'admin', { mfa: true });
    admin = (await signIn(app.t, adminUser)).auth;
    agent = (await signIn(app.t, await makeUser(app.t, 'agent'))).auth;
    ok = await makeUser(app.t, 'agent');
    wrong = await makeUser(app.t, 'agent');
    locked = await makeUser(app.t, 'agent');
    withMfa = await makeUser(app.t, 'agent', { mfa: true });
    dormant = await makeUser(app.t, 'agent');
    const key = await app.t.gql<{ createApiKey: { key: { id: string } } }>(
      'mutation K($input: CreateApiKeyInput!) { createApiKey(input: $input) { key { id } } }',
      { input: { name: 'metrics', scopes: ['read:User'] } },
      admin,
    );
    expect(key.errors).toBeUndefined();
    apiKeyId = key.data!.createApiKey.key.id;
    customerId = (await makeCustomer(app.t)).id;
    const before = await metrics();
    const [{ seq }] = await rows('SELECT COALESCE(MAX(seq), 0) AS seq FROM audit_events');
    base = { metrics: before, seq: String(seq) };
  });

  const rows = async (sql: string, params: unknown[] = []) =>
    (await app.db.query<RowDataPacket[]>(sql, params))[0];

  /** The metrics for the period once detection has read the whole audit log. */
  async function metrics(): Promise<Metrics> {
    return until('detection to catch up', async () => {
      const res = await app.t.gql<{ securityMetrics: Metrics }>(
        METRICS,
        { from: from.toISOString(), to: to.toISOString() },
        admin,
      );
      expect(res.errors).toBeUndefined();
      const m = res.data!.securityMetrics;
      return m.detection.lag === 0 && m;
    });
  }

  const login = (user: TestUser, password: string, ip: string) =>
    app.t.gql<{ login: { __typename: string; mfaToken?: string } }>(
      LOGIN,
      { input: { email: user.email, password } },
      { 'x-forwarded-for': ip },
    );
  const WRONG = 'definitely not the password 99';

  it('counts sign-ins, lockouts, refusals, incidents, requests, keys and accounts exactly', async () => {
    const before = await metrics();
    const seededAt = new Date();

    // 3 successful sign-ins (no MFA: each is one sign-in).
    for (let i = 0; i < 3; i++) {
      const res = await login(ok, ok.password, freshIp());
      expect(res.data?.login.__typename).toBe('AuthTokens');
    }
    // 4 wrong passwords: 1 on one account, 3 on another from one address (which locks it there)...
    expect((await login(wrong, WRONG, freshIp())).errors?.[0].extensions.reason).toBe(
      'INVALID_CREDENTIALS',
    );
    const lockedIp = freshIp();
    for (let i = 0; i < 3; i++)
      expect((await login(locked, WRONG, lockedIp)).errors?.[0].extensions.reason).toBe(
        'INVALID_CREDENTIALS',
      );
    // ...so the right password from there is refused by the lockout.
    expect((await login(locked, locked.password, lockedIp)).errors?.[0].extensions).toMatchObject({
      code: 'RATE_LIMITED',
      reason: 'TOO_MANY_ATTEMPTS',
    });
    // 2 wrong MFA codes after a right password (the password step alone is not a sign-in).
    const mfaIp = freshIp();
    const step = await login(withMfa, withMfa.password, mfaIp);
    expect(step.data?.login.__typename).toBe('MfaRequired');
    const valid = new Set([-1, 0, 1].map((s) => totp(withMfa.totpSecret!, s)));
    const wrongCode = ['123456', '654321', '111111', '222222'].find((c) => !valid.has(c))!;
    for (let i = 0; i < 2; i++) {
      const res = await app.t.gql(
        VERIFY_MFA,
        { input: { mfaToken: step.data!.login.mfaToken, code: wrongCode } },
        { 'x-forwarded-for': mfaIp },
      );
      expect(res.errors?.[0].extensions.reason).toBe('INVALID_MFA_CODE');
    }
    // 2 mutations the agent may not run.
    for (let i = 0; i < 2; i++) {
      const res = await app.t.gql(
        'mutation I($input: ReportIncidentInput!) { reportIncident(input: $input) { id } }',
        {
          input: { type: 'Other', severity: 'Low', title: 'not mine to report', description: '-' },
        },
        agent,
      );
      expect(res.errors?.[0].extensions.code).toBe('FORBIDDEN');
    }

    // Incidents: 1 critical, 2 high, 1 low, moved to four different statuses.
    const report = async (severity: string) => {
      const res = await app.t.gql<{ reportIncident: { id: string } }>(
        'mutation I($input: ReportIncidentInput!) { reportIncident(input: $input) { id } }',
        { input: { type: 'Other', severity, title: `metrics ${severity}`, description: '-' } },
        admin,
      );
      expect(res.errors).toBeUndefined();
      return res.data!.reportIncident.id;
    };
    const move = async (id: string, ...statuses: string[]) => {
      for (const status of statuses) {
        const res = await app.t.gql(
          'mutation M($input: MoveIncidentInput!) { moveIncident(input: $input) { status } }',
          { input: { id, status } },
          admin,
        );
        expect(res.errors).toBeUndefined();
      }
    };
    const critical = await report('Critical');
    const high1 = await report('High');
    const high2 = await report('High');
    const low = await report('Low');
    await move(high1, 'Investigating', 'Contained', 'Resolved');
    await move(critical, 'Investigating', 'Contained');
    await move(low, 'Investigating');
    expect(high2).toBeDefined();

    // A data subject request, past its deadline.
    const dsr = await app.t.gql<{ requestErasure: { id: string } }>(
      'mutation R($input: RequestErasureInput!) { requestErasure(input: $input) { id } }',
      { input: { customerId, regime: 'Ccpa', receivedVia: 'phone' } },
      admin,
    );
    expect(dsr.errors).toBeUndefined();
    await app.db.query('UPDATE data_subject_requests SET due_at = ? WHERE id = ?', [
      new Date(Date.now() - 86_400_000),
      dsr.data!.requestErasure.id,
    ]);
    // An API key expiring in 3 days; an account never used, made 100 days ago.
    await app.db.query('UPDATE api_keys SET expires_at = ? WHERE id = ?', [
      new Date(Date.now() + 3 * 86_400_000),
      apiKeyId,
    ]);
    await app.db.query('UPDATE users SET created_at = ?, last_login_at = NULL WHERE id = ?', [
      new Date(Date.now() - 100 * 86_400_000),
      dormant.id,
    ]);
    // Three new viewers, one with MFA.
    await makeUser(app.t, 'viewer', { mfa: true });
    await makeUser(app.t, 'viewer');
    await makeUser(app.t, 'viewer');
    // The audit chain verified.
    const verified = await app.t.gql<{ verifyAuditChain: { ok: boolean } }>(
      '{ verifyAuditChain { ok } }',
      undefined,
      admin,
    );
    expect(verified.data).toEqual({ verifyAuditChain: { ok: true } });

    const after = await metrics();

    // Incidents a detection rule may have opened meanwhile count too (none are expected).
    const detected = await rows(
      "SELECT severity, status FROM incidents WHERE source = 'detection' AND created_at >= ?",
      [seededAt],
    );
    const plus = (base: Record<string, number>, key: string) => {
      base[key] = (base[key] ?? 0) + 1;
      return base;
    };
    const bySeverity: Record<string, number> = { critical: 1, high: 2, low: 1 };
    const byStatus: Record<string, number> = {
      open: 1,
      investigating: 1,
      contained: 1,
      resolved: 1,
    };
    for (const d of detected) {
      plus(bySeverity, d.severity as string);
      plus(byStatus, d.status as string);
    }

    expect({
      signInsOk: after.signInsOk - before.signInsOk,
      signInsFailed: after.signInsFailed - before.signInsFailed,
      signInFailuresByReason: delta(before.signInFailuresByReason, after.signInFailuresByReason),
      lockouts: after.lockouts - before.lockouts,
      failedAuthorizations: after.failedAuthorizations - before.failedAuthorizations,
      dormantAccounts: after.dormantAccounts - before.dormantAccounts,
      apiKeysNearExpiry: after.apiKeysNearExpiry - before.apiKeysNearExpiry,
      incidentsBySeverity: delta(before.incidentsBySeverity, after.incidentsBySeverity),
      incidentsByStatus: delta(before.incidentsByStatus, after.incidentsByStatus),
      openIncidents: after.openIncidents - before.openIncidents,
      dataSubjectRequestsOpen: after.dataSubjectRequestsOpen - before.dataSubjectRequestsOpen,
      dataSubjectRequestsOverdue:
        after.dataSubjectRequestsOverdue - before.dataSubjectRequestsOverdue,
      purgeRuns: delta(before.purgeRuns, after.purgeRuns),
    }).toEqual({
      signInsOk: 3,
      signInsFailed: 4 + 1 + 2,
      signInFailuresByReason: { INVALID_CREDENTIALS: 4, TOO_MANY_ATTEMPTS: 1, INVALID_MFA_CODE: 2 },
      lockouts: 1,
      failedAuthorizations: 2,
      dormantAccounts: 1,
      apiKeysNearExpiry: 1,
      incidentsBySeverity: bySeverity,
      incidentsByStatus: byStatus,
      openIncidents:
        3 +
        detected.filter((d) => ['open', 'investigating', 'contained'].includes(d.status as string))
          .length,
      dataSubjectRequestsOpen: 1,
      dataSubjectRequestsOverdue: 1,
      purgeRuns: {},
    });

    // MFA adoption: three more viewers, one of them with MFA; every other role unchanged.
    const adoption = (m: Metrics, role: string) =>
      m.mfaAdoption.find((r) => r.role === role) ?? { role, users: 0, withMfa: 0 };
    const viewersBefore = adoption(before, 'viewer');
    expect(adoption(after, 'viewer')).toEqual({
      role: 'viewer',
      users: viewersBefore.users + 3,
      withMfa: viewersBefore.withMfa + 1,
    });
    expect(after.mfaAdoption.filter((r) => r.role !== 'viewer')).toEqual(
      before.mfaAdoption.filter((r) => r.role !== 'viewer'),
    );

    // Mean times over the incidents of the period, computed from their rows.
    const incidents = await rows(
      `SELECT first_event_at, detected_at, acknowledged_at, resolved_at FROM incidents
        WHERE detected_at >= ? AND detected_at < ?`,
      [from, to],
    );
    const resolved = await rows(
      'SELECT detected_at, resolved_at FROM incidents WHERE resolved_at >= ? AND resolved_at < ?',
      [from, to],
    );
    const seconds = (a: unknown, b: unknown) =>
      ((b as Date).getTime() - (a as Date).getTime()) / 1000;
    const mttd = mean(
      incidents
        .filter((i) => i.first_event_at)
        .map((i) => seconds(i.first_event_at, i.detected_at)),
    );
    const mtta = mean(
      incidents
        .filter((i) => i.acknowledged_at)
        .map((i) => seconds(i.detected_at, i.acknowledged_at)),
    );
    const mttr = mean(resolved.map((i) => seconds(i.detected_at, i.resolved_at)));
    expect(mtta).not.toBeNull();
    expect(mttr).not.toBeNull();
    for (const [got, want] of [
      [after.meanTimeToDetect, mttd],
      [after.meanTimeToAcknowledge, mtta],
      [after.meanTimeToResolve, mttr],
    ] as const) {
      if (want === null) expect(got).toBeNull();
      else expect(got).toBeCloseTo(want, 3);
    }
    // Our resolved incident is among them, with its own timings.
    const [mine] = await rows(
      'SELECT detected_at, acknowledged_at, resolved_at FROM incidents WHERE id = ?',
      [high1],
    );
    expect(seconds(mine.detected_at, mine.acknowledged_at)).toBeGreaterThanOrEqual(0);
    expect(seconds(mine.acknowledged_at, mine.resolved_at)).toBeGreaterThanOrEqual(0);

    // The audit chain: the verification just made is the last one, and the head is at or past it
    // (a background job may write an event after the metrics were read).
    const [check] = await rows(
      "SELECT seq, occurred_at FROM audit_events WHERE action = 'audit.verified' ORDER BY seq DESC LIMIT 1",
    );
    const [head] = await rows('SELECT last_seq FROM audit_chain_head WHERE id = 1');
    expect(after.auditChain.lastVerificationOk).toBe(true);
    expect(after.auditChain.lastVerifiedAt).toBe((check.occurred_at as Date).toISOString());
    expect((check.occurred_at as Date).getTime()).toBeGreaterThanOrEqual(seededAt.getTime());
    for (const seq of [after.auditChain.headSeq, after.detection.cursor]) {
      expect(BigInt(seq)).toBeGreaterThanOrEqual(BigInt(check.seq as string | number));
      expect(BigInt(seq)).toBeLessThanOrEqual(BigInt(head.last_seq as string | number));
    }
    expect(after.detection.lag).toBe(0);
    expect(after.encryptionAtRest.ok).toBe(true);
  });

  it('counts sign-ins exactly as a COUNT over the audit log with the same classification', async () => {
    const m = await metrics();
    const since = (counts: Count[]) => {
      const was = asMap(base.metrics.signInFailuresByReason);
      return counts
        .map((c) => ({ key: c.key, count: c.count - (was.get(c.key) ?? 0) }))
        .filter((c) => c.count !== 0);
    };
    const [counted] = await rows(
      `SELECT
         COALESCE(SUM(action = 'auth.login' AND result = 'success'
                      AND COALESCE(JSON_VALUE(changes, '$.next'), '') <> 'mfa'), 0) AS ok,
         COALESCE(SUM(action = 'auth.login' AND result = 'failure'), 0) AS failed,
         COALESCE(SUM(action = 'auth.login' AND result = 'failure'
                      AND error_code = 'TOO_MANY_ATTEMPTS'), 0) AS lockouts,
         COALESCE(SUM(result = 'failure' AND error_code = 'FORBIDDEN'), 0) AS denied
       FROM audit_events WHERE seq > ? AND occurred_at >= ? AND occurred_at < ?`,
      // The hours that start in [from, to): from rounds down to its hour, to up to the next.
      [base.seq, floorHour(from), ceilHour(to)],
    );
    const reasons = await rows(
      `SELECT COALESCE(error_code, '') AS reason, COUNT(*) AS n FROM audit_events
        WHERE action = 'auth.login' AND result = 'failure' AND seq > ?
          AND occurred_at >= ? AND occurred_at < ?
        GROUP BY reason`,
      [base.seq, floorHour(from), ceilHour(to)],
    );
    const b = base.metrics;
    expect({
      signInsOk: m.signInsOk - b.signInsOk,
      signInsFailed: m.signInsFailed - b.signInsFailed,
      lockouts: m.lockouts - b.lockouts,
      failedAuthorizations: m.failedAuthorizations - b.failedAuthorizations,
      signInFailuresByReason: since(m.signInFailuresByReason),
    }).toEqual({
      signInsOk: Number(counted.ok),
      signInsFailed: Number(counted.failed),
      lockouts: Number(counted.lockouts),
      failedAuthorizations: Number(counted.denied),
      signInFailuresByReason: reasons
        .map((r) => ({ key: (r.reason as string) || 'UNKNOWN', count: Number(r.n) }))
        .sort((a, b) => a.key.localeCompare(b.key)),
    });
    // The seeded sign-ins are in there.
    expect(m.signInsOk - b.signInsOk).toBeGreaterThanOrEqual(3);
    expect(m.lockouts - b.lockouts).toBeGreaterThanOrEqual(1);
  });

  it('refuses a period whose start is not before its end', async () => {
    for (const [f, t] of [
      [to, from],
      [from, from],
    ]) {
      const res = await app.t.gql(METRICS, { from: f.toISOString(), to: t.toISOString() }, admin);
      expect(res.errors?.[0].extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        reason: 'INVALID_PERIOD',
      });
      expect(res.data ?? null).toBeNull();
    }
  });

  it('is refused to a viewer and to an agent', async () => {
    const viewer = (await signIn(app.t, await makeUser(app.t, 'viewer'))).auth;
    for (const auth of [viewer, agent]) {
      const res = await app.t.gql(
        METRICS,
        { from: from.toISOString(), to: to.toISOString() },
        auth,
      );
      expect(res.errors?.[0].extensions.code).toBe('FORBIDDEN');
      expect(res.data ?? null).toBeNull();
    }
  });
});
