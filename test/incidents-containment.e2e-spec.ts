import type { RowDataPacket } from 'mysql2/promise';
import { ContainmentService } from '../src/modules/incidents/services/containment.service';
import { NotificationsService } from '../src/modules/notifications/notifications.service';
import { adminConnection } from './utils/db';
import { freshIp, LOGIN, makeUser, PASSWORD, signIn, TestUser } from './utils/identity';
import { makeCampaign } from './utils/outreach';
import { useTestApp } from './utils/use-test-app';
import { until } from './utils/until';

/** The office range (LOGIN_IP_ALLOWLIST): never blocked. */
const OFFICE = '10.99.0.0/16';

const APPLY = `mutation A($input: ContainmentInput!) {
  applyContainment(input: $input) { id incidentId kind target status outcome appliedAt reversedAt }
}`;
const REVERSE = `mutation R($input: ReverseContainmentInput!) {
  reverseContainment(input: $input) { id kind target status outcome reversedAt }
}`;
const ME = '{ me { id } }';

/** Polls `probe` until it answers truthy (every `everyMs`, for at most 20 s). */

interface Action {
  id: string;
  incidentId: string | null;
  kind: string;
  target: string;
  status: string;
  outcome: string | null;
  appliedAt: string | null;
  reversedAt: string | null;
}

describe('incidents: each containment action does what it says (e2e)', () => {
  // The responder (detection's poller) is off: a person's action is carried out by the request
  // itself, and the one test about the responder drives it by hand (see 'is carried out once').
  const app = useTestApp({ DETECTION: 'off', LOGIN_IP_ALLOWLIST: OFFICE });
  let adminUser: TestUser;
  let admin: Record<string, string>;
  let incidentId: string;

  beforeAll(async () => {
    adminUser = await makeUser(app.t, 'admin', { mfa: true });
    admin = (await signIn(app.t, adminUser)).auth;
    const reported = await app.t.gql<{ reportIncident: { id: string } }>(
      'mutation I($input: ReportIncidentInput!) { reportIncident(input: $input) { id } }',
      {
        input: {
          type: 'UnauthorizedAccess',
          severity: 'High',
          title: 'Containment under test',
          description: 'Accounts and keys believed compromised',
        },
      },
      admin,
    );
    expect(reported.errors).toBeUndefined();
    incidentId = reported.data!.reportIncident.id;
  });

  const rows = async (sql: string, params: unknown[] = []) =>
    (await app.db.query<RowDataPacket[]>(sql, params))[0];
  const count = async (sql: string, params: unknown[] = []) =>
    Number((await rows(sql, params))[0].n);

  async function apply(
    kind: string,
    target: string,
    extra: { minutes?: number; incidentId?: string | null } = {},
    auth = admin,
  ) {
    return app.t.gql<{ applyContainment: Action }>(
      APPLY,
      {
        input: {
          incidentId: extra.incidentId === undefined ? incidentId : extra.incidentId,
          kind,
          target,
          ...(extra.minutes ? { minutes: extra.minutes } : {}),
        },
      },
      auth,
    );
  }

  /** Applies an action that must succeed; returns it. */
  async function applied(kind: string, target: string, minutes?: number): Promise<Action> {
    const res = await apply(kind, target, { minutes });
    expect(res.errors).toBeUndefined();
    expect(res.data!.applyContainment).toMatchObject({
      incidentId,
      kind,
      target: expect.any(String) as string,
      status: 'Applied',
      reversedAt: null,
    });
    const [row] = await rows('SELECT status, applied_at FROM incident_actions WHERE id = ?', [
      res.data!.applyContainment.id,
    ]);
    expect(row.status).toBe('applied');
    expect(row.applied_at).toBeInstanceOf(Date);
    return res.data!.applyContainment;
  }

  async function reverse(id: string, reason = 'false positive, checked with the user') {
    return app.t.gql<{ reverseContainment: Action }>(REVERSE, { input: { id, reason } }, admin);
  }

  async function timeline(): Promise<{ kind: string; data: Record<string, unknown> | null }[]> {
    const res = await app.t.gql<{
      incident: { timeline: { items: { kind: string; data: string | null }[] } };
    }>(
      'query($id: String!) { incident(id: $id) { timeline { items { kind data } } } }',
      { id: incidentId },
      admin,
    );
    expect(res.errors).toBeUndefined();
    return res.data!.incident.timeline.items.map((e) => ({
      kind: e.kind,
      data: e.data ? (JSON.parse(e.data) as Record<string, unknown>) : null,
    }));
  }

  const auditOf = (action: string, resourceId: string) =>
    rows(
      'SELECT actor_type, actor_id, result FROM audit_events WHERE action = ? AND resource_id = ? ORDER BY seq',
      [action, resourceId],
    );

  /** A password sign-in from a fresh address: the raw answer. */
  const login = (user: TestUser, password = user.password) =>
    app.t.gql<{ login: { __typename: string } }>(
      LOGIN,
      { input: { email: user.email, password } },
      { 'x-forwarded-for': freshIp() },
    );

  /** Any query from `ip` with a valid admin token: the raw HTTP answer. */
  const from = (ip: string) =>
    fetch(`${app.t.url}/graphql`, {
      method: 'POST',
      headers: { ...admin, 'x-forwarded-for': ip, 'content-type': 'application/json' },
      body: JSON.stringify({ query: ME }),
    });

  describe('disable_user', () => {
    it('ends a signed-in user’s access at once, is on the timeline and in the audit log, and reverses', async () => {
      const agent = await makeUser(app.t, 'agent');
      const session = await signIn(app.t, agent);
      expect((await app.t.gql(ME, undefined, session.auth)).errors).toBeUndefined();

      const action = await applied('DisableUser', agent.id);
      expect(action.target).toBe(agent.id);

      // The very next request with the live access token is refused: no waiting for it to expire.
      const me = await app.t.gql(ME, undefined, session.auth);
      expect(me.errors?.[0].extensions.code).toBe('UNAUTHENTICATED');
      expect(me.data ?? null).toBeNull();
      const [user] = await rows('SELECT status FROM users WHERE id = ?', [agent.id]);
      expect(user.status).toBe('disabled');
      expect(
        await count('SELECT COUNT(*) AS n FROM sessions WHERE user_id = ? AND revoked_at IS NULL', [
          agent.id,
        ]),
      ).toBe(0);
      const refused = await login(agent);
      expect(refused.errors?.[0].extensions.reason).toBe('ACCOUNT_DISABLED');

      expect(await timeline()).toContainEqual({
        kind: 'Action',
        data: {
          actionId: action.id,
          kind: 'disable_user',
          target: agent.id,
          status: 'applied',
          outcome: action.outcome,
        },
      });
      expect(await auditOf('incident.action_applied', action.id)).toEqual([
        { actor_type: 'user', actor_id: adminUser.id, result: 'success' },
      ]);
      expect(await auditOf('user.disabled', agent.id)).toEqual([
        { actor_type: 'user', actor_id: adminUser.id, result: 'success' },
      ]);

      const reversed = await reverse(action.id);
      expect(reversed.errors).toBeUndefined();
      expect(reversed.data!.reverseContainment).toMatchObject({
        id: action.id,
        status: 'Reversed',
        reversedAt: expect.any(String) as string,
      });
      expect((await rows('SELECT status FROM users WHERE id = ?', [agent.id]))[0].status).toBe(
        'active',
      );
      // They sign in again.
      const again = await signIn(app.t, agent);
      expect((await app.t.gql(ME, undefined, again.auth)).data).toEqual({ me: { id: agent.id } });
      expect(await auditOf('incident.action_reversed', action.id)).toEqual([
        { actor_type: 'user', actor_id: adminUser.id, result: 'success' },
      ]);
      expect((await timeline()).map((e) => e.kind)).toContain('ActionReversed');

      // Reversed once: a second reversal is refused and changes nothing.
      const twice = await reverse(action.id);
      expect(twice.errors?.[0].extensions).toMatchObject({
        code: 'CONFLICT',
        reason: 'ACTION_NOT_APPLIED',
      });
      expect(
        await count('SELECT COUNT(*) AS n FROM audit_events WHERE action = ? AND resource_id = ?', [
          'incident.action_reversed',
          action.id,
        ]),
      ).toBe(1);
    });

    it('answers with the action as stored: its appliedAt included', async () => {
      const agent = await makeUser(app.t, 'agent');
      const res = await apply('DisableUser', agent.id);
      expect(res.errors).toBeUndefined();
      const [row] = await rows('SELECT applied_at FROM incident_actions WHERE id = ?', [
        res.data!.applyContainment.id,
      ]);
      expect(res.data!.applyContainment.appliedAt).toBe((row.applied_at as Date).toISOString());
    });

    it('is carried out once: the responder never takes up a person’s action in flight', async () => {
      const agent = await makeUser(app.t, 'agent');
      // Holds the user's row, so the action stays in flight (waiting for that row's lock).
      const holder = await adminConnection();
      let claimed: number;
      let res: Awaited<ReturnType<typeof apply>>;
      try {
        await holder.beginTransaction();
        await holder.query('SELECT id FROM users WHERE id = ? FOR UPDATE', [agent.id]);
        const inFlight = apply('DisableUser', agent.id);
        await until(
          'the action to wait for the user row',
          async () =>
            (await count(
              "SELECT COUNT(*) AS n FROM information_schema.INNODB_TRX WHERE trx_state = 'LOCK WAIT'",
            )) > 0,
          // InnoDB refreshes INNODB_TRX only when it was not read in the last 100 ms.
          { everyMs: 150 },
        );
        // A responder pass meanwhile (what detection's poller does every DETECTION_INTERVAL_MS):
        // it finds nothing of this action to run. Released once it has claimed or finished.
        let passed = false;
        const pass = app.t.app
          .get(ContainmentService)
          .runPending()
          .finally(() => {
            passed = true;
          });
        await until('the responder to claim something or finish', async () => {
          if (passed) return true;
          return (
            (await count(
              'SELECT COUNT(*) AS n FROM incident_actions WHERE target = ? AND locked_until IS NOT NULL',
              [agent.id],
            )) > 0
          );
        });
        await holder.commit();
        [claimed, res] = await Promise.all([pass, inFlight]);
      } finally {
        await holder.end();
      }
      expect(res.errors).toBeUndefined();
      const actionId = res.data!.applyContainment.id;
      expect(await auditOf('user.disabled', agent.id)).toHaveLength(1);
      expect(await auditOf('incident.action_applied', actionId)).toHaveLength(1);
      expect(claimed).toBe(0);
      expect(
        await rows('SELECT status, attempts FROM incident_actions WHERE target = ?', [agent.id]),
      ).toEqual([{ status: 'applied', attempts: 1 }]);
    });

    it('is refused against your own account, and writes nothing', async () => {
      const actionsBefore = await count(
        'SELECT COUNT(*) AS n FROM incident_actions WHERE target = ?',
        [adminUser.id],
      );
      for (const kind of ['DisableUser', 'ForcePasswordReset', 'ForceMfaReenrollment']) {
        const res = await apply(kind, adminUser.id);
        expect(res.errors?.[0].extensions).toMatchObject({
          code: 'BAD_USER_INPUT',
          reason: 'ACTION_NOT_ALLOWED',
        });
        expect(res.data ?? null).toBeNull();
      }
      expect(
        await count('SELECT COUNT(*) AS n FROM incident_actions WHERE target = ?', [adminUser.id]),
      ).toBe(actionsBefore);
      const [me] = await rows('SELECT status, mfa_enabled FROM users WHERE id = ?', [adminUser.id]);
      expect(me).toEqual({ status: 'active', mfa_enabled: 1 });
      expect((await app.t.gql(ME, undefined, admin)).data).toEqual({ me: { id: adminUser.id } });
    });
  });

  describe('block_address', () => {
    it('refuses every request from a blocked range (even a signed-in admin’s), only that range, until reversed', async () => {
      const action = await applied('BlockAddress', '10.88.0.0/24', 5);
      expect(action.target).toBe('10.88.0.0/24');

      const blocked = await from('10.88.0.7');
      expect(blocked.status).toBe(403);
      expect(await blocked.json()).toEqual({
        data: null,
        errors: [
          {
            message: expect.any(String) as string,
            extensions: {
              code: 'FORBIDDEN',
              reason: 'ADDRESS_BLOCKED',
              requestId: expect.any(String) as string,
            },
          },
        ],
      });
      // A sign-in from there is refused the same way.
      const signInThere = await app.t.gql(
        LOGIN,
        { input: { email: adminUser.email, password: PASSWORD } },
        { 'x-forwarded-for': '10.88.0.200' },
      );
      expect(signInThere.status).toBe(403);
      expect(signInThere.errors?.[0].extensions.reason).toBe('ADDRESS_BLOCKED');
      // The next range is served.
      const neighbour = await from('10.88.1.7');
      expect(neighbour.status).toBe(200);
      expect(await neighbour.json()).toEqual({ data: { me: { id: adminUser.id } } });

      const list = await app.t.gql<{
        addressBlocks: { id: string; cidr: string; incidentId: string; expiresAt: string }[];
      }>('{ addressBlocks { id cidr incidentId expiresAt } }', undefined, admin);
      expect(list.errors).toBeUndefined();
      const block = list.data!.addressBlocks.find((b) => b.cidr === '10.88.0.0/24')!;
      expect(block).toMatchObject({ incidentId });
      // 5 minutes from when it was applied.
      const [stored] = await rows('SELECT applied_at FROM incident_actions WHERE id = ?', [
        action.id,
      ]);
      const minutes =
        (Date.parse(block.expiresAt) - (stored.applied_at as Date).getTime()) / 60_000;
      expect(minutes).toBeGreaterThan(4.9);
      expect(minutes).toBeLessThanOrEqual(5);
      expect(await auditOf('address.blocked', block.id)).toHaveLength(1);
      expect(await auditOf('incident.action_applied', action.id)).toHaveLength(1);

      const reversed = await reverse(action.id);
      expect(reversed.errors).toBeUndefined();
      expect(reversed.data!.reverseContainment.status).toBe('Reversed');
      const served = await from('10.88.0.7');
      expect(served.status).toBe(200);
      expect(await served.json()).toEqual({ data: { me: { id: adminUser.id } } });
      const after = await app.t.gql<{ addressBlocks: { cidr: string }[] }>(
        '{ addressBlocks { cidr } }',
        undefined,
        admin,
      );
      expect(after.data!.addressBlocks.map((b) => b.cidr)).not.toContain('10.88.0.0/24');
      const [row] = await rows('SELECT lifted_at, lifted_by FROM address_blocks WHERE id = ?', [
        block.id,
      ]);
      expect(row.lifted_at).not.toBeNull();
      expect(row.lifted_by).toBe(adminUser.id);
      expect(await auditOf('incident.action_reversed', action.id)).toHaveLength(1);
    });

    it('refuses to block an office address of LOGIN_IP_ALLOWLIST, and writes nothing', async () => {
      const before = {
        blocks: await count('SELECT COUNT(*) AS n FROM address_blocks'),
        actions: await count('SELECT COUNT(*) AS n FROM incident_actions'),
        applied: await count(
          "SELECT COUNT(*) AS n FROM audit_events WHERE action LIKE 'incident.action_%' OR action = 'address.blocked'",
        ),
      };
      for (const target of ['10.99.4.20', '10.99.0.0/24']) {
        const res = await apply('BlockAddress', target, { minutes: 5 });
        expect(res.errors?.[0].extensions).toMatchObject({
          code: 'CONFLICT',
          reason: 'ADDRESS_ALLOW_LISTED',
        });
        expect(res.data ?? null).toBeNull();
      }
      expect({
        blocks: await count('SELECT COUNT(*) AS n FROM address_blocks'),
        actions: await count('SELECT COUNT(*) AS n FROM incident_actions'),
        applied: await count(
          "SELECT COUNT(*) AS n FROM audit_events WHERE action LIKE 'incident.action_%' OR action = 'address.blocked'",
        ),
      }).toEqual(before);
      expect((await from('10.99.4.20')).status).toBe(200);
    });

    it('refuses a target that is not an address or a sane CIDR, and writes nothing', async () => {
      const before = await count('SELECT COUNT(*) AS n FROM incident_actions');
      for (const target of ['999.1.1.1', '10.0.0.0/2', '10.1.1.1/33', 'example.com']) {
        const res = await apply('BlockAddress', target, { minutes: 5 });
        expect(res.errors?.[0].extensions).toMatchObject({
          code: 'BAD_USER_INPUT',
          reason: 'INVALID_ADDRESS',
        });
      }
      expect(await count('SELECT COUNT(*) AS n FROM incident_actions')).toBe(before);
    });
  });

  describe('revoke_api_key', () => {
    it('stops a working key at once, and cannot be reversed', async () => {
      const manager = await makeUser(app.t, 'manager', { mfa: true, teamId: 'team-containment' });
      const m = (await signIn(app.t, manager)).auth;
      const created = await app.t.gql<{ createApiKey: { apiKey: string; key: { id: string } } }>(
        'mutation K($input: CreateApiKeyInput!) { createApiKey(input: $input) { apiKey key { id } } }',
        { input: { name: 'leaked in a paste', scopes: ['read:User'] } },
        m,
      );
      expect(created.errors).toBeUndefined();
      const { apiKey, key } = created.data!.createApiKey;
      const USERS = '{ users(first: 1) { items { id } } }';
      expect((await app.t.gql(USERS, undefined, { 'x-api-key': apiKey })).errors).toBeUndefined();

      const action = await applied('RevokeApiKey', key.id);
      expect(action).toMatchObject({ target: key.id, outcome: 'key revoked' });
      const refused = await app.t.gql(USERS, undefined, { 'x-api-key': apiKey });
      expect(refused.errors?.[0].extensions.code).toBe('UNAUTHENTICATED');
      expect(refused.data ?? null).toBeNull();
      const [row] = await rows('SELECT revoked_at FROM api_keys WHERE id = ?', [key.id]);
      expect(row.revoked_at).not.toBeNull();
      expect(await auditOf('api_key.revoked', key.id)).toEqual([
        { actor_type: 'user', actor_id: adminUser.id, result: 'success' },
      ]);

      const reversed = await reverse(action.id);
      expect(reversed.errors?.[0].extensions).toMatchObject({
        code: 'CONFLICT',
        reason: 'ACTION_NOT_REVERSIBLE',
      });
      const [still] = await rows('SELECT status FROM incident_actions WHERE id = ?', [action.id]);
      expect(still.status).toBe('applied');
      expect((await app.t.gql(USERS, undefined, { 'x-api-key': apiKey })).errors?.[0]).toBeTruthy();
    });
  });

  describe('force_password_reset', () => {
    it('kills the old password and every session, and emails a reset link', async () => {
      const agent = await makeUser(app.t, 'agent');
      const one = await signIn(app.t, agent);
      const two = await signIn(app.t, agent);
      const since = new Date(Date.now() - 1000);

      const action = await applied('ForcePasswordReset', agent.id);
      expect(action.target).toBe(agent.id);

      const old = await login(agent);
      expect(old.errors?.[0].extensions).toMatchObject({
        code: 'UNAUTHENTICATED',
        reason: 'INVALID_CREDENTIALS',
      });
      for (const s of [one, two])
        expect((await app.t.gql(ME, undefined, s.auth)).errors?.[0].extensions.code).toBe(
          'UNAUTHENTICATED',
        );
      const sessions = await rows('SELECT revoked_at FROM sessions WHERE user_id = ?', [agent.id]);
      expect(sessions).toHaveLength(2);
      for (const s of sessions) expect(s.revoked_at).not.toBeNull();

      const mail = (
        await app.t.app.get(NotificationsService).listByTemplate('password_reset', 100)
      ).filter((n) => n.recipient === agent.email);
      expect(mail).toHaveLength(1);
      expect(mail[0].body).toMatch(/reset-password\?token=[A-Za-z0-9_-]+/);
      const [outbox] = await rows(
        "SELECT template, channel, created_at FROM notification_outbox WHERE id = ? AND template = 'password_reset'",
        [mail[0].id],
      );
      expect(outbox).toBeDefined();
      expect((outbox.created_at as Date).getTime()).toBeGreaterThanOrEqual(since.getTime());
      expect(await auditOf('user.password_reset_forced', agent.id)).toEqual([
        { actor_type: 'user', actor_id: adminUser.id, result: 'success' },
      ]);

      // Not reversible: a new password is the user's to set.
      expect((await reverse(action.id)).errors?.[0].extensions.reason).toBe(
        'ACTION_NOT_REVERSIBLE',
      );
    });
  });

  describe('force_mfa_reenrollment', () => {
    it('removes the authenticator: the next sign-in may only enroll a new one', async () => {
      const agent = await makeUser(app.t, 'agent', { mfa: true });
      const session = await signIn(app.t, agent);
      expect((await login(agent)).data?.login.__typename).toBe('MfaRequired');

      const action = await applied('ForceMfaReenrollment', agent.id);
      expect(action.target).toBe(agent.id);

      expect((await app.t.gql(ME, undefined, session.auth)).errors?.[0].extensions.code).toBe(
        'UNAUTHENTICATED',
      );
      const res = await login(agent);
      expect(res.errors).toBeUndefined();
      expect(res.data!.login.__typename).toBe('MfaEnrollmentRequired');
      const [user] = await rows(
        'SELECT mfa_enabled, mfa_reenroll_required, totp_secret_enc FROM users WHERE id = ?',
        [agent.id],
      );
      expect(user).toEqual({ mfa_enabled: 0, mfa_reenroll_required: 1, totp_secret_enc: null });
      expect(
        await count('SELECT COUNT(*) AS n FROM mfa_backup_codes WHERE user_id = ?', [agent.id]),
      ).toBe(0);
      expect(await auditOf('user.mfa_reenrollment_forced', agent.id)).toHaveLength(1);
    });
  });

  describe('rotate_data_key', () => {
    it('rotates the pii data key', async () => {
      const keys = async () => {
        const res = await app.t.gql<{
          cryptoKeys: { id: number; purpose: string; status: string; version: number }[];
        }>('{ cryptoKeys { id purpose status version } }', undefined, admin);
        expect(res.errors).toBeUndefined();
        return res.data!.cryptoKeys.filter((k) => k.purpose === 'pii');
      };
      const [before] = (await keys()).filter((k) => k.status === 'Active');
      expect(before).toBeDefined();

      const action = await applied('RotateDataKey', 'pii');
      expect(action.outcome).toMatch(/^rotated to key \d+/);

      const active = (await keys()).filter((k) => k.status === 'Active');
      expect(active).toHaveLength(1);
      expect(active[0].id).not.toBe(before.id);
      expect(active[0].version).toBe(before.version + 1);
      expect(action.outcome).toContain(`key ${active[0].id};`);
      const [db] = await rows(
        "SELECT id FROM crypto_keys WHERE purpose = 'pii' AND status = 'active'",
      );
      expect(Number(db.id)).toBe(active[0].id);
      expect((await keys()).find((k) => k.id === before.id)?.status).toBe('DecryptOnly');
    });

    it('refuses an unknown key purpose, and writes nothing', async () => {
      const before = await count('SELECT COUNT(*) AS n FROM incident_actions');
      const res = await apply('RotateDataKey', 'no_such_purpose');
      expect(res.errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
      expect(res.data ?? null).toBeNull();
      expect(await count('SELECT COUNT(*) AS n FROM incident_actions')).toBe(before);
      // The refusal itself is in the audit log (the operation capture records it).
      const [refusal] = await rows(
        "SELECT result, error_code FROM audit_events WHERE action = 'graphql.applyContainment' ORDER BY seq DESC LIMIT 1",
      );
      expect(refusal).toEqual({ result: 'failure', error_code: 'BAD_USER_INPUT' });
    });
  });

  describe('pause_campaign', () => {
    it('pauses a running campaign; reversing resumes it', async () => {
      const owner = await makeUser(app.t, 'manager', { mfa: true, teamId: 'team-pause' });
      const campaign = await makeCampaign(app.t, 'team-pause', owner.id);
      const TRANSITION =
        'mutation T($input: TransitionCampaignInput!) { transitionCampaign(input: $input) { status } }';
      for (const to of ['Scheduled', 'Running']) {
        const res = await app.t.gql(TRANSITION, { input: { id: campaign.id, to } }, admin);
        expect(res.errors).toBeUndefined();
      }
      const status = async () =>
        (await rows('SELECT status FROM campaigns WHERE id = ?', [campaign.id]))[0]
          .status as string;
      expect(await status()).toBe('running');

      const action = await applied('PauseCampaign', campaign.id);
      expect(action.target).toBe(campaign.id);
      expect(await status()).toBe('paused');

      const reversed = await reverse(action.id);
      expect(reversed.errors).toBeUndefined();
      expect(reversed.data!.reverseContainment.status).toBe('Reversed');
      expect(await status()).toBe('running');
      expect(await auditOf('incident.action_reversed', action.id)).toHaveLength(1);
    });
  });

  describe('who may act', () => {
    it('refuses an agent (no update on Incident) with FORBIDDEN and writes nothing', async () => {
      const agent = await makeUser(app.t, 'agent');
      const a = (await signIn(app.t, agent)).auth;
      const victim = await makeUser(app.t, 'agent');
      const before = await count('SELECT COUNT(*) AS n FROM incident_actions');
      const blocksBefore = await count('SELECT COUNT(*) AS n FROM address_blocks');
      for (const [kind, target] of [
        ['DisableUser', victim.id],
        ['BlockAddress', '10.66.0.0/24'],
      ]) {
        const res = await apply(kind, target, { minutes: 5 }, a);
        expect(res.errors?.[0].extensions.code).toBe('FORBIDDEN');
        expect(res.data ?? null).toBeNull();
      }
      const reversal = await app.t.gql(
        REVERSE,
        { input: { id: '00000000-0000-7000-8000-000000000000', reason: 'no' } },
        a,
      );
      expect(reversal.errors?.[0].extensions.code).toBe('FORBIDDEN');
      expect(await count('SELECT COUNT(*) AS n FROM incident_actions')).toBe(before);
      expect(await count('SELECT COUNT(*) AS n FROM address_blocks')).toBe(blocksBefore);
      expect((await rows('SELECT status FROM users WHERE id = ?', [victim.id]))[0].status).toBe(
        'active',
      );
      expect((await from('10.66.0.1')).status).toBe(200);
    });
  });
});
