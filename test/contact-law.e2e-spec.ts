import type { RowDataPacket } from 'mysql2/promise';
import {
  OPT_OUT_REPLY,
  signInbound,
  WEBHOOK_PATH,
} from '../src/modules/compliance/services/inbound-sms.service';
import { Channel } from '../src/modules/outreach/entities/campaign.entity';
import { HttpSink } from './utils/http-sink';
import { makeUser, signIn } from './utils/identity';
import { makeCampaign, makeCustomer, makeTask } from './utils/outreach';
import { useTestApp } from './utils/use-test-app';

const SECRET = 'sms-provider-auth-token-contact-law-0123';
const RELAY_SECRET = 'relay-signing-secret-contact-law-0123';
const BASE = 'http://localhost:3000';
let sid = 0;

/**
 * Contact law II over HTTP: revocation in the consumer's own words through the signed inbound
 * webhook (consent revoked, number suppressed, one confirmation handed to the SMS provider by the
 * outbox worker on its own), refused webhook requests raised, cease requests per debt, and the
 * zone-data health query. The SMS provider is a local sink; everything else is the real app.
 */
describe('contact law II: revocation, cease requests, zone data (e2e)', () => {
  const sink = new HttpSink();
  beforeAll(() => sink.start());
  const app = useTestApp(() => ({
    SMS_WEBHOOK_SECRET: SECRET,
    PUBLIC_BASE_URL: BASE,
    NOTIFY_SMS_URL: `http://127.0.0.1:${sink.port}/sms`,
    NOTIFY_WEBHOOK_SECRET: RELAY_SECRET,
    NOTIFY_POLL_INTERVAL_MS: '100',
  }));
  let agentAuth: Record<string, string>;
  let adminAuth: Record<string, string>;
  let viewerAuth: Record<string, string>;

  const inbound = (from: string, body: string, opts: { unsigned?: boolean } = {}) => {
    const params = {
      MessageSid: `SM-law-${Date.now()}-${++sid}`,
      From: from,
      To: '+18005550100',
      Body: body,
    };
    const ts = String(Math.floor(Date.now() / 1000));
    const headers: Record<string, string> = {
      'content-type': 'application/x-www-form-urlencoded',
      'x-webhook-timestamp': ts,
    };
    if (!opts.unsigned)
      headers['x-twilio-signature'] = signInbound(SECRET, `${BASE}${WEBHOOK_PATH}`, params, ts);
    return fetch(`${app.t.url}${WEBHOOK_PATH}`, {
      method: 'POST',
      headers,
      body: new URLSearchParams(params).toString(),
    });
  };
  const count = async (sql: string, args: unknown[]) =>
    Number((await app.db.query<RowDataPacket[]>(sql, args))[0][0].n);
  const revocations = (customerId: string) =>
    count(
      "SELECT COUNT(*) AS n FROM consents WHERE customer_id = ? AND channel = 'sms' AND granted = 0",
      [customerId],
    );
  const textsTo = (to: string) =>
    sink.received
      .map((r) => JSON.parse(r.body) as { to: string; body: string })
      .filter((m) => m.to === to);
  async function waitForText(to: string): Promise<{ to: string; body: string }[]> {
    for (let i = 0; i < 100 && textsTo(to).length === 0; i++)
      await new Promise((r) => setTimeout(r, 100));
    return textsTo(to);
  }

  beforeAll(async () => {
    agentAuth = (
      await signIn(app.t, await makeUser(app.t, 'agent', { mfa: true, teamId: 'team-law' }))
    ).auth;
    adminAuth = (await signIn(app.t, await makeUser(app.t, 'admin', { mfa: true }))).auth;
    viewerAuth = (await signIn(app.t, await makeUser(app.t, 'viewer', { mfa: true }))).auth;
  });
  // Registered after useTestApp's: afterAll hooks run in that order, so the app is closed first.
  afterAll(() => sink.stop());

  it.each([
    'Stop please',
    'Please stop',
    'I said stop',
    'STOP ALL',
    'opt me out',
    'Please unsubscribe',
    'Revoke consent',
    'Cancel my texts',
    "don't text me",
    'wrong number',
    'take me off your list',
    'leave me alone',
    'ALTO',
    'Basta ya',
    'no me envíe más mensajes',
  ])(
    'reads %j as a revocation: consent revoked, number suppressed, one confirmation sent',
    async (body) => {
      const customer = await makeCustomer(app.t);
      const phone = customer.phone as string;
      const res = await inbound(phone, body);
      expect(res.status).toBe(200);
      expect(await revocations(customer.id)).toBe(2);
      expect(
        await count(
          "SELECT COUNT(*) AS n FROM dnc_entries WHERE address_bidx = ? AND channel = 'sms' AND source = 'sms_keyword'",
          [customer.phoneBidx],
        ),
      ).toBe(1);
      // The outbox worker hands the confirmation to the provider on its own; it says nothing else.
      const texts = await waitForText(phone);
      expect(texts.map((m) => m.body)).toEqual([OPT_OUT_REPLY]);
    },
  );

  it.each(['I stopped by yesterday', 'HELP', 'I will pay on Friday', 'unstoppable'])(
    'does not read %j as a revocation',
    async (body) => {
      const customer = await makeCustomer(app.t);
      expect((await inbound(customer.phone as string, body)).status).toBe(200);
      expect(await revocations(customer.id)).toBe(0);
    },
  );

  it('sends no second confirmation to a number that had already opted out', async () => {
    const customer = await makeCustomer(app.t);
    const phone = customer.phone as string;
    // The outbox keeps recipients encrypted: count this test's confirmations by their template.
    const confirmations = () =>
      count(
        "SELECT COUNT(*) AS n FROM notification_outbox WHERE template = 'sms_opt_out_confirmation'",
        [],
      );
    const before = await confirmations();
    expect((await inbound(phone, 'STOP')).status).toBe(200);
    expect(await waitForText(phone)).toHaveLength(1);
    expect((await inbound(phone, 'stop texting me')).status).toBe(200);
    expect(await revocations(customer.id)).toBe(4);
    await new Promise((r) => setTimeout(r, 500));
    expect(textsTo(phone)).toHaveLength(1);
    expect(await confirmations()).toBe(before + 1);
  });

  it('never refuses an inbound text silently: the refusal is raised as a critical audit event', async () => {
    const customer = await makeCustomer(app.t);
    const before = await count(
      "SELECT COUNT(*) AS n FROM audit_events WHERE action = 'sms.inbound_refused'",
      [],
    );
    expect((await inbound(customer.phone as string, 'STOP', { unsigned: true })).status).toBe(401);
    expect(await revocations(customer.id)).toBe(0);
    let rows: RowDataPacket[] = [];
    for (let i = 0; i < 50 && rows.length <= before; i++) {
      [rows] = await app.db.query<RowDataPacket[]>(
        "SELECT changes FROM audit_events WHERE action = 'sms.inbound_refused' ORDER BY seq",
      );
      if (rows.length <= before) await new Promise((r) => setTimeout(r, 100));
    }
    expect(rows.length).toBe(before + 1);
    const changes = rows[rows.length - 1].changes as string | Record<string, unknown>;
    expect(typeof changes === 'string' ? JSON.parse(changes) : changes).toMatchObject({
      cause: 'INVALID_SIGNATURE',
      refused: 1,
      configured: true,
    });
    // The SIEM outbox carries it (critical).
    expect(
      await count(
        "SELECT COUNT(*) AS n FROM audit_siem_outbox o JOIN audit_events e ON e.seq = o.audit_seq WHERE e.action = 'sms.inbound_refused'",
        [],
      ),
    ).toBeGreaterThanOrEqual(1);
  });

  describe('cease communication (Reg F 1006.6(c))', () => {
    const RECORD = `mutation C($input: RecordCeaseRequestInput!) {
      recordCeaseRequest(input: $input) { id customerId debtId kind receivedVia receivedAt }
    }`;
    const EVALUATE = `query E($input: EvaluateContactInput!) {
      evaluateContact(input: $input) { allowed nextAllowedAt checks { rule kind passed citation } }
    }`;

    it('stops collection contact about the debt at once and cancels pending collection tasks', async () => {
      const customer = await makeCustomer(app.t);
      // The team's manager records the letter: the customer is theirs through the campaign's task.
      const manager = await makeUser(app.t, 'manager', { mfa: true, teamId: 'team-law' });
      const managerAuth = (await signIn(app.t, manager)).auth;
      const campaign = await makeCampaign(app.t, 'team-law', manager.id);
      const task = await makeTask(app.t, { ...campaign, channel: Channel.Call }, customer, null);
      const res = await app.t.gql<{ recordCeaseRequest: { debtId: string; kind: string } }>(
        RECORD,
        {
          input: {
            customerId: customer.id,
            debtId: 'DEBT-1',
            kind: 'cease_communication',
            receivedVia: 'mail',
          },
        },
        managerAuth,
      );
      expect(res.errors).toBeUndefined();
      expect(res.data!.recordCeaseRequest).toMatchObject({
        debtId: 'DEBT-1',
        kind: 'cease_communication',
      });
      expect(
        await count('SELECT COUNT(*) AS n FROM tasks WHERE id = ? AND status = ?', [
          task.id,
          'cancelled',
        ]),
      ).toBe(1);
      expect(
        await count(
          "SELECT COUNT(*) AS n FROM audit_events WHERE action = 'cease.recorded' AND resource_id = ?",
          [customer.id],
        ),
      ).toBe(1);

      const decide = async (debtId: string, purpose = 'collection') =>
        (
          await app.t.gql<{
            evaluateContact: {
              allowed: boolean;
              nextAllowedAt: string | null;
              checks: { rule: string; kind: string; passed: boolean; citation: string | null }[];
            };
          }>(
            EVALUATE,
            { input: { customerId: customer.id, channel: 'call', purpose, debtId } },
            managerAuth,
          )
        ).data!.evaluateContact;
      const same = await decide('DEBT-1');
      expect(same.allowed).toBe(false);
      expect(same.nextAllowedAt).toBeNull();
      expect(same.checks.find((c) => c.rule === 'regf.cease_communication')).toEqual({
        rule: 'regf.cease_communication',
        kind: 'law',
        passed: false,
        citation: '12 CFR 1006.6(c)(1)',
      });
      const other = await decide('DEBT-2');
      expect(other.checks.find((c) => c.rule === 'regf.cease_communication')?.passed).toBe(true);
      const listed = await app.t.gql<{ ceaseRequests: { debtId: string }[] }>(
        'query L($id: String!) { ceaseRequests(customerId: $id) { debtId } }',
        { id: customer.id },
        managerAuth,
      );
      expect(listed.data!.ceaseRequests).toEqual([{ debtId: 'DEBT-1' }]);
    });

    it.each([
      ['a future receipt date', { receivedAt: '2099-01-01T00:00:00Z' }, 'INVALID_CEASE_REQUEST'],
      ['an unknown kind', { kind: 'maybe_later' }, undefined],
      ['an unknown channel', { receivedVia: 'carrier_pigeon' }, undefined],
      ['a debt reference with spaces', { debtId: 'DEBT 1' }, undefined],
    ])('refuses %s with BAD_USER_INPUT and writes nothing', async (_label, change, reason) => {
      const customer = await makeCustomer(app.t);
      const res = await app.t.gql(
        RECORD,
        {
          input: {
            customerId: customer.id,
            kind: 'refusal_to_pay',
            receivedVia: 'email',
            ...change,
          },
        },
        agentAuth,
      );
      expect(res.errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
      if (reason) expect(res.errors?.[0].extensions.reason).toBe(reason);
      expect(
        await count('SELECT COUNT(*) AS n FROM cease_requests WHERE customer_id = ?', [
          customer.id,
        ]),
      ).toBe(0);
    });

    it('is refused to a viewer', async () => {
      const customer = await makeCustomer(app.t);
      const res = await app.t.gql(
        RECORD,
        { input: { customerId: customer.id, kind: 'refusal_to_pay', receivedVia: 'mail' } },
        viewerAuth,
      );
      expect(res.errors?.[0].extensions.code).toBe('FORBIDDEN');
      expect(
        await count('SELECT COUNT(*) AS n FROM cease_requests WHERE customer_id = ?', [
          customer.id,
        ]),
      ).toBe(0);
    });
  });

  it('reports the zone data version and the area codes it does not know', async () => {
    const customer = await makeCustomer(app.t);
    // An area code no one has been assigned yet: stored as unknown, held to every mainland zone.
    await app.db.query("UPDATE customers SET phone_zones = '*' WHERE id = ?", [customer.id]);
    const res = await app.t.gql<{
      zoneDataHealth: {
        dataVersion: string;
        unknownAreaCodeCustomers: number;
        unknownAreaCodes: { areaCode: string; customers: number }[];
      };
    }>(
      '{ zoneDataHealth { dataVersion unknownAreaCodeCustomers unknownAreaCodes { areaCode customers } customersWithoutZone customersPendingZones } }',
      undefined,
      adminAuth,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data!.zoneDataHealth.dataVersion).toMatch(/^\d{4}-\d{2}-\d{2}/);
    expect(res.data!.zoneDataHealth.unknownAreaCodeCustomers).toBeGreaterThanOrEqual(1);
    expect(res.data!.zoneDataHealth.unknownAreaCodes).toEqual(
      expect.arrayContaining([
        {
          areaCode: (customer.phone as string).slice(2, 5),
          customers: expect.any(Number) as number,
        },
      ]),
    );
    const denied = await app.t.gql('{ zoneDataHealth { dataVersion } }', undefined, agentAuth);
    expect(denied.errors?.[0].extensions.code).toBe('FORBIDDEN');
  });
});
