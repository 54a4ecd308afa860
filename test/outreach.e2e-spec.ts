import type { RowDataPacket } from 'mysql2/promise';
import { DateTime } from 'luxon';
import { CustomersService } from '../src/modules/customers/customers.service';
import { NotificationsService } from '../src/modules/notifications/notifications.service';
import { PhoneType } from '../src/modules/customers/entities/customer.entity';
import { CampaignsService } from '../src/modules/outreach/services/campaigns.service';
import { decodeMember } from '../src/modules/compliance/rules/decision-page';
import type { PageFacts } from '../src/modules/compliance/rules/decision-page';
import { DecisionRecordsService } from '../src/modules/compliance/services/decision-records.service';
import { makeUser, signIn, TestUser } from './utils/identity';
import { makeCampaign, makeCustomer, makeTask, middayZone } from './utils/outreach';
import { useTestApp } from './utils/use-test-app';

const CALL_TEMPLATE = null;
const EMAIL_TEMPLATE =
  'This is a communication from a debt collector about {{balance}}. Unsubscribe: {{unsubscribe_link}}';

describe('outreach (e2e)', () => {
  const app = useTestApp();
  let manager: TestUser;
  let agent: TestUser;
  let m: Record<string, string>;
  let a: Record<string, string>;
  const team = `team-o-${Date.now()}`;

  beforeAll(async () => {
    manager = await makeUser(app.t, 'manager', { mfa: true, teamId: team });
    agent = await makeUser(app.t, 'agent', { mfa: true, teamId: team });
    m = (await signIn(app.t, manager)).auth;
    a = (await signIn(app.t, agent)).auth;
  });

  const CREATE =
    'mutation C($input: CreateCampaignInput!) { createCampaign(input: $input) { id status teamId } }';
  const TRANSITION =
    'mutation T($input: TransitionCampaignInput!) { transitionCampaign(input: $input) { status } }';

  it('walks the campaign state machine and rejects illegal transitions', async () => {
    const created = await app.t.gql<{
      createCampaign: { id: string; status: string; teamId: string };
    }>(
      CREATE,
      {
        input: {
          name: 'State machine',
          channel: 'Call',
          purpose: 'collection',
          audience: { states: ['NY'] },
        },
      },
      m,
    );
    expect(created.errors).toBeUndefined();
    expect(created.data!.createCampaign).toMatchObject({ status: 'Draft', teamId: team });
    const id = created.data!.createCampaign.id;
    const go = (to: string) =>
      app.t.gql<{ transitionCampaign: { status: string } }>(TRANSITION, { input: { id, to } }, m);
    for (const [to, ok] of [
      ['Running', false],
      ['Completed', false],
      ['Scheduled', true],
      ['Running', true],
      ['Paused', true],
      ['Scheduled', false],
      ['Running', true],
      ['Completed', true],
      ['Running', false],
      ['Cancelled', false],
    ] as const) {
      const res = await go(to);
      if (ok) expect(res.data?.transitionCampaign.status).toBe(to);
      else
        expect(res.errors?.[0].extensions).toMatchObject({
          code: 'CONFLICT',
          reason: 'INVALID_TRANSITION',
        });
    }
  });

  it('validates message templates by channel and writes nothing when one is refused', async () => {
    const before = Number(
      (await app.db.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM campaigns'))[0][0].n,
    );
    for (const [channel, template, problem] of [
      ['Sms', 'Your balance is due. This is a debt collector.', /Reply STOP/],
      ['Sms', 'Pay now at bit.ly/x. This is a debt collector. Reply STOP to opt out', /shorteners/],
      ['Email', 'This is a debt collector.', /unsubscribe_link/],
      ['Email', 'Hello {{ssn}} {{unsubscribe_link}} debt collector', /unknown placeholder/],
      ['Sms', 'Pay now. Reply STOP to opt out', /debt collector/],
      // Content screening of the template itself (issue #21).
      [
        'Sms',
        'This is a debt collector. Your SSN 123-45-6789 is on file. Reply STOP to opt out',
        /content not allowed: a Social Security number/,
      ],
      [
        'Email',
        'This is a debt collector. Card 4111 1111 1111 1111 was declined. {{unsubscribe_link}}',
        /content not allowed: a payment card number/,
      ],
      [
        'Sms',
        'This is a debt collector. 20% off at our cannabis dispensary! Reply STOP to opt out',
        /content not allowed: carrier-prohibited content \(cannabis\)/,
      ],
    ] as const) {
      const res = await app.t.gql(
        CREATE,
        {
          input: {
            name: 'Bad',
            channel,
            purpose: 'collection',
            audience: { states: ['NY'] },
            messageTemplate: template,
          },
        },
        m,
      );
      expect(res.errors?.[0].extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        reason: 'INVALID_TEMPLATE',
      });
      expect(res.errors?.[0].message).toMatch(problem);
    }
    const after = Number(
      (await app.db.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM campaigns'))[0][0].n,
    );
    expect(after).toBe(before);
    // A manager cannot create a campaign for another team: a permission, so FORBIDDEN.
    const other = await app.t.gql(
      CREATE,
      {
        input: {
          name: 'x',
          channel: 'Call',
          purpose: 'collection',
          audience: { states: ['NY'] },
          teamId: 'someone-else',
        },
      },
      m,
    );
    expect(other.errors?.[0].extensions).toMatchObject({
      code: 'FORBIDDEN',
      reason: 'FOREIGN_TEAM',
    });
  });

  it('prechecks the audience and launches tasks only for allowed customers, listing the blocked with reasons', async () => {
    const ok = await makeCustomer(app.t);
    const banned = await makeCustomer(app.t);
    const mobile = await makeCustomer(app.t);
    await app.db.query('UPDATE customers SET phone_type = ? WHERE id = ?', [
      PhoneType.Mobile,
      mobile.id,
    ]);
    const dnc = await app.t.gql(
      'mutation D($input: AddDncEntryInput!) { addDncEntry(input: $input) { id } }',
      { input: { customerId: banned.id, channel: 'call' } },
      m,
    );
    expect(dnc.errors).toBeUndefined();
    const created = await app.t.gql<{ createCampaign: { id: string } }>(
      CREATE,
      {
        input: {
          name: 'Launch',
          channel: 'Call',
          purpose: 'collection',
          audience: { customerIds: [ok.id, banned.id, mobile.id] },
          messageTemplate: CALL_TEMPLATE,
        },
      },
      m,
    );
    const id = created.data!.createCampaign.id;
    const refusals = async () =>
      (
        await app.db.query<RowDataPacket[]>(
          'SELECT rule, kind, SUM(count) AS n FROM compliance_refusals WHERE day = CURRENT_DATE() GROUP BY rule, kind',
        )
      )[0].map((r) => `${r.rule as string}/${r.kind as string}=${Number(r.n)}`);
    const refusalsBefore = await refusals();
    const pre = await app.t.gql<{
      precheckCampaign: {
        total: number;
        blocked: number;
        byReason: { rule: string; count: number }[];
      };
    }>(
      'query P($input: CampaignIdInput!) { precheckCampaign(input: $input) { total allowedNow allowedLater blocked byReason { rule count } blockedCustomers { customerId reasons } } }',
      { input: { id } },
      m,
    );
    expect(pre.errors).toBeUndefined();
    expect(pre.data!.precheckCampaign).toMatchObject({ total: 3, blocked: 2 });
    expect(pre.data!.precheckCampaign.byReason).toEqual(
      expect.arrayContaining([
        { rule: 'do_not_contact', count: 1 },
        { rule: 'tcpa.consent.cell', count: 1 },
      ]),
    );
    expect(
      Number(
        (
          await app.db.query<RowDataPacket[]>(
            'SELECT COUNT(*) AS n FROM tasks WHERE campaign_id = ?',
            [id],
          )
        )[0][0].n,
      ),
    ).toBe(0);
    const refusalsAfterPrecheck = await refusals();

    const launched = await app.t.gql<{
      launchCampaign: {
        status: string;
        tasksCreated: number;
        precheck: { blockedCustomers: { customerId: string; reasons: string[] }[] };
      };
    }>(
      'mutation L($input: CampaignIdInput!) { launchCampaign(input: $input) { status tasksCreated precheck { blockedCustomers { customerId reasons } } } }',
      { input: { id } },
      m,
    );
    expect(launched.errors).toBeUndefined();
    expect(launched.data!.launchCampaign).toMatchObject({ status: 'Running', tasksCreated: 1 });
    // The launch kept a decision per audience member (the precheck kept none), in a page row of
    // the chain; the task it admitted names that row and is named in its entry.
    const [pageRows] = await app.db.query<RowDataPacket[]>(
      `SELECT id, customer_id, entry_count, facts, entries FROM contact_decisions
        WHERE campaign_id = ? AND gate = 'launch'`,
      [id],
    );
    expect(pageRows).toHaveLength(1);
    expect(pageRows[0]).toMatchObject({ customer_id: null, entry_count: 3 });
    const page = (
      typeof pageRows[0].facts === 'string' ? JSON.parse(pageRows[0].facts) : pageRows[0].facts
    ) as PageFacts;
    const entry = (customerId: string) =>
      decodeMember(page, pageRows[0].entries as Buffer, customerId);
    const [[task]] = await app.db.query<RowDataPacket[]>(
      'SELECT id, customer_id, decision_id FROM tasks WHERE campaign_id = ?',
      [id],
    );
    expect(task.decision_id).toBe(pageRows[0].id);
    // (Allowed now, or later within the campaign: it depends on the hour the test runs.)
    expect(entry(task.customer_id as string)!.taskId).toBe(task.id);
    expect(entry(banned.id)).toMatchObject({ taskId: null, allowed: false });
    expect(entry(banned.id)!.outcomes).toContain('do_not_contact:fail');
    expect(entry(mobile.id)!.outcomes).toContain('tcpa.consent.cell:fail');
    // The page keeps facts by reference: none of the customers' numbers or names.
    const text = (pageRows[0].entries as Buffer).toString('utf8');
    for (const c of [ok, banned, mobile]) {
      expect(text).not.toContain(c.phone!.slice(-7));
      expect(text).not.toContain(c.lastName);
    }
    // Each entry replays to the same answer under the rules it was made with.
    const records = app.t.app.get(DecisionRecordsService);
    for (const customerId of [banned.id, mobile.id, ok.id])
      expect(await records.replayDecision(pageRows[0].id as string, customerId)).toMatchObject({
        matches: true,
        differences: [],
      });
    expect(await records.verifyChain()).toMatchObject({ valid: true });
    // A precheck is a question, not a refusal: only the launch, which gated real contacts, counts.
    expect(refusalsAfterPrecheck).toEqual(refusalsBefore);
    const counted = (list: string[], rule: string) =>
      Number(list.find((r) => r.startsWith(`${rule}/`))?.split('=')[1] ?? 0);
    const after = await refusals();
    expect(counted(after, 'do_not_contact') - counted(refusalsBefore, 'do_not_contact')).toBe(1);
    expect(counted(after, 'tcpa.consent.cell') - counted(refusalsBefore, 'tcpa.consent.cell')).toBe(
      1,
    );
    expect(after).toEqual(expect.arrayContaining([expect.stringMatching(/^do_not_contact\/law=/)]));
    const blocked = Object.fromEntries(
      launched.data!.launchCampaign.precheck.blockedCustomers.map((b) => [b.customerId, b.reasons]),
    );
    expect(blocked[banned.id]).toContain('do_not_contact');
    expect(blocked[mobile.id]).toContain('tcpa.consent.cell');
    const [tasks] = await app.db.query<RowDataPacket[]>(
      'SELECT customer_id, assignee_id, due_at, status FROM tasks WHERE campaign_id = ?',
      [id],
    );
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({
      customer_id: ok.id,
      assignee_id: agent.id,
      status: 'pending',
    });
    // Due at the earliest legal time inside the campaign's 09:00-20:00 window in New York.
    const local = DateTime.fromJSDate(tasks[0].due_at as Date, { zone: 'America/New_York' });
    expect(local.hour * 60 + local.minute).toBeGreaterThanOrEqual(9 * 60);
    expect(local.hour * 60 + local.minute).toBeLessThan(20 * 60);
  });

  it('starts one contact at a time per customer and channel, however many agents try at once', async () => {
    const c = await app.t.app.get(CustomersService).create({
      externalRef: `race-${Date.now()}`,
      firstName: 'Rae',
      email: `rae.${Date.now()}@example.com`,
      timezone: middayZone(),
    });
    const campaign = await makeCampaign(app.t, team, manager.id);
    await app.db.query(
      "UPDATE campaigns SET channel = 'email', window_start = '00:00', window_end = '23:59', message_template = ? WHERE id = ?",
      [EMAIL_TEMPLATE, campaign.id],
    );
    const email = { ...campaign, channel: 'email' as never };
    const tasks = await Promise.all(
      Array.from({ length: 8 }, () => makeTask(app.t, email, c, agent.id)),
    );
    const results = await Promise.all(
      tasks.map((task) =>
        app.t.gql(
          'mutation S($input: TaskIdInput!) { startTask(input: $input) { status } }',
          { input: { taskId: task.id } },
          a,
        ),
      ),
    );
    expect(results.filter((r) => !r.errors)).toHaveLength(1);
    for (const r of results.filter((x) => x.errors))
      expect(r.errors?.[0].extensions).toMatchObject({ reason: 'CONTACT_NOT_ALLOWED' });
    const [rows] = await app.db.query<RowDataPacket[]>(
      "SELECT COUNT(*) AS n FROM tasks WHERE customer_id = ? AND status = 'in_progress'",
      [c.id],
    );
    expect(Number(rows[0].n)).toBe(1);
  });

  it('re-checks compliance when an agent starts a task, logs the attempt on completion, redacts notes, honours a verbal opt-out', async () => {
    const zone = middayZone();
    const customers = app.t.app.get(CustomersService);
    const c = await customers.create({
      externalRef: `mail-${Date.now()}`,
      firstName: 'Mia',
      email: `mia.${Date.now()}@example.com`,
      timezone: zone,
    });
    const campaign = await makeCampaign(app.t, team, manager.id);
    await app.db.query(
      "UPDATE campaigns SET channel = 'email', window_start = '00:00', window_end = '23:59', message_template = ? WHERE id = ?",
      [EMAIL_TEMPLATE, campaign.id],
    );
    const email = { ...campaign, channel: 'email' as never };
    const first = await makeTask(app.t, email, c, agent.id);
    const second = await makeTask(app.t, email, c, agent.id);
    const third = await makeTask(app.t, email, c, agent.id);

    const start = (taskId: string) =>
      app.t.gql<{ startTask: { status: string } }>(
        'mutation S($input: TaskIdInput!) { startTask(input: $input) { status } }',
        { input: { taskId } },
        a,
      );
    const started = await start(first.id);
    expect(started.errors).toBeUndefined();
    expect(started.data!.startTask.status).toBe('InProgress');
    const done = await app.t.gql<{
      completeTask: { status: string; outcome: string; notes: string };
    }>(
      'mutation D($input: CompleteTaskInput!) { completeTask(input: $input) { status outcome notes } }',
      {
        input: {
          taskId: first.id,
          outcome: 'Reached',
          notes: 'Paid by card 4111 1111 1111 1111, ssn 123-45-6789 confirmed',
        },
      },
      a,
    );
    expect(done.errors).toBeUndefined();
    expect(done.data!.completeTask).toMatchObject({
      status: 'Done',
      outcome: 'Reached',
      notes: 'Paid by card [REDACTED CARD], ssn [REDACTED SSN] confirmed',
    });
    const [raw] = await app.db.query<RowDataPacket[]>('SELECT notes_enc FROM tasks WHERE id = ?', [
      first.id,
    ]);
    expect((raw[0].notes_enc as Buffer).toString('latin1')).not.toContain('REDACTED');
    const [attempts] = await app.db.query<RowDataPacket[]>(
      'SELECT channel, outcome, agent_id, conversation FROM contact_attempts WHERE task_id = ?',
      [first.id],
    );
    expect(attempts).toEqual([
      { channel: 'email', outcome: 'reached', agent_id: agent.id, conversation: 1 },
    ]);

    // Notes are personal data: a viewer sees them masked.
    const viewer = (await signIn(app.t, await makeUser(app.t, 'viewer', { mfa: true }))).auth;
    const seen = await app.t.gql<{ task: { notes: string } }>(
      `{ task(id: "${first.id}") { notes } }`,
      undefined,
      viewer,
    );
    expect(seen.data?.task.notes).toBe('***');

    // The attempt now counts: the house 12-hour email gap refuses the next one, with reasons.
    const refused = await start(second.id);
    expect(refused.errors?.[0].extensions).toMatchObject({
      code: 'FORBIDDEN',
      reason: 'CONTACT_NOT_ALLOWED',
    });
    expect(
      String((refused.errors?.[0].extensions.details as Record<string, string>).reasons),
    ).toContain('house.email.gap');

    // A verbal opt-out on a task revokes consent and cancels the other pending tasks of the channel.
    await app.db.query('DELETE FROM contact_attempts WHERE task_id = ?', [first.id]);
    expect((await start(second.id)).errors).toBeUndefined();
    const optOut = await app.t.gql(
      'mutation D($input: CompleteTaskInput!) { completeTask(input: $input) { status } }',
      { input: { taskId: second.id, outcome: 'OptOutRequested' } },
      a,
    );
    expect(optOut.errors).toBeUndefined();
    const [rows] = await app.db.query<RowDataPacket[]>('SELECT status FROM tasks WHERE id = ?', [
      third.id,
    ]);
    expect(rows[0].status).toBe('cancelled');
    const [consents] = await app.db.query<RowDataPacket[]>(
      "SELECT COUNT(*) AS n FROM consents WHERE customer_id = ? AND channel = 'email' AND granted = 0 AND source = 'phone_call'",
      [c.id],
    );
    expect(Number(consents[0].n)).toBe(2);
  });

  it('serves a page of 50 campaigns with their tasks and customers in a handful of SQL queries (no N+1)', async () => {
    const admin = (await signIn(app.t, await makeUser(app.t, 'admin', { mfa: true }))).auth;
    const nplus = `team-n-${Date.now()}`;
    for (let i = 0; i < 50; i++) {
      const campaign = await makeCampaign(app.t, nplus, manager.id);
      await makeTask(app.t, campaign, await makeCustomer(app.t), agent.id);
      await makeTask(app.t, campaign, await makeCustomer(app.t), null);
    }
    const query =
      '{ campaigns(first: 50) { items { id name tasks { id status customer { id email } } } } }';
    await app.t.gql(query, undefined, admin); // warm caches (session, keys)
    const questions = async () =>
      Number(
        (await app.db.query<RowDataPacket[]>("SHOW GLOBAL STATUS LIKE 'Questions'"))[0][0].Value,
      );
    const before = await questions();
    const res = await app.t.gql<{
      campaigns: { items: { tasks: { customer: { email: string } }[] }[] };
    }>(query, undefined, admin);
    const used = (await questions()) - before - 1; // minus the status query itself
    expect(res.errors).toBeUndefined();
    expect(res.data!.campaigns.items.length).toBe(50);
    expect(
      res.data!.campaigns.items.some(
        (c) => c.tasks.length === 2 && c.tasks.every((x) => x.customer?.email),
      ),
    ).toBe(true);
    // campaigns + count, tasks by campaign, customers by id, tasks by customer, session check: not 1 + 50 + 100 + 100.
    expect(used).toBeLessThanOrEqual(12);
  });

  it('creates customers with normalized phone and derived zone, refuses bad input, and soft-deletes', async () => {
    const create =
      'mutation C($input: CreateCustomerInput!) { createCustomer(input: $input) { id phone timezone email } }';
    const admin = (await signIn(app.t, await makeUser(app.t, 'admin', { mfa: true }))).auth;
    const ref = `crm-${Date.now()}`;
    // Managers read and update customers; they do not create them.
    expect(
      (await app.t.gql(create, { input: { externalRef: ref } }, m)).errors?.[0].extensions.code,
    ).toBe('FORBIDDEN');
    const bad = await app.t.gql(create, { input: { externalRef: ref, phone: '12345' } }, admin);
    expect(bad.errors?.[0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      reason: 'INVALID_PHONE',
    });
    const badZone = await app.t.gql(
      create,
      { input: { externalRef: ref, timezone: 'Mars/Olympus' } },
      admin,
    );
    expect(badZone.errors?.[0].extensions.reason).toBe('INVALID_TIMEZONE');
    expect(
      Number(
        (
          await app.db.query<RowDataPacket[]>(
            'SELECT COUNT(*) AS n FROM customers WHERE external_ref = ?',
            [ref],
          )
        )[0][0].n,
      ),
    ).toBe(0);

    const ok = await app.t.gql<{ createCustomer: { id: string; phone: string; timezone: string } }>(
      create,
      {
        input: {
          externalRef: ref,
          firstName: 'Ana',
          phone: '(305) 555-0147',
          state: 'FL',
          zip: '32501',
          ssn: '123-45-6789',
        },
      },
      admin,
    );
    expect(ok.errors).toBeUndefined();
    expect(ok.data!.createCustomer).toMatchObject({
      phone: '+13055550147',
      timezone: 'America/Chicago',
    });
    const id = ok.data!.createCustomer.id;

    // An agent without a task for this customer cannot change it (answers like a missing one).
    const update =
      'mutation U($input: UpdateCustomerInput!) { updateCustomer(input: $input) { id } }';
    expect(
      (await app.t.gql(update, { input: { id, city: 'Pensacola' } }, a)).errors?.[0].extensions
        .code,
    ).toBe('NOT_FOUND');
    expect(
      (
        await app.t.gql(
          update,
          {
            input: {
              id,
              city: 'Pensacola',
              contactWindowStart: '10:00',
              contactWindowEnd: '18:00',
            },
          },
          m,
        )
      ).errors,
    ).toBeUndefined();

    const campaign = await makeCampaign(app.t, team, manager.id);
    const customer = (await app.t.app.get(CustomersService).findById(id))!;
    const task = await makeTask(app.t, campaign, customer, agent.id);
    const del = await app.t.gql(
      'mutation D($input: CustomerIdInput!) { deleteCustomer(input: $input) }',
      { input: { id } },
      admin,
    );
    expect(del.errors).toBeUndefined();
    expect(
      (await app.t.gql(`{ customer(id: "${id}") { id } }`, undefined, admin)).errors?.[0].extensions
        .code,
    ).toBe('NOT_FOUND');
    const [rows] = await app.db.query<RowDataPacket[]>('SELECT status FROM tasks WHERE id = ?', [
      task.id,
    ]);
    expect(rows[0].status).toBe('cancelled');
  });

  it('sends an email task through the compliance gate, with a working one-click unsubscribe link', async () => {
    const zone = middayZone();
    const c = await app.t.app.get(CustomersService).create({
      externalRef: `send-${Date.now()}`,
      firstName: 'Noor',
      email: `noor.${Date.now()}@example.com`,
      timezone: zone,
      balance: '42.50',
    });
    const campaign = await makeCampaign(app.t, team, manager.id);
    await app.db.query(
      "UPDATE campaigns SET channel = 'email', window_start = '00:00', window_end = '23:59', message_template = ? WHERE id = ?",
      [
        'Hello {{first_name}}, this is a debt collector about {{balance}}. Unsubscribe: {{unsubscribe_link}}',
        campaign.id,
      ],
    );
    const email = { ...campaign, channel: 'email' as never };
    const [first, second] = [
      await makeTask(app.t, email, c, agent.id),
      await makeTask(app.t, email, c, agent.id),
    ];
    const send = (taskId: string) =>
      app.t.gql<{ sendTaskMessage: { status: string; outcome: string } }>(
        'mutation S($input: TaskIdInput!) { sendTaskMessage(input: $input) { status outcome } }',
        { input: { taskId } },
        a,
      );

    const sent = await send(first.id);
    expect(sent.errors).toBeUndefined();
    expect(sent.data!.sendTaskMessage).toEqual({ status: 'Done', outcome: 'Sent' });
    const outbox = await app.t.app
      .get(NotificationsService)
      .listByTemplate(`campaign:${campaign.id}`, 10);
    expect(outbox).toHaveLength(1);
    expect(outbox[0].recipient).toBe(c.email);
    expect(outbox[0].body).toMatch(
      /^Hello Noor, this is a debt collector about \$42\.50\. Unsubscribe: http:\/\/localhost:3000\/unsubscribe\/email\?token=/,
    );

    // The engine is the last gate: the house 12-hour email gap refuses the next message, which is not queued.
    const refused = await send(second.id);
    expect(refused.errors?.[0].extensions).toMatchObject({
      code: 'FORBIDDEN',
      reason: 'CONTACT_NOT_ALLOWED',
    });
    expect(
      await app.t.app.get(NotificationsService).listByTemplate(`campaign:${campaign.id}`, 10),
    ).toHaveLength(1);

    // The link in the email works.
    const link = new URL(/(http\S+)/.exec(outbox[0].body)![1]);
    expect(
      (await fetch(`${app.t.url}${link.pathname}${link.search}`, { method: 'POST' })).status,
    ).toBe(200);
    const [rows] = await app.db.query<RowDataPacket[]>(
      "SELECT COUNT(*) AS n FROM dnc_entries WHERE customer_id = ? AND channel = 'email'",
      [c.id],
    );
    expect(Number(rows[0].n)).toBe(1);
  });

  it('reads the audience in keyset pages: every customer once, memory bounded by the page', async () => {
    const customers = [];
    for (let i = 0; i < 7; i++) customers.push(await makeCustomer(app.t));
    const campaign = await makeCampaign(app.t, team, manager.id);
    campaign.audience = { customerIds: customers.map((c) => c.id) };
    const pages: string[][] = [];
    for await (const { subjects, slice } of app.t.app
      .get(CampaignsService)
      .audienceSlices(campaign, 3)) {
      const ids = subjects.map((c) => c.id);
      pages.push(ids);
      // The page as SQL selects exactly its customers (their facts are joined to it).
      const [selected] = await app.db.query<RowDataPacket[]>(slice.sql, slice.params);
      expect(selected.map((r) => String(r.id)).sort()).toEqual(ids);
      // What the facts read of each, with no personal field: the stored zones stand for the phone.
      for (const s of subjects) {
        expect(s.phone).toBeNull();
        expect(s.phoneZones).not.toBeNull();
      }
    }
    expect(pages.map((p) => p.length)).toEqual([3, 3, 1]);
    expect(pages.flat()).toEqual(customers.map((c) => c.id).sort());
  });
});
