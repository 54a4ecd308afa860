import type { RowDataPacket } from 'mysql2/promise';
import { DataSource } from 'typeorm';
import { ComplianceService } from '../src/modules/compliance/compliance.service';
import { ConsentSource } from '../src/modules/compliance/entities/consent.entity';
import { CustomerEntity } from '../src/modules/customers/entities/customer.entity';
import { Channel } from '../src/modules/outreach/entities/campaign.entity';
import { TaskEntity } from '../src/modules/outreach/entities/task.entity';
import { makeUser, signIn, TestUser } from './utils/identity';
import { makeCampaign, makeCustomer, makeTask } from './utils/outreach';
import { attest } from './utils/privacy';
import { useTestApp } from './utils/use-test-app';

const REQUEST =
  'mutation R($input: RequestErasureInput!) { requestErasure(input: $input) { id status regime tasksCancelled dueAt } }';
const COMPLETE =
  'mutation C($input: DataSubjectRequestIdInput!) { completeErasure(input: $input) { id status resolvedAt } }';
const DENY =
  'mutation D($input: DenyErasureInput!) { denyErasure(input: $input) { id status denialReason } }';
const EVALUATE = `query E($input: EvaluateContactInput!) {
  evaluateContact(input: $input) { allowed checks { rule passed } } }`;

describe('data subject requests: erasure (e2e)', () => {
  const app = useTestApp();
  let managerUser: TestUser;
  let agentUser: TestUser;
  let admin: Record<string, string>;
  let manager: Record<string, string>;
  let agent: Record<string, string>;
  const team = `team-dsr-${Date.now()}`;

  beforeAll(async () => {
    managerUser = await makeUser(app.t, 'manager', { mfa: true, teamId: team });
    agentUser = await makeUser(app.t, 'agent', { mfa: true, teamId: team });
    admin = (await signIn(app.t, await makeUser(app.t, 'admin', { mfa: true }))).auth;
    manager = (await signIn(app.t, managerUser)).auth;
    agent = (await signIn(app.t, agentUser)).auth;
  });

  const one = async (sql: string, params: unknown[]) =>
    (await app.db.query<RowDataPacket[]>(sql, params))[0][0];

  /** A customer with call and SMS tasks pending for the test agent, consent evidence and a note. */
  async function customerWithWork(): Promise<{ customer: CustomerEntity; tasks: TaskEntity[] }> {
    const customer = await makeCustomer(app.t);
    const call = await makeCampaign(app.t, team, managerUser.id);
    const sms = await makeCampaign(app.t, team, managerUser.id);
    await app.db.query('UPDATE campaigns SET channel = ? WHERE id = ?', [Channel.Sms, sms.id]);
    const tasks = [
      await makeTask(app.t, call, customer, agentUser.id),
      await makeTask(app.t, { ...sms, channel: Channel.Sms }, customer, agentUser.id),
    ];
    const repo = app.t.app.get(DataSource).getRepository(TaskEntity);
    const noted = (await repo.findOneBy({ id: tasks[0].id }))!;
    noted.notes = 'Said to call back after payday';
    await repo.save(noted);
    await app.t.app.get(ComplianceService).recordConsent({
      customerId: customer.id,
      channel: 'sms',
      purpose: 'collection',
      granted: true,
      source: ConsentSource.WebForm,
      evidence: { ip: '203.0.113.7', formUrl: 'https://consent.example/form' },
    });
    return { customer, tasks };
  }

  it('stops contact the moment an erasure request arrives, then erases and shreds on completion', async () => {
    const { customer, tasks } = await customerWithWork();
    const bystander = await customerWithWork();

    // The agent who works the customer logs the request taken on the phone.
    const requested = await app.t.gql<{
      requestErasure: { id: string; status: string; tasksCancelled: number; dueAt: string };
    }>(
      REQUEST,
      { input: { customerId: customer.id, regime: 'Ccpa', receivedVia: 'phone' } },
      agent,
    );
    expect(requested.errors).toBeUndefined();
    expect(requested.data!.requestErasure).toMatchObject({ status: 'Received', tasksCancelled: 2 });
    const days = (Date.parse(requested.data!.requestErasure.dueAt) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(44.9);
    expect(days).toBeLessThan(45.1);
    const requestId = requested.data!.requestErasure.id;

    // Both channels' pending tasks are cancelled, nobody else's; every channel is now refused.
    const [statuses] = await app.db.query<RowDataPacket[]>(
      'SELECT customer_id, status FROM tasks WHERE id IN (?)',
      [[...tasks, ...bystander.tasks].map((x) => x.id)],
    );
    for (const row of statuses)
      expect(row.status).toBe(row.customer_id === customer.id ? 'cancelled' : 'pending');
    for (const channel of ['call', 'sms', 'email']) {
      const decision = await app.t.gql<{
        evaluateContact: { allowed: boolean; checks: { rule: string; passed: boolean }[] };
      }>(EVALUATE, { input: { customerId: customer.id, channel, purpose: 'collection' } }, manager);
      expect(decision.data!.evaluateContact.allowed).toBe(false);
      expect(decision.data!.evaluateContact.checks).toContainEqual({
        rule: 'do_not_contact',
        passed: false,
      });
    }

    // One open request per customer; a second is refused and writes nothing.
    const again = await app.t.gql(
      REQUEST,
      { input: { customerId: customer.id, regime: 'Gdpr', receivedVia: 'email' } },
      manager,
    );
    expect(again.errors?.[0].extensions).toMatchObject({
      code: 'CONFLICT',
      reason: 'REQUEST_ALREADY_OPEN',
    });
    expect(
      Number(
        (
          await one('SELECT COUNT(*) AS n FROM data_subject_requests WHERE customer_id = ?', [
            customer.id,
          ])
        ).n,
      ),
    ).toBe(1);

    // Nothing completes before the subject's identity is verified.
    expect(
      (await app.t.gql(COMPLETE, { input: { id: requestId } }, admin)).errors?.[0].extensions,
    ).toMatchObject({ code: 'CONFLICT', reason: 'NOT_VERIFIED' });
    await attest(app.t, requestId, admin);

    // Only an admin with a recent MFA check may erase.
    for (const who of [agent, manager])
      expect(
        (await app.t.gql(COMPLETE, { input: { id: requestId } }, who)).errors?.[0].extensions.code,
      ).toBe('FORBIDDEN');

    const before = await one('SELECT phone_bidx, email_bidx FROM customers WHERE id = ?', [
      customer.id,
    ]);
    const completed = await app.t.gql<{ completeErasure: { status: string } }>(
      COMPLETE,
      { input: { id: requestId } },
      admin,
    );
    expect(completed.errors).toBeUndefined();
    expect(completed.data!.completeErasure.status).toBe('Completed');

    // The record is gone from the API and emptied in the database; the key is destroyed.
    expect(
      (await app.t.gql(`{ customer(id: "${customer.id}") { id } }`, undefined, admin)).errors?.[0]
        .extensions.code,
    ).toBe('NOT_FOUND');
    const row = await one('SELECT * FROM customers WHERE id = ?', [customer.id]);
    expect(row.status).toBe('erased');
    for (const column of Object.keys(row).filter((k) => /_(enc|bidx|masked)$/.test(k)))
      expect([column, row[column]]).toEqual([column, null]);
    expect(row.zip).toBeNull();
    const key = await one('SELECT status, wrapped_key FROM crypto_keys WHERE subject_id = ?', [
      customer.id,
    ]);
    expect(key).toMatchObject({ status: 'destroyed', wrapped_key: null });
    expect(
      (await one('SELECT notes_enc FROM tasks WHERE id = ?', [tasks[0].id])).notes_enc,
    ).toBeNull();
    const consent = await one(
      'SELECT COUNT(*) AS n, SUM(evidence_enc IS NOT NULL) AS kept FROM consents WHERE customer_id = ?',
      [customer.id],
    );
    expect([Number(consent.n), Number(consent.kept)]).toEqual([1, 0]);
    // The bystander keeps everything.
    expect(
      (await one('SELECT notes_enc FROM tasks WHERE id = ?', [bystander.tasks[0].id])).notes_enc,
    ).not.toBeNull();

    // What outlives the record: the addresses as hashes on the suppression list.
    const [suppressed] = await app.db.query<RowDataPacket[]>(
      "SELECT address_kind, address_bidx FROM dnc_entries WHERE scope = 'address' AND source = 'erasure' AND address_bidx IN (?, ?)",
      [before.phone_bidx, before.email_bidx],
    );
    expect(suppressed.map((s) => String(s.address_kind)).sort()).toEqual(['email', 'phone']);

    // Audited, and the execution goes to the SIEM; a closed request cannot be completed twice.
    const [events] = await app.db.query<RowDataPacket[]>(
      `SELECT e.action, (SELECT COUNT(*) FROM audit_siem_outbox o WHERE o.audit_seq = e.seq) AS siem
         FROM audit_events e WHERE e.resource_id = ? AND e.action LIKE 'privacy.%' ORDER BY e.seq`,
      [requestId],
    );
    expect(events.map((e) => [String(e.action), Number(e.siem)])).toEqual([
      ['privacy.erasure_requested', 0],
      ['privacy.subject_verified', 0],
      ['privacy.erasure_executed', 1],
    ]);
    expect(
      (await app.t.gql(COMPLETE, { input: { id: requestId } }, admin)).errors?.[0].extensions,
    ).toMatchObject({ code: 'CONFLICT', reason: 'REQUEST_CLOSED' });
  });

  it('denies under an exemption, lifting only the suppression the request placed', async () => {
    const { customer } = await customerWithWork();
    await app.t.app.get(ComplianceService).addDnc({
      customerId: customer.id,
      channel: 'call',
      source: 'agent',
      reason: 'asked not to be called',
    });
    const requested = await app.t.gql<{ requestErasure: { id: string } }>(
      REQUEST,
      { input: { customerId: customer.id, regime: 'Gdpr', receivedVia: 'web' } },
      manager,
    );
    expect(requested.errors).toBeUndefined();
    const denied = await app.t.gql<{ denyErasure: { status: string; denialReason: string } }>(
      DENY,
      { input: { id: requested.data!.requestErasure.id, reason: 'IdentityNotVerified' } },
      admin,
    );
    expect(denied.data!.denyErasure).toMatchObject({
      status: 'Rejected',
      denialReason: 'IdentityNotVerified',
    });
    const [entries] = await app.db.query<RowDataPacket[]>(
      'SELECT channel, source FROM dnc_entries WHERE customer_id = ?',
      [customer.id],
    );
    expect(entries.map((e) => [String(e.channel), String(e.source)])).toEqual([['call', 'agent']]);
    // The customer's data is untouched and readable again through the API.
    const read = await app.t.gql<{ customer: { id: string } }>(
      `{ customer(id: "${customer.id}") { id } }`,
      undefined,
      admin,
    );
    expect(read.data?.customer.id).toBe(customer.id);
  });

  it('refuses bad input and unseen customers without writing', async () => {
    const stranger = await makeCustomer(app.t);
    const before = Number((await one('SELECT COUNT(*) AS n FROM data_subject_requests', [])).n);
    const notMine = await app.t.gql(
      REQUEST,
      { input: { customerId: stranger.id, regime: 'Ccpa', receivedVia: 'phone' } },
      agent,
    );
    expect(notMine.errors?.[0].extensions.code).toBe('NOT_FOUND');
    const bad = await app.t.gql(
      REQUEST,
      { input: { customerId: stranger.id, regime: 'Ccpa', receivedVia: 'carrier pigeon' } },
      manager,
    );
    expect(bad.errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(Number((await one('SELECT COUNT(*) AS n FROM data_subject_requests', [])).n)).toBe(
      before,
    );
  });

  it('lets a privacy officer erase a soft-deleted customer, whose data deletion only hid', async () => {
    const { customer } = await customerWithWork();
    const deleted = await app.t.gql(
      'mutation D($input: CustomerIdInput!) { deleteCustomer(input: $input) }',
      { input: { id: customer.id } },
      admin,
    );
    expect(deleted.errors).toBeUndefined();
    // A manager no longer sees the record; the admin who closes requests does.
    const byManager = await app.t.gql(
      REQUEST,
      { input: { customerId: customer.id, regime: 'Gdpr', receivedVia: 'email' } },
      manager,
    );
    expect(byManager.errors?.[0].extensions.code).toBe('NOT_FOUND');
    const requested = await app.t.gql<{ requestErasure: { id: string } }>(
      REQUEST,
      { input: { customerId: customer.id, regime: 'Gdpr', receivedVia: 'email' } },
      admin,
    );
    expect(requested.errors).toBeUndefined();
    await attest(app.t, requested.data!.requestErasure.id, admin);
    const done = await app.t.gql(
      COMPLETE,
      { input: { id: requested.data!.requestErasure.id } },
      admin,
    );
    expect(done.errors).toBeUndefined();
    const row = await one('SELECT status, email_enc, ssn_enc FROM customers WHERE id = ?', [
      customer.id,
    ]);
    expect(row).toMatchObject({ status: 'erased', email_enc: null, ssn_enc: null });
    // Erased is final: a new request is refused.
    const again = await app.t.gql(
      REQUEST,
      { input: { customerId: customer.id, regime: 'Gdpr', receivedVia: 'email' } },
      admin,
    );
    expect(again.errors?.[0].extensions).toMatchObject({
      code: 'CONFLICT',
      reason: 'ALREADY_ERASED',
    });
  });
});
