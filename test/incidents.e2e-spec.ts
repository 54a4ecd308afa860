import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { RowDataPacket } from 'mysql2/promise';
import { IncidentType } from '../src/modules/incidents';
import { IncidentsService } from '../src/modules/incidents/services/incidents.service';
import { NotificationsService } from '../src/modules/notifications/notifications.service';
import { freshIp, LOGIN, makeUser, PASSWORD, signIn, TestUser } from './utils/identity';
import { liftAddressBlocksAfterAll } from './utils/address-blocks';
import { useTestApp } from './utils/use-test-app';
import { until } from './utils/until';

const OFFICE = '10.99.0.0/16';

const INCIDENT_FIELDS = `id type severity status title description ruleKey subject assigneeId
  affectedUsers jurisdictions detectedAt acknowledgedAt containedAt resolvedAt closedAt
  timeline { items { kind text data auditSeq actorType } nextCursor }
  deadlines { rule dueAt msLeft overdue notifiedAt }
  actions { id kind target status outcome }`;

interface Incident {
  id: string;
  type: string;
  severity: string;
  status: string;
  ruleKey: string | null;
  subject: string | null;
  assigneeId: string | null;
  affectedUsers: string[];
  jurisdictions: string[];
  detectedAt: string;
  acknowledgedAt: string | null;
  containedAt: string | null;
  resolvedAt: string | null;
  closedAt: string | null;
  timeline: {
    items: {
      kind: string;
      text: string | null;
      data: string | null;
      auditSeq: string | null;
      actorType: string;
    }[];
  };
  deadlines: {
    rule: string;
    dueAt: string;
    msLeft: number;
    overdue: boolean;
    notifiedAt: string | null;
  }[];
  actions: { id: string; kind: string; target: string; status: string; outcome: string | null }[];
}

// Every suite of this file runs the detector: none of its blocks outlives the file.
liftAddressBlocksAfterAll();

describe('incidents (e2e)', () => {
  const app = useTestApp({
    DETECTION: 'on',
    DETECTION_INTERVAL_MS: '100',
    LOGIN_IP_ALLOWLIST: OFFICE,
  });
  let admin: Record<string, string>;
  let adminUser: TestUser;

  beforeAll(async () => {
    adminUser = await makeUser(app.t, 'admin', { mfa: true });
    admin = (await signIn(app.t, adminUser)).auth;
  });

  const rows = async (sql: string, params: unknown[] = []) =>
    (await app.db.query<RowDataPacket[]>(sql, params))[0];

  async function incidentsOf(type: string): Promise<Incident[]> {
    const res = await app.t.gql<{ incidents: { items: Incident[] } }>(
      `query($type: IncidentType) { incidents(type: $type, first: 100) { items { id } } }`,
      { type },
      admin,
    );
    expect(res.errors).toBeUndefined();
    // The list names them; each is then read whole.
    return Promise.all(res.data!.incidents.items.map((i) => incident(i.id)));
  }

  async function incident(id: string): Promise<Incident> {
    const res = await app.t.gql<{ incident: Incident }>(
      `query($id: String!) { incident(id: $id) { ${INCIDENT_FIELDS} } }`,
      { id },
      admin,
    );
    expect(res.errors).toBeUndefined();
    return res.data!.incident;
  }

  async function failLogin(email: string, ip: string) {
    const res = await app.t.gql(
      LOGIN,
      { input: { email, password: 'not the password at all 123' } },
      { 'x-forwarded-for': ip },
    );
    return res;
  }

  /** The detector has read everything written so far. */
  async function detectionCaughtUp() {
    const [{ head }] = await rows('SELECT MAX(seq) AS head FROM audit_events');
    await until('detection to read the audit log', async () => {
      const [{ last_seq }] = await rows('SELECT last_seq FROM detection_cursor WHERE id = 1');
      return BigInt(last_seq as string) >= BigInt(head as string);
    });
  }

  describe('detection', () => {
    it('opens exactly one brute-force incident for 20 failed sign-ins on one account, and applies its action', async () => {
      const victim = await makeUser(app.t, 'agent');
      const victimTokens = await signIn(app.t, victim);
      // From many addresses (a botnet): no address sees 10 accounts, so this is not stuffing.
      for (let i = 0; i < 20; i++) await failLogin(victim.email, freshIp());

      const [opened] = await until('the brute-force incident', async () => {
        const found = (await incidentsOf('BruteForce')).filter((i) =>
          i.affectedUsers.includes(victim.id),
        );
        return found.length > 0 && found;
      });
      expect(opened).toMatchObject({
        type: 'BruteForce',
        severity: 'High',
        status: 'Open',
        ruleKey: 'brute_force',
      });
      expect(opened.subject).toMatch(/^account:[0-9a-f]{32}$/);
      const detection = opened.timeline.items.find((e) => e.kind === 'Detection')!;
      expect(JSON.parse(detection.data!)).toMatchObject({ count: 20, threshold: 20 });
      // The evidence: the first failure and the one that crossed the threshold.
      const evidence = opened.timeline.items.filter((e) => e.kind === 'Evidence');
      expect(evidence).toHaveLength(2);
      const linked = await rows(
        'SELECT action, result FROM audit_events WHERE seq IN (?) ORDER BY seq',
        [evidence.map((e) => e.auditSeq)],
      );
      expect(linked).toEqual([
        { action: 'auth.login', result: 'failure' },
        { action: 'auth.login', result: 'failure' },
      ]);

      // Its action (the default: force a password reset) runs without anyone.
      const applied = await until('the password reset to be forced', async () => {
        const now = await incident(opened.id);
        return now.actions[0]?.status === 'Applied' && now;
      });
      expect(applied.actions).toEqual([
        expect.objectContaining({
          kind: 'ForcePasswordReset',
          target: victim.id,
          status: 'Applied',
        }),
      ]);
      expect(applied.timeline.items.map((e) => e.kind)).toContain('Action');
      // The victim's session is gone and a reset link is on its way.
      const me = await app.t.gql('{ me { id } }', undefined, victimTokens.auth);
      expect(me.errors?.[0].extensions.code).toBe('UNAUTHENTICATED');
      const [mail] = await rows(
        "SELECT COUNT(*) AS n FROM notification_outbox WHERE template = 'password_reset' AND created_at > ?",
        [new Date(opened.detectedAt)],
      );
      expect(Number(mail.n)).toBeGreaterThanOrEqual(1);

      // More failures in the same window add nothing: still one incident, one action.
      for (let i = 0; i < 5; i++) await failLogin(victim.email, freshIp());
      await detectionCaughtUp();
      const all = (await incidentsOf('BruteForce')).filter((i) =>
        i.affectedUsers.includes(victim.id),
      );
      expect(all).toHaveLength(1);
      expect(all[0].actions).toHaveLength(1);
    });

    it('blocks an address that fails on 10 accounts and opens one credential-stuffing incident', async () => {
      const attacker = freshIp();
      // Ten accounts, most of which do not exist (a leaked list).
      const emails = Array.from(
        { length: 10 },
        () => `stuffed.${randomUUID()}@e2e.callwarden.test`,
      );
      for (const email of emails) await failLogin(email, attacker);

      const blocked = await until('the address to be blocked', async () => {
        const res = await fetch(`${app.t.url}/graphql`, {
          method: 'POST',
          headers: { ...admin, 'x-forwarded-for': attacker, 'content-type': 'application/json' },
          body: JSON.stringify({ query: '{ me { id } }' }),
        });
        return res.status === 403 && res;
      });
      // Every operation is refused, a signed-in admin's included, with no data.
      expect(await blocked.json()).toEqual({
        data: null,
        errors: [
          {
            message: 'Requests from this address are blocked',
            extensions: {
              code: 'FORBIDDEN',
              reason: 'ADDRESS_BLOCKED',
              requestId: expect.any(String) as string,
            },
          },
        ],
      });
      const login = await app.t.gql(
        LOGIN,
        { input: { email: adminUser.email, password: PASSWORD } },
        { 'x-forwarded-for': attacker },
      );
      expect(login.status).toBe(403);
      expect(login.data).toBeNull();
      // Another address is served.
      const other = await app.t.gql('{ me { id } }', undefined, admin);
      expect(other.errors).toBeUndefined();

      const stuffing = (await incidentsOf('CredentialStuffing')).filter(
        (i) => i.subject === `ip:${attacker}`,
      );
      expect(stuffing).toHaveLength(1);
      expect(stuffing[0].actions).toEqual([
        expect.objectContaining({
          kind: 'BlockAddress',
          target: `${attacker}/32`,
          status: 'Applied',
        }),
      ]);
      const blocks = await app.t.gql<{ addressBlocks: { cidr: string; incidentId: string }[] }>(
        '{ addressBlocks { cidr incidentId } }',
        undefined,
        admin,
      );
      expect(blocks.data!.addressBlocks).toContainEqual({
        cidr: `${attacker}/32`,
        incidentId: stuffing[0].id,
      });
      const [event] = await rows(
        "SELECT COUNT(*) AS n FROM audit_events WHERE action = 'address.blocked' AND JSON_VALUE(changes, '$.incidentId') = ?",
        [stuffing[0].id],
      );
      expect(Number(event.n)).toBe(1);
    });

    it('never blocks an office address of the allow-list', async () => {
      const office = '10.99.4.20';
      const emails = Array.from({ length: 12 }, () => `office.${randomUUID()}@e2e.callwarden.test`);
      for (const email of emails) await failLogin(email, office);

      // The incident still opens (someone should look), but its block is skipped.
      const [found] = await until('the office incident', async () => {
        const list = (await incidentsOf('CredentialStuffing')).filter(
          (i) => i.subject === `ip:${office}` && i.actions[0]?.status === 'Skipped',
        );
        return list.length > 0 && list;
      });
      expect(found.actions[0].outcome).toMatch(/allow-listed/);
      const served = await app.t.gql('{ me { id } }', undefined, {
        ...admin,
        'x-forwarded-for': office,
      });
      expect(served.status).toBe(200);
      expect(served.errors).toBeUndefined();
      const [blocks] = await rows(
        'SELECT COUNT(*) AS n FROM address_blocks WHERE cidr = ? AND lifted_at IS NULL',
        [`${office}/32`],
      );
      expect(Number(blocks.n)).toBe(0);
    });

    it('lets admins edit a rule, audited, and refuses actions a rule cannot take', async () => {
      const UPDATE = `mutation($input: UpdateDetectionRuleInput!) {
        updateDetectionRule(input: $input) { key enabled threshold windowSeconds severity actions }
      }`;
      const changed = await app.t.gql<{ updateDetectionRule: Record<string, unknown> }>(
        UPDATE,
        { input: { key: 'api_abuse', threshold: 30, actions: ['RevokeApiKey'] } },
        admin,
      );
      expect(changed.errors).toBeUndefined();
      expect(changed.data!.updateDetectionRule).toMatchObject({
        key: 'api_abuse',
        threshold: 30,
        actions: ['RevokeApiKey'],
        enabled: true,
      });
      const [audit] = await rows(
        "SELECT changes FROM audit_events WHERE action = 'detection.rule_changed' AND resource_id = 'api_abuse' ORDER BY seq DESC LIMIT 1",
      );
      const changes: unknown =
        typeof audit.changes === 'string' ? JSON.parse(audit.changes) : audit.changes;
      expect(changes).toMatchObject({ before: { threshold: 20 }, after: { threshold: 30 } });

      const refused = await app.t.gql(
        UPDATE,
        { input: { key: 'credential_stuffing', actions: ['DisableUser'] } },
        admin,
      );
      expect(refused.errors?.[0].extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        reason: 'ACTION_NOT_ALLOWED',
      });
      const unknown = await app.t.gql(
        UPDATE,
        { input: { key: 'no_such_rule', threshold: 3 } },
        admin,
      );
      expect(unknown.errors?.[0].extensions).toMatchObject({ reason: 'UNKNOWN_RULE' });
      const manager = (await signIn(app.t, await makeUser(app.t, 'manager'))).auth;
      const forbidden = await app.t.gql(
        UPDATE,
        { input: { key: 'api_abuse', threshold: 1 } },
        manager,
      );
      expect(forbidden.errors?.[0].extensions.code).toBe('FORBIDDEN');
      const [{ threshold }] = await rows(
        "SELECT threshold FROM detection_rules WHERE rule_key = 'api_abuse'",
      );
      expect(threshold).toBe(30);
    });
  });

  describe('workflow', () => {
    const REPORT = `mutation($input: ReportIncidentInput!) { reportIncident(input: $input) { ${INCIDENT_FIELDS} } }`;
    const MOVE = `mutation($input: MoveIncidentInput!) { moveIncident(input: $input) { id status acknowledgedAt containedAt resolvedAt closedAt } }`;

    async function report(input: Record<string, unknown>): Promise<Incident> {
      const res = await app.t.gql<{ reportIncident: Incident }>(REPORT, { input }, admin);
      expect(res.errors).toBeUndefined();
      return res.data!.reportIncident;
    }

    it('walks the status machine, refuses illegal moves, reopens with a reason, and keeps a timeline', async () => {
      const opened = await report({
        type: 'UnauthorizedAccess',
        severity: 'Medium',
        title: 'Odd sign-ins',
        description: '<script>alert(1)</script> kept as plain text',
      });
      expect(opened.status).toBe('Open');
      const move = (status: string, reason?: string) =>
        app.t.gql<{ moveIncident: Record<string, string | null> }>(
          MOVE,
          { input: { id: opened.id, status, reason } },
          admin,
        );
      expect((await move('Investigating')).data!.moveIncident.acknowledgedAt).not.toBeNull();
      expect((await move('Contained')).data!.moveIncident.containedAt).not.toBeNull();
      const resolved = (await move('Resolved')).data!.moveIncident;
      expect(resolved.resolvedAt).not.toBeNull();

      // Backward without reopening's reason, or to a status reopening cannot land on: refused.
      const noReason = await move('Investigating');
      expect(noReason.errors?.[0].extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        reason: 'REOPEN_NEEDS_REASON',
      });
      const toContained = await move('Contained', 'looks back');
      expect(toContained.errors?.[0].extensions).toMatchObject({
        code: 'CONFLICT',
        reason: 'INVALID_TRANSITION',
      });
      const same = await move('Resolved');
      expect(same.errors?.[0].extensions).toMatchObject({ reason: 'INVALID_TRANSITION' });

      const reopened = await move('Investigating', 'the attacker came back');
      expect(reopened.data!.moveIncident).toMatchObject({
        status: 'Investigating',
        resolvedAt: null,
        closedAt: null,
      });
      const note = await app.t.gql<{ addIncidentNote: { kind: string; text: string } }>(
        'mutation($input: IncidentNoteInput!) { addIncidentNote(input: $input) { kind text } }',
        { input: { id: opened.id, text: 'Called the user; not them.' } },
        admin,
      );
      expect(note.data!.addIncidentNote).toEqual({
        kind: 'Note',
        text: 'Called the user; not them.',
      });
      const [{ seq }] = await rows(
        "SELECT MAX(seq) AS seq FROM audit_events WHERE action = 'auth.login'",
      );
      const linked = await app.t.gql(
        'mutation($input: LinkEvidenceInput!) { linkIncidentEvidence(input: $input) { kind auditSeq } }',
        { input: { id: opened.id, auditSeq: String(seq) } },
        admin,
      );
      expect(linked.data).toEqual({
        linkIncidentEvidence: { kind: 'Evidence', auditSeq: String(seq) },
      });
      const missing = await app.t.gql(
        'mutation($input: LinkEvidenceInput!) { linkIncidentEvidence(input: $input) { kind } }',
        { input: { id: opened.id, auditSeq: '99999999999' } },
        admin,
      );
      expect(missing.errors?.[0].extensions).toMatchObject({ reason: 'AUDIT_EVENT_NOT_FOUND' });

      const now = await incident(opened.id);
      expect(now.timeline.items.map((e) => e.kind)).toEqual([
        'Opened',
        'Status',
        'Status',
        'Status',
        'Reopened',
        'Note',
        'Evidence',
      ]);
      expect(now.timeline.items[4].text).toBe('the attacker came back');
      expect(now.timeline.items.every((e) => e.actorType === 'user')).toBe(true);
      const audited = await rows(
        "SELECT action FROM audit_events WHERE resource_type = 'Incident' AND resource_id = ? ORDER BY seq",
        [opened.id],
      );
      expect(audited.map((r) => r.action as string)).toEqual([
        'incident.opened',
        'incident.status_changed',
        'incident.status_changed',
        'incident.status_changed',
        'incident.reopened',
        'incident.note_added',
        'incident.evidence_linked',
      ]);

      // A manager reads incidents but cannot change them; nothing is written.
      const manager = (await signIn(app.t, await makeUser(app.t, 'manager'))).auth;
      const read = await app.t.gql(
        `query($id: String!) { incident(id: $id) { id } }`,
        { id: opened.id },
        manager,
      );
      expect(read.errors).toBeUndefined();
      const refused = await app.t.gql(
        MOVE,
        { input: { id: opened.id, status: 'Resolved' } },
        manager,
      );
      expect(refused.errors?.[0].extensions.code).toBe('FORBIDDEN');
      expect((await incident(opened.id)).status).toBe('Investigating');
    });

    it('assigns a critical incident to the on-call user and pages them through the outbox and the SIEM', async () => {
      const onCall = await makeUser(app.t, 'admin', { mfa: true });
      const now = Date.now();
      const shift = await app.t.gql<{ addOnCallShift: { id: string } }>(
        'mutation($input: OnCallShiftInput!) { addOnCallShift(input: $input) { id userId } }',
        {
          input: {
            userId: onCall.id,
            // Started after every other test's shift: the latest start wins.
            startsAt: new Date(now - 60_000).toISOString(),
            endsAt: new Date(now + 3_600_000).toISOString(),
          },
        },
        admin,
      );
      expect(shift.errors).toBeUndefined();
      const badShift = await app.t.gql(
        'mutation($input: OnCallShiftInput!) { addOnCallShift(input: $input) { id } }',
        {
          input: {
            userId: onCall.id,
            startsAt: new Date(now).toISOString(),
            endsAt: new Date(now - 1000).toISOString(),
          },
        },
        admin,
      );
      expect(badShift.errors?.[0].extensions).toMatchObject({ reason: 'INVALID_SHIFT' });

      const critical = await report({
        type: 'Malware',
        severity: 'Critical',
        title: 'Ransomware note on a file server',
        description: 'Found by the night shift.',
        affectedSystems: ['files-01'],
      });
      expect(critical.assigneeId).toBe(onCall.id);
      expect(critical.timeline.items.map((e) => e.kind)).toEqual(['Opened', 'Assigned']);
      const outbox = app.t.app.get(NotificationsService);
      const pages = (await outbox.listByTemplate('incident_critical', 200)).filter((n) =>
        n.body.includes(critical.id),
      );
      expect(pages.map((n) => n.recipient)).toEqual([onCall.email]);
      const [raised] = await rows(
        "SELECT seq FROM audit_events WHERE action = 'incident.raised_critical' AND resource_id = ?",
        [critical.id],
      );
      const [queued] = await rows(
        'SELECT COUNT(*) AS n FROM audit_siem_outbox WHERE audit_seq = ?',
        [raised.seq],
      );
      expect(Number(queued.n)).toBe(1);

      // A raise to critical pages too; an ordinary assignment emails the assignee.
      const medium = await report({
        type: 'Other',
        severity: 'Medium',
        title: 'Lost laptop',
        description: 'Encrypted disk.',
      });
      expect(medium.assigneeId).toBeNull();
      const raisedLater = await app.t.gql<{
        updateIncident: { severity: string; assigneeId: string };
      }>(
        'mutation($input: UpdateIncidentInput!) { updateIncident(input: $input) { severity assigneeId } }',
        { input: { id: medium.id, severity: 'Critical' } },
        admin,
      );
      expect(raisedLater.data!.updateIncident).toEqual({
        severity: 'Critical',
        assigneeId: onCall.id,
      });
      const other = await makeUser(app.t, 'manager');
      const assigned = await app.t.gql(
        'mutation($input: AssignIncidentInput!) { assignIncident(input: $input) { assigneeId } }',
        { input: { id: medium.id, userId: other.id } },
        admin,
      );
      expect(assigned.data).toEqual({ assignIncident: { assigneeId: other.id } });
      const mails = (await outbox.listByTemplate('incident_assigned', 200)).filter((n) =>
        n.body.includes(medium.id),
      );
      expect(mails.map((n) => n.recipient)).toEqual([other.email]);
    });

    it('gives a data breach its notification deadlines, shows the time left, and alerts once when one is overdue', async () => {
      const breach = await report({
        type: 'DataBreach',
        severity: 'High',
        title: 'Customer export left on a public share',
        description: 'Found by a partner.',
        jurisdictions: ['US-CO'],
      });
      const detectedAt = new Date(breach.detectedAt).getTime();
      const byRule = Object.fromEntries(breach.deadlines.map((d) => [d.rule, d]));
      expect(new Date(byRule['gdpr:authority'].dueAt).getTime()).toBe(detectedAt + 72 * 3_600_000);
      expect(new Date(byRule['us-co:individuals'].dueAt).getTime()).toBe(
        detectedAt + 30 * 86_400_000,
      );
      expect(byRule['gdpr:authority'].msLeft).toBeGreaterThan(71 * 3_600_000);
      expect(byRule['gdpr:authority'].msLeft).toBeLessThanOrEqual(72 * 3_600_000);
      expect(byRule['gdpr:authority'].overdue).toBe(false);

      const badPlace = await app.t.gql(
        REPORT,
        {
          input: {
            type: 'DataBreach',
            severity: 'High',
            title: 'x',
            description: 'y',
            jurisdictions: ['US-ZZ'],
          },
        },
        admin,
      );
      expect(badPlace.errors?.[0].extensions).toMatchObject({ reason: 'UNKNOWN_JURISDICTION' });

      // The authority was told: that deadline is met.
      const met = await app.t.gql(
        'mutation($input: BreachNotificationInput!) { recordBreachNotification(input: $input) { rule notifiedAt overdue } }',
        { input: { id: breach.id, rule: 'gdpr:authority' } },
        admin,
      );
      expect(met.errors).toBeUndefined();

      // 31 days later (the clock moved by the database): the state deadline is overdue, alerted once.
      await app.db.query(
        'UPDATE incident_deadlines SET due_at = due_at - INTERVAL 31 DAY WHERE incident_id = ?',
        [breach.id],
      );
      const incidents = app.t.app.get(IncidentsService);
      expect(await incidents.alertOverdue()).toBeGreaterThanOrEqual(1);
      await incidents.alertOverdue();
      const after = await incident(breach.id);
      const overdue = after.deadlines.find((d) => d.rule === 'us-co:individuals')!;
      expect(overdue.overdue).toBe(true);
      expect(overdue.msLeft).toBeLessThan(0);
      expect(after.deadlines.find((d) => d.rule === 'gdpr:authority')!.overdue).toBe(false);
      // Colorado's two deadlines (residents, and the attorney general) are overdue: one alert each.
      const alerts = after.timeline.items.filter((e) => e.kind === 'DeadlineOverdue');
      expect(alerts.map((a) => (JSON.parse(a.data!) as { rule: string }).rule).sort()).toEqual([
        'us-co:attorney_general',
        'us-co:individuals',
      ]);
      const events = await rows(
        "SELECT seq FROM audit_events WHERE action = 'incident.deadline_overdue' AND resource_id = ?",
        [breach.id],
      );
      expect(events).toHaveLength(2);
      const [queued] = await rows(
        'SELECT COUNT(*) AS n FROM audit_siem_outbox WHERE audit_seq IN (?)',
        [events.map((e) => e.seq as string)],
      );
      expect(Number(queued.n)).toBe(2);
    });

    it('answers bad input with a stable code and writes nothing', async () => {
      const [{ n: before }] = await rows('SELECT COUNT(*) AS n FROM incidents');
      const bad = await app.t.gql(
        REPORT,
        {
          input: { type: 'DataBreach', severity: 'urgent', title: 'x', description: 'y' },
        },
        admin,
      );
      expect(bad.errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
      const blank = await app.t.gql(
        REPORT,
        {
          input: { type: 'Other', severity: 'Low', title: '   ', description: 'y' },
        },
        admin,
      );
      expect(blank.errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
      const unknown = await app.t.gql(
        `query($id: String!) { incident(id: $id) { id } }`,
        { id: randomUUID() },
        admin,
      );
      expect(unknown.errors?.[0].extensions).toMatchObject({
        code: 'NOT_FOUND',
        reason: 'INCIDENT_NOT_FOUND',
      });
      const [{ n: after }] = await rows('SELECT COUNT(*) AS n FROM incidents');
      expect(after).toBe(before);
    });
  });
});

describe('incidents: API abuse (e2e)', () => {
  // A small budget: a key over it is refused RATE_LIMITED, and the refusals are sampled into the
  // audit log (one per caller per second) for the api_abuse rule.
  const app = useTestApp({
    DETECTION: 'on',
    DETECTION_INTERVAL_MS: '100',
    RATE_LIMIT_PER_MINUTE: '5',
  });

  it('revokes a key that keeps exceeding its budget, with one incident', async () => {
    const admin = await makeUser(app.t, 'admin', { mfa: true });
    const { auth } = await signIn(app.t, admin);
    const created = await app.t.gql<{ createApiKey: { apiKey: string; key: { id: string } } }>(
      'mutation K($input: CreateApiKeyInput!) { createApiKey(input: $input) { apiKey key { id } } }',
      { input: { name: 'abuser', scopes: ['read:User'] } },
      auth,
    );
    expect(created.errors).toBeUndefined();
    const { apiKey, key } = created.data!.createApiKey;
    // The rule as an admin would set it (settings are data, read by every batch).
    await app.db.query(
      `UPDATE detection_rules SET threshold = 2, window_seconds = 300, actions = '["revoke_api_key"]'
        WHERE rule_key = 'api_abuse'`,
    );
    const incidents = app.t.app.get(IncidentsService);
    const codes = new Set<unknown>();
    const found = await until('the api-abuse incident', async () => {
      const res = await app.t.gql('{ users(first: 1) { items { id } } }', undefined, {
        'x-api-key': apiKey,
      });
      codes.add(res.errors?.[0]?.extensions.code ?? 'OK');
      const page = await incidents.list({ type: IncidentType.ApiAbuse }, 20);
      return page.items.find((i) => i.subject === `api_key:${key.id}`);
    });
    expect(codes).toContain('RATE_LIMITED');
    expect(found).toMatchObject({ ruleKey: 'api_abuse', affectedSystems: [`api_key:${key.id}`] });
    const revoked = await until('the key to be revoked', async () => {
      const [row] = (
        await app.db.query<RowDataPacket[]>('SELECT revoked_at FROM api_keys WHERE id = ?', [
          key.id,
        ])
      )[0];
      return row.revoked_at !== null && row;
    });
    expect(revoked.revoked_at).not.toBeNull();
    const refused = await app.t.gql('{ users(first: 1) { items { id } } }', undefined, {
      'x-api-key': apiKey,
    });
    expect(refused.errors?.[0].extensions.code).toBe('UNAUTHENTICATED');
    // Still one incident for this key, however many refusals followed.
    const page = await incidents.list({ type: IncidentType.ApiAbuse }, 50);
    expect(page.items.filter((i) => i.subject === `api_key:${key.id}`)).toHaveLength(1);
  });
});

describe('incidents: sign-in places (e2e)', () => {
  // A geo source of documentation ranges: 203.0.113.0/25 New York, 198.51.100.0/24 Paris.
  const app = useTestApp({
    DETECTION: 'on',
    DETECTION_INTERVAL_MS: '100',
    GEOIP_FILE: join(__dirname, 'fixtures', 'geo.csv'),
  });

  it('opens an impossible-travel and a new-country incident for New York then Paris a moment later', async () => {
    const user = await makeUser(app.t, 'agent');
    const incidents = app.t.app.get(IncidentsService);
    const ofUser = async (rule: string) =>
      (await incidents.list({ type: IncidentType.UnauthorizedAccess }, 100)).items.filter(
        (i) => i.ruleKey === rule && i.affectedUsers.includes(user.id),
      );
    const caughtUp = () =>
      until('detection to read the sign-ins', async () => {
        const [[{ head }], [{ last }]] = await Promise.all([
          app.db
            .query<RowDataPacket[]>('SELECT MAX(seq) AS head FROM audit_events')
            .then((r) => r[0]),
          app.db
            .query<RowDataPacket[]>('SELECT last_seq AS last FROM detection_cursor WHERE id = 1')
            .then((r) => r[0]),
        ]);
        return BigInt(last as string) >= BigInt(head as string);
      });

    // The first sign-in anywhere is nobody's new country.
    await signIn(app.t, user, '203.0.113.7');
    await caughtUp();
    expect(await ofUser('new_country')).toEqual([]);
    const [place] = (
      await app.db.query<RowDataPacket[]>(
        'SELECT country FROM sign_in_locations WHERE user_id = ?',
        [user.id],
      )
    )[0];
    expect(place.country).toBe('US');

    await signIn(app.t, user, '198.51.100.9');
    const [travel] = await until('the impossible-travel incident', async () => {
      const found = await ofUser('impossible_travel');
      return found.length > 0 && found;
    });
    expect(travel).toMatchObject({ severity: 'high', subject: `user:${user.id}` });
    const [country] = await until('the new-country incident', async () => {
      const found = await ofUser('new_country');
      return found.length > 0 && found;
    });
    expect(country).toMatchObject({ severity: 'medium', subject: `user:${user.id}` });

    // Paris again: neither new nor far; and nothing more opens in the window.
    await signIn(app.t, user, '198.51.100.10');
    await caughtUp();
    expect(await ofUser('impossible_travel')).toHaveLength(1);
    expect(await ofUser('new_country')).toHaveLength(1);
  });
});
