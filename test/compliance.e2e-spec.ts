import { createHmac } from 'node:crypto';
import type { RowDataPacket } from 'mysql2/promise';
import { NotificationsService } from '../src/modules/notifications/notifications.service';
import { UnsubscribeService } from '../src/modules/compliance/services/unsubscribe.service';
import { ComplianceService } from '../src/modules/compliance/compliance.service';
import { ConsentSource } from '../src/modules/compliance/entities/consent.entity';
import { DEFAULT_RULES } from '../src/modules/compliance/rules/default-rules';
import {
  OPT_OUT_REPLY,
  signInbound,
  WEBHOOK_PATH,
} from '../src/modules/compliance/services/inbound-sms.service';
import { Channel } from '../src/modules/outreach/entities/campaign.entity';
import { makeUser, signIn, TestUser } from './utils/identity';
import { makeCampaign, makeCustomer, makeTask } from './utils/outreach';
import { useTestApp } from './utils/use-test-app';

const SECRET = 'sms-provider-auth-token-0123456789';
const BASE = 'http://localhost:3000';

describe('contact compliance (e2e)', () => {
  const app = useTestApp({ SMS_WEBHOOK_SECRET: SECRET, PUBLIC_BASE_URL: BASE });
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
    return fetch(`${app.t.url}${WEBHOOK_PATH}`, {
      method: 'POST',
      headers,
      body: new URLSearchParams(params).toString(),
    });
  };
  /** Posts `sent` as the form body with the given signature headers, signed or not over it. */
  const postAs = (sent: Record<string, string>, signature: string, ts: string) =>
    fetch(`${app.t.url}${WEBHOOK_PATH}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': signature,
        'x-webhook-timestamp': ts,
      },
      body: new URLSearchParams(sent).toString(),
    });
  const count = async (sql: string, args: unknown[]) =>
    Number((await app.db.query<RowDataPacket[]>(sql, args))[0][0].n);

  beforeAll(async () => {
    agent = await makeUser(app.t, 'agent', { mfa: true, teamId: 'team-c' });
    auth = (await signIn(app.t, agent)).auth;
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

  it('accepts a request signed the way the provider documents it, computed here from scratch', async () => {
    // HMAC-SHA1 over "<timestamp>.<full URL>" then every parameter as name+value, names sorted, base64.
    const ts = String(Math.floor(Date.now() / 1000));
    const params = {
      To: '+18005550100',
      MessageSid: `SM-indep-${Date.now()}`,
      From: '+12125550142',
      Body: 'hello & thanks + bye',
      AccountSid: 'AC0123',
    };
    // The pairs in name order, written out by hand (the sort is the provider's, not ours).
    const data =
      `${ts}.http://localhost:3000/webhooks/sms/inbound` +
      `AccountSid${params.AccountSid}Body${params.Body}From${params.From}` +
      `MessageSid${params.MessageSid}To${params.To}`;
    const signature = createHmac('sha1', SECRET).update(data, 'utf8').digest('base64');
    const res = await postAs(params, signature, ts);
    expect(res.status).toBe(200);
    expect(
      await count('SELECT COUNT(*) AS n FROM inbound_messages WHERE provider_message_id = ?', [
        params.MessageSid,
      ]),
    ).toBe(1);
  });

  it('refuses a valid signature over other content (body, sender, an added field, the time), and changes nothing', async () => {
    const customer = await makeCustomer(app.t);
    const other = await makeCustomer(app.t);
    const ts = String(Math.floor(Date.now() / 1000));
    const url = `${BASE}${WEBHOOK_PATH}`;
    const signed = {
      MessageSid: `SM-tamper-${Date.now()}`,
      From: customer.phone as string,
      To: '+18005550100',
      Body: 'hello',
    };
    const signature = createHmac('sha1', SECRET)
      .update(
        `${ts}.${url}Body${signed.Body}From${signed.From}MessageSid${signed.MessageSid}To${signed.To}`,
        'utf8',
      )
      .digest('base64');
    const tampered: [string, Record<string, string>, string][] = [
      ['the text', { ...signed, Body: 'STOP' }, ts],
      ['the sender', { ...signed, From: other.phone as string, Body: 'hello' }, ts],
      ['an added field', { ...signed, OptOutType: 'STOP' }, ts],
      ['the timestamp', signed, String(Number(ts) - 1)],
    ];
    for (const [what, sent, sentTs] of tampered) {
      const res = await postAs(sent, signature, sentTs);
      expect({ what, status: res.status }).toEqual({ what, status: 401 });
    }
    expect(
      await count('SELECT COUNT(*) AS n FROM inbound_messages WHERE provider_message_id = ?', [
        signed.MessageSid,
      ]),
    ).toBe(0);
    for (const c of [customer, other]) {
      expect(await count('SELECT COUNT(*) AS n FROM consents WHERE customer_id = ?', [c.id])).toBe(
        0,
      );
      expect(
        await count('SELECT COUNT(*) AS n FROM dnc_entries WHERE address_bidx = ?', [c.phoneBidx]),
      ).toBe(0);
    }
    // The same signature over what it was made for is accepted: the refusals were the tampering.
    expect((await postAs(signed, signature, ts)).status).toBe(200);
  });

  it('handles STOP once: revokes SMS consent, suppresses the number, cancels pending SMS tasks, confirms once', async () => {
    const customer = await makeCustomer(app.t);
    const manager = await makeUser(app.t, 'manager', { teamId: 'team-c' });
    const smsCampaign = await makeCampaign(app.t, 'team-c', manager.id);
    await app.db.query('UPDATE campaigns SET channel = ? WHERE id = ?', [
      Channel.Sms,
      smsCampaign.id,
    ]);
    const callCampaign = await makeCampaign(app.t, 'team-c', manager.id);
    const smsTask = await makeTask(
      app.t,
      { ...smsCampaign, channel: Channel.Sms },
      customer,
      agent.id,
    );
    const callTask = await makeTask(app.t, callCampaign, customer, agent.id);
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
    const [tasks] = await app.db.query<RowDataPacket[]>(
      'SELECT id, status FROM tasks WHERE id IN (?, ?)',
      [smsTask.id, callTask.id],
    );
    expect(Object.fromEntries(tasks.map((r) => [r.id as string, r.status as string]))).toEqual({
      [smsTask.id]: 'cancelled',
      [callTask.id]: 'pending',
    });
    const replies = (
      await app.t.app.get(NotificationsService).listByTemplate('sms_opt_out_confirmation', 50)
    ).filter((n) => n.recipient === phone);
    expect(replies).toHaveLength(1);
    expect(replies[0].body).toBe(OPT_OUT_REPLY);

    // The engine refuses texts to that number from now on; calls are unaffected.
    const decide = (channel: string) =>
      app.t.gql<{
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
    const customer = await makeCustomer(app.t);
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
    const customer = await makeCustomer(app.t);
    const manager = await makeUser(app.t, 'manager', { teamId: 'team-c' });
    const callCampaign = await makeCampaign(app.t, 'team-c', manager.id);
    const emailCampaign = await makeCampaign(app.t, 'team-c', manager.id);
    await app.db.query('UPDATE campaigns SET channel = ? WHERE id = ?', [
      Channel.Email,
      emailCampaign.id,
    ]);
    const callTask = await makeTask(app.t, callCampaign, customer, agent.id);
    const emailTask = await makeTask(
      app.t,
      { ...emailCampaign, channel: Channel.Email },
      customer,
      agent.id,
    );
    const res = await app.t.gql(
      'mutation D($input: AddDncEntryInput!) { addDncEntry(input: $input) { id scope channel } }',
      { input: { customerId: customer.id, channel: 'call', reason: 'asked not to be called' } },
      auth,
    );
    expect(res.errors).toBeUndefined();
    const [tasks] = await app.db.query<RowDataPacket[]>(
      'SELECT id, status FROM tasks WHERE id IN (?, ?)',
      [callTask.id, emailTask.id],
    );
    expect(Object.fromEntries(tasks.map((r) => [r.id as string, r.status as string]))).toEqual({
      [callTask.id]: 'cancelled',
      [emailTask.id]: 'pending',
    });
    const [audit] = await app.db.query<RowDataPacket[]>(
      "SELECT COUNT(*) AS n FROM audit_events WHERE action = 'dnc.added' AND request_id = ?",
      [res.headers.get('x-request-id')],
    );
    expect(Number(audit[0].n)).toBe(1);
  });

  it('simulates a contact from facts alone and writes nothing', async () => {
    const before = await count('SELECT COUNT(*) AS n FROM compliance_refusals', []);
    const res = await app.t.gql<{
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
      (await signIn(app.t, await makeUser(app.t, 'manager', { mfa: true }))).auth,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data!.simulateContact.allowed).toBe(false);
    expect(res.data!.simulateContact.nextAllowedAt).toBe('2026-03-10T13:00:00.000Z');
    expect(await count('SELECT COUNT(*) AS n FROM compliance_refusals', [])).toBe(before);
  });

  it('unsubscribes from email with a signed one-click link; a forged link is refused', async () => {
    const customer = await makeCustomer(app.t);
    const link = app.t.app.get(UnsubscribeService).link(customer.id);
    const path = new URL(link);
    const forged = `${path.pathname}?token=${path.searchParams.get('token')!.replace(/.{4}$/, 'AAAA')}`;
    expect((await fetch(`${app.t.url}${forged}`, { method: 'POST' })).status).toBe(401);
    const ok = await fetch(`${app.t.url}${path.pathname}${path.search}`, { method: 'POST' });
    expect(ok.status).toBe(200);
    expect(
      (await fetch(`${app.t.url}${path.pathname}${path.search}`, { method: 'POST' })).status,
    ).toBe(200); // idempotent
    expect(
      await count(
        "SELECT COUNT(*) AS n FROM consents WHERE customer_id = ? AND channel = 'email' AND granted = 0",
        [customer.id],
      ),
    ).toBe(2);
    expect(
      await count(
        "SELECT COUNT(*) AS n FROM dnc_entries WHERE customer_id = ? AND channel = 'email'",
        [customer.id],
      ),
    ).toBe(1);
  });

  describe('as an admin', () => {
    let admin: Record<string, string>;
    beforeAll(async () => {
      admin = (await signIn(app.t, await makeUser(app.t, 'admin', { mfa: true }))).auth;
    });

    it("pages a customer's consent history and do-not-contact entries, newest first, without gaps or repeats", async () => {
      const customer = await makeCustomer(app.t);
      const compliance = app.t.app.get(ComplianceService);
      // Three consent events, the oldest recorded last (backdated evidence).
      const at = (daysAgo: number) => new Date(Date.now() - daysAgo * 86_400_000);
      for (const daysAgo of [2, 1, 3]) {
        await compliance.recordConsent({
          customerId: customer.id,
          channel: 'sms',
          purpose: 'collection',
          granted: daysAgo !== 1,
          source: ConsentSource.WebForm,
          effectiveAt: at(daysAgo),
        });
      }
      for (const channel of ['call', 'sms', 'email'] as const)
        await compliance.addDnc({ customerId: customer.id, channel, source: 'test' });

      const CONSENTS = `query C($c: String!, $after: String) {
        consents(customerId: $c, first: 2, after: $after) { id effectiveAt } }`;
      const first = await app.t.gql<{ consents: { id: string; effectiveAt: string }[] }>(
        CONSENTS,
        { c: customer.id },
        admin,
      );
      expect(first.errors).toBeUndefined();
      const second = await app.t.gql<{ consents: { id: string; effectiveAt: string }[] }>(
        CONSENTS,
        { c: customer.id, after: first.data!.consents[1].id },
        admin,
      );
      const times = [...first.data!.consents, ...second.data!.consents].map((c) =>
        Date.parse(c.effectiveAt),
      );
      expect(times).toHaveLength(3);
      expect(times).toEqual([...times].sort((a, b) => b - a));
      expect(second.data!.consents).toHaveLength(1);

      const DNC = `query D($c: String!, $after: String) {
        dncEntries(customerId: $c, first: 2, after: $after) { id channel } }`;
      const page1 = await app.t.gql<{ dncEntries: { id: string; channel: string }[] }>(
        DNC,
        { c: customer.id },
        admin,
      );
      const page2 = await app.t.gql<{ dncEntries: { id: string; channel: string }[] }>(
        DNC,
        { c: customer.id, after: page1.data!.dncEntries[1].id },
        admin,
      );
      const channels = [...page1.data!.dncEntries, ...page2.data!.dncEntries].map((d) => d.channel);
      expect(channels).toEqual(['email', 'sms', 'call']);
      // A page size outside 1-500 is refused, not silently capped.
      const tooMany = await app.t.gql(
        DNC.replace('first: 2', 'first: 501'),
        { c: customer.id },
        admin,
      );
      expect(tooMany.errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
    });

    it('imports a DNC list as hashes, cancelling affected call tasks', async () => {
      const customer = await makeCustomer(app.t);
      const manager = await makeUser(app.t, 'manager', { teamId: 'team-c' });
      const task = await makeTask(
        app.t,
        await makeCampaign(app.t, 'team-c', manager.id),
        customer,
        agent.id,
      );
      const csv = `phone,source\n${customer.phone as string},national\n(212) 555-0000\nnot a number\n`;
      const res = await app.t.gql<{
        importDncList: { imported: number; skipped: number; tasksCancelled: number };
      }>(
        'mutation I($input: ImportDncListInput!) { importDncList(input: $input) { imported skipped tasksCancelled } }',
        { input: { list: 'national', csv } },
        admin,
      );
      expect(res.errors).toBeUndefined();
      expect(res.data!.importDncList).toEqual({ imported: 2, skipped: 2, tasksCancelled: 1 });
      const [rows] = await app.db.query<RowDataPacket[]>('SELECT status FROM tasks WHERE id = ?', [
        task.id,
      ]);
      expect(rows[0].status).toBe('cancelled');
      const [stored] = await app.db.query<RowDataPacket[]>(
        "SELECT * FROM dnc_entries WHERE list = 'national'",
      );
      expect(JSON.stringify(stored)).not.toContain((customer.phone as string).slice(2));
    });

    it('edits the rule set as data (audited), and refuses to widen the federal hours', async () => {
      const rules = JSON.parse(JSON.stringify(DEFAULT_RULES)) as typeof DEFAULT_RULES;
      rules.version = 'test-1';
      rules.caps = rules.caps.map((c) => (c.id === 'house.call.day' ? { ...c, max: 1 } : c));
      const update = 'mutation U($rules: String!) { updateComplianceRules(rules: $rules) }';
      const changes = () =>
        count(
          "SELECT COUNT(*) AS n FROM audit_events WHERE action = 'compliance.rules_changed'",
          [],
        );
      const changesBefore = await changes();
      const ok = await app.t.gql(update, { rules: JSON.stringify(rules) }, admin);
      expect(ok.errors).toBeUndefined();
      const current = await app.t.gql<{ complianceRules: string }>(
        '{ complianceRules }',
        undefined,
        admin,
      );
      expect((JSON.parse(current.data!.complianceRules) as { version: string }).version).toBe(
        'test-1',
      );
      const wide = JSON.parse(JSON.stringify(rules)) as typeof DEFAULT_RULES;
      wide.hours = wide.hours.map((h) => (h.id === 'regf.hours' ? { ...h, end: '22:00' } : h));
      const refused = await app.t.gql(update, { rules: JSON.stringify(wide) }, admin);
      expect(refused.errors?.[0].extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        reason: 'INVALID_RULES',
      });
      // One accepted edit, one refused: one event (other suites may have edited rules before).
      expect((await changes()) - changesBefore).toBe(1);
      // Put the shipped rules back for the other tests.
      expect(
        (await app.t.gql(update, { rules: JSON.stringify(DEFAULT_RULES) }, admin)).errors,
      ).toBeUndefined();
    });

    it('reports consents, do-not-contact entries, refusals and opt-outs, also as an audited CSV export', async () => {
      const report = await app.t.gql<{
        complianceReport: { section: string; key: string; value: number }[];
      }>('{ complianceReport { section key value } }', undefined, admin);
      const rows = report.data!.complianceReport;
      expect(
        rows.find((r) => r.section === 'opt_outs' && r.key === 'sms_keyword')!.value,
      ).toBeGreaterThanOrEqual(2);
      expect(rows.find((r) => r.key === 'outside_legal_hours')!.value).toBe(0);
      expect(rows.some((r) => r.section === 'consents' && r.key === 'sms/collection/revoked')).toBe(
        true,
      );
      // Other suites export too (the rate-limit suite does): count this test's own export.
      const exports = () =>
        count("SELECT COUNT(*) AS n FROM audit_events WHERE action = 'report.exported'", []);
      const exportedBefore = await exports();
      const csv = await fetch(`${app.t.url}/reports/compliance.csv`, { headers: admin });
      expect(csv.status).toBe(200);
      expect(await csv.text()).toMatch(/^section,key,value\n/);
      const agentCsv = await fetch(`${app.t.url}/reports/compliance.csv`, { headers: auth });
      expect(agentCsv.status).toBe(403);
      expect(await exports()).toBe(exportedBefore + 1);
    });
  });
});
