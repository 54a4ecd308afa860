import type { Connection, RowDataPacket } from 'mysql2/promise';
import { NotificationsService } from '../src/modules/notifications/notifications.service';
import {
  OPT_OUT_REPLY,
  signInbound,
  WEBHOOK_PATH,
} from '../src/modules/compliance/services/inbound.service';
import { Channel } from '../src/modules/outreach/entities/campaign.entity';
import { adminConnection } from './utils/db';
import { makeUser, signIn, TestUser } from './utils/identity';
import { makeCampaign, makeCustomer, makeTask } from './utils/outreach';
import { startTestApp, TestApp } from './utils/test-app';

const SECRET = 'sms-provider-auth-token-0123456789';
const BASE = 'http://localhost:3000';

describe('contact compliance (e2e)', () => {
  let t: TestApp;
  let db: Connection;
  let agent: TestUser;
  let auth: Record<string, string>;

  const post = (
    params: Record<string, string>,
    opts: { secret?: string; ts?: number; unsigned?: boolean } = {},
  ) => {
    const ts = String(opts.ts ?? Math.floor(Date.now() / 1000));
    const headers: Record<string, string> = {
      'content-type': 'application/x-www-form-urlencoded',
      'x-webhook-timestamp': ts,
    };
    if (!opts.unsigned)
      headers['x-twilio-signature'] = signInbound(
        opts.secret ?? SECRET,
        `${BASE}${WEBHOOK_PATH}`,
        params,
        ts,
      );
    return fetch(`${t.url}${WEBHOOK_PATH}`, {
      method: 'POST',
      headers,
      body: new URLSearchParams(params).toString(),
    });
  };
  const count = async (sql: string, args: unknown[]) =>
    Number((await db.query<RowDataPacket[]>(sql, args))[0][0].n);

  beforeAll(async () => {
    t = await startTestApp({ SMS_WEBHOOK_SECRET: SECRET, PUBLIC_BASE_URL: BASE });
    db = await adminConnection();
    agent = await makeUser(t, 'agent', { mfa: true, teamId: 'team-c' });
    auth = (await signIn(t, agent)).auth;
  });
  afterAll(async () => {
    await db.end();
    await t.close();
  });

  it('refuses unsigned, wrongly signed and stale inbound texts, and writes nothing', async () => {
    const params = {
      MessageSid: `SM-bad-${Date.now()}`,
      From: '+12125550199',
      To: '+18005550100',
      Body: 'STOP',
    };
    expect((await post(params, { unsigned: true })).status).toBe(401);
    expect((await post(params, { secret: 'another-secret-0123456789abc' })).status).toBe(401);
    expect((await post(params, { ts: Math.floor(Date.now() / 1000) - 3600 })).status).toBe(401);
    expect(
      await count('SELECT COUNT(*) AS n FROM inbound_messages WHERE provider_message_id = ?', [
        params.MessageSid,
      ]),
    ).toBe(0);
  });

  it('handles STOP once: revokes SMS consent, suppresses the number, cancels pending SMS tasks, confirms once', async () => {
    const customer = await makeCustomer(t);
    const manager = await makeUser(t, 'manager', { teamId: 'team-c' });
    const smsCampaign = await makeCampaign(t, 'team-c', manager.id);
    await db.query('UPDATE campaigns SET channel = ? WHERE id = ?', [Channel.Sms, smsCampaign.id]);
    const callCampaign = await makeCampaign(t, 'team-c', manager.id);
    const smsTask = await makeTask(t, { ...smsCampaign, channel: Channel.Sms }, customer, agent.id);
    const callTask = await makeTask(t, callCampaign, customer, agent.id);
    const phone = customer.phone as string;
    const params = {
      MessageSid: `SM-stop-${Date.now()}`,
      From: phone,
      To: '+18005550100',
      Body: ' Stop! ',
    };

    const first = await post(params);
    expect(first.status).toBe(200);
    expect(await first.text()).toContain('<Response>');
    const again = await post(params);
    expect(again.status).toBe(200);

    expect(
      await count(
        "SELECT COUNT(*) AS n FROM consents WHERE customer_id = ? AND channel = 'sms' AND granted = 0 AND source = 'sms_keyword'",
        [customer.id],
      ),
    ).toBe(2);
    expect(
      await count(
        "SELECT COUNT(*) AS n FROM dnc_entries WHERE address_bidx = ? AND channel = 'sms'",
        [customer.phoneBidx],
      ),
    ).toBe(1);
    const [tasks] = await db.query<RowDataPacket[]>(
      'SELECT id, status FROM tasks WHERE id IN (?, ?)',
      [smsTask.id, callTask.id],
    );
    expect(Object.fromEntries(tasks.map((r) => [r.id as string, r.status as string]))).toEqual({
      [smsTask.id]: 'cancelled',
      [callTask.id]: 'pending',
    });
    const replies = (
      await t.app.get(NotificationsService).listByTemplate('sms_opt_out_confirmation', 50)
    ).filter((n) => n.recipient === phone);
    expect(replies).toHaveLength(1);
    expect(replies[0].body).toBe(OPT_OUT_REPLY);

    // The engine refuses texts to that number from now on; calls are unaffected.
    const decide = (channel: string) =>
      t.gql<{
        evaluateContact: {
          allowed: boolean;
          nextAllowedAt: string | null;
          checks: { rule: string; passed: boolean }[];
        };
      }>(
        `query E($input: EvaluateContactInput!) { evaluateContact(input: $input) { allowed nextAllowedAt checks { rule passed citation } } }`,
        {
          input: {
            customerId: customer.id,
            channel,
            purpose: 'collection',
            at: '2026-03-10T15:00:00Z',
          },
        },
        auth,
      );
    const sms = await decide('sms');
    expect(sms.errors).toBeUndefined();
    expect(sms.data!.evaluateContact.allowed).toBe(false);
    expect(sms.data!.evaluateContact.nextAllowedAt).toBeNull();
    expect(sms.data!.evaluateContact.checks.filter((c) => !c.passed).map((c) => c.rule)).toEqual(
      expect.arrayContaining(['consent.revoked', 'do_not_contact']),
    );
    const call = await decide('call');
    expect(call.data!.evaluateContact.allowed).toBe(true);
  });

  it('answers HELP without opting out, and START opts back in', async () => {
    const customer = await makeCustomer(t);
    const phone = customer.phone as string;
    expect(
      (await post({ MessageSid: `SM-help-${Date.now()}`, From: phone, Body: 'HELP' })).status,
    ).toBe(200);
    expect(
      await count('SELECT COUNT(*) AS n FROM consents WHERE customer_id = ? AND granted = 0', [
        customer.id,
      ]),
    ).toBe(0);
    expect(
      (
        await post({
          MessageSid: `SM-stop2-${Date.now()}`,
          From: phone,
          Body: 'please stop texting me',
        })
      ).status,
    ).toBe(200);
    expect(
      await count('SELECT COUNT(*) AS n FROM dnc_entries WHERE address_bidx = ?', [
        customer.phoneBidx,
      ]),
    ).toBe(1);
    expect(
      (await post({ MessageSid: `SM-start-${Date.now()}`, From: phone, Body: 'START' })).status,
    ).toBe(200);
    expect(
      await count('SELECT COUNT(*) AS n FROM dnc_entries WHERE address_bidx = ?', [
        customer.phoneBidx,
      ]),
    ).toBe(0);
    expect(
      await count(
        "SELECT COUNT(*) AS n FROM consents WHERE customer_id = ? AND channel = 'sms' AND purpose = 'collection' AND granted = 1",
        [customer.id],
      ),
    ).toBe(1);
  });

  it('puts a customer on do-not-call: pending call tasks are cancelled, email tasks are not', async () => {
    const customer = await makeCustomer(t);
    const manager = await makeUser(t, 'manager', { teamId: 'team-c' });
    const callCampaign = await makeCampaign(t, 'team-c', manager.id);
    const emailCampaign = await makeCampaign(t, 'team-c', manager.id);
    await db.query('UPDATE campaigns SET channel = ? WHERE id = ?', [
      Channel.Email,
      emailCampaign.id,
    ]);
    const callTask = await makeTask(t, callCampaign, customer, agent.id);
    const emailTask = await makeTask(
      t,
      { ...emailCampaign, channel: Channel.Email },
      customer,
      agent.id,
    );
    const res = await t.gql(
      'mutation D($input: AddDncEntryInput!) { addDncEntry(input: $input) { id scope channel } }',
      { input: { customerId: customer.id, channel: 'call', reason: 'asked not to be called' } },
      auth,
    );
    expect(res.errors).toBeUndefined();
    const [tasks] = await db.query<RowDataPacket[]>(
      'SELECT id, status FROM tasks WHERE id IN (?, ?)',
      [callTask.id, emailTask.id],
    );
    expect(Object.fromEntries(tasks.map((r) => [r.id as string, r.status as string]))).toEqual({
      [callTask.id]: 'cancelled',
      [emailTask.id]: 'pending',
    });
    const [audit] = await db.query<RowDataPacket[]>(
      "SELECT COUNT(*) AS n FROM audit_events WHERE action = 'dnc.added' AND request_id = ?",
      [res.headers.get('x-request-id')],
    );
    expect(Number(audit[0].n)).toBe(1);
  });

  it('simulates a contact from facts alone and writes nothing', async () => {
    const before = await count('SELECT COUNT(*) AS n FROM compliance_refusals', []);
    const res = await t.gql<{
      simulateContact: {
        allowed: boolean;
        checks: { rule: string; passed: boolean }[];
        nextAllowedAt: string;
      };
    }>(
      `query S($input: SimulateContactInput!) { simulateContact(input: $input) { allowed nextAllowedAt checks { rule passed detail citation } } }`,
      {
        input: {
          channel: 'call',
          purpose: 'collection',
          at: '2026-03-10T12:30:00Z',
          phone: '+18505550101',
          state: 'FL',
          toType: 'home',
        },
      },
      (await signIn(t, await makeUser(t, 'manager', { mfa: true }))).auth,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data!.simulateContact.allowed).toBe(false);
    expect(res.data!.simulateContact.nextAllowedAt).toBe('2026-03-10T13:00:00.000Z');
    expect(await count('SELECT COUNT(*) AS n FROM compliance_refusals', [])).toBe(before);
  });
});
