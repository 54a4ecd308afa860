import type { RowDataPacket } from 'mysql2/promise';
import { DateTime } from 'luxon';
import { DataSource } from 'typeorm';
import { CustomersService } from '../src/modules/customers/customers.service';
import { NotificationsService } from '../src/modules/notifications/notifications.service';
import { TaskEntity } from '../src/modules/outreach/entities/task.entity';
import { makeUser, signIn, TestUser } from './utils/identity';
import { makeCampaign, makeCustomer, makeTask } from './utils/outreach';
import { attest } from './utils/privacy';
import { useTestApp } from './utils/use-test-app';

const FIELDS = `id type regime status foundBy customerId dueAt overdue timeLeftSeconds
  verificationMethod verificationChannel verifiedAt denialReason rejectionNote resolvedAt
  reversedAt reversalReason tasksCancelled`;
const SUBMIT = `mutation S($input: SubmitDataSubjectRequestInput!) {
  submitDataSubjectRequest(input: $input) { ${FIELDS} } }`;
const SEND_CODE = `mutation C($input: SendVerificationCodeInput!) {
  sendDataSubjectVerificationCode(input: $input) { ${FIELDS} verificationExpiresAt verificationSends } }`;
const VERIFY = `mutation V($input: VerifyDataSubjectInput!) {
  verifyDataSubjectRequest(input: $input) { ${FIELDS} } }`;
const COMPLETE = `mutation D($input: DataSubjectRequestIdInput!) {
  completeDataSubjectRequest(input: $input) { ${FIELDS} } }`;
const RECTIFY = `mutation R($input: CompleteRectificationInput!) {
  completeRectification(input: $input) { ${FIELDS} } }`;
const REJECT = `mutation J($input: RejectDataSubjectRequestInput!) {
  rejectDataSubjectRequest(input: $input) { ${FIELDS} } }`;
const REVERSE = `mutation U($input: ReverseDataSubjectRequestInput!) {
  reverseDataSubjectRequest(input: $input) { ${FIELDS} } }`;
const EXTEND = `mutation X($input: ExtendRequestInput!) {
  extendDataSubjectRequest(input: $input) { id dueAt originalDueAt } }`;
const CUSTOMER = `query Q($id: ID!) { customer(id: $id) {
  id firstName lastName email phone city processingRestrictedAt saleOptedOutAt sensitiveUseLimitedAt } }`;
const EVALUATE = `query E($input: EvaluateContactInput!) {
  evaluateContact(input: $input) { allowed checks { rule passed } } }`;

interface Dsr {
  id: string;
  type: string;
  regime: string;
  status: string;
  foundBy: string;
  customerId: string;
  dueAt: string;
  overdue: boolean;
  timeLeftSeconds: number | null;
  verificationMethod: string | null;
  verificationChannel: string | null;
  verifiedAt: string | null;
  denialReason: string | null;
  rejectionNote: string | null;
  resolvedAt: string | null;
  reversedAt: string | null;
  tasksCancelled: number;
}

describe('data subject requests: every type, verification, lifecycle (e2e)', () => {
  const app = useTestApp({ PRIVACY_REMINDER_CRON: 'off' });
  let admin: Record<string, string>;
  let manager: Record<string, string>;
  let agent: Record<string, string>;
  let managerUser: TestUser;
  let agentUser: TestUser;
  const team = `team-dsr2-${Date.now()}`;

  beforeAll(async () => {
    managerUser = await makeUser(app.t, 'manager', { mfa: true, teamId: team });
    agentUser = await makeUser(app.t, 'agent', { mfa: true, teamId: team });
    admin = (await signIn(app.t, await makeUser(app.t, 'admin', { mfa: true }))).auth;
    manager = (await signIn(app.t, managerUser)).auth;
    agent = (await signIn(app.t, agentUser)).auth;
  });

  const rows = async (sql: string, params: unknown[] = []) =>
    (await app.db.query<RowDataPacket[]>(sql, params))[0];
  const json = (v: unknown): Record<string, unknown> =>
    (typeof v === 'string' ? JSON.parse(v) : v) as Record<string, unknown>;

  async function gql<T>(doc: string, input: unknown, auth = admin) {
    return app.t.gql<T>(doc, { input }, auth);
  }

  async function submit(
    type: string,
    regime: string,
    subject: Record<string, string>,
    auth = admin,
  ): Promise<Dsr> {
    const res = await gql<{ submitDataSubjectRequest: Dsr }>(
      SUBMIT,
      { type, regime, receivedVia: 'web', subject },
      auth,
    );
    expect(res.errors).toBeUndefined();
    return res.data!.submitDataSubjectRequest;
  }

  async function errorOf(doc: string, input: unknown, auth = admin) {
    return (await gql(doc, input, auth)).errors?.[0].extensions;
  }

  async function auditOf(requestId: string) {
    return (
      await rows('SELECT action, changes FROM audit_events WHERE resource_id = ? ORDER BY seq', [
        requestId,
      ])
    ).map((r) => ({ action: String(r.action), changes: json(r.changes) }));
  }

  /** The last code sent to `to` through the outbox (decrypted by the notifications service). */
  async function codeSentTo(to: string): Promise<string> {
    const sent = (
      await app.t.app.get(NotificationsService).listByTemplate('privacy_verification_code', 500)
    ).filter((n) => n.recipient === to);
    const match = /code for your privacy request is (\d{6})/.exec(sent[sent.length - 1].body);
    return match![1];
  }

  it('finds the subject by email or phone through the blind index, or by id, and refuses ambiguity', async () => {
    const customer = await makeCustomer(app.t);
    const byEmail = await submit('Access', 'Gdpr', { email: customer.email!.toUpperCase() });
    expect(byEmail).toMatchObject({
      customerId: customer.id,
      foundBy: 'Email',
      status: 'Received',
    });
    const byPhone = await submit('Portability', 'Ccpa', {
      phone: `(${customer.phone!.slice(2, 5)}) ${customer.phone!.slice(5, 8)}-${customer.phone!.slice(8)}`,
    });
    expect(byPhone).toMatchObject({ customerId: customer.id, foundBy: 'Phone' });
    const byId = await submit('Rectification', 'Gdpr', { customerId: customer.id });
    expect(byId.foundBy).toBe('CustomerId');

    // A second open request of the same type is refused.
    expect(
      await errorOf(SUBMIT, {
        type: 'Access',
        regime: 'Gdpr',
        receivedVia: 'web',
        subject: { customerId: customer.id },
      }),
    ).toMatchObject({ code: 'CONFLICT', reason: 'REQUEST_ALREADY_OPEN' });

    // Two customers sharing an address: the staff member must name the customer.
    const twin = await makeCustomer(app.t);
    await app.t.app
      .get(DataSource)
      .query(
        'UPDATE customers SET email_bidx = (SELECT email_bidx FROM customers WHERE id = ?) WHERE id = ?',
        [customer.id, twin.id],
      );
    const countBefore = Number(
      (await rows('SELECT COUNT(*) AS n FROM data_subject_requests'))[0].n,
    );
    expect(
      await errorOf(SUBMIT, {
        type: 'Erasure',
        regime: 'Gdpr',
        receivedVia: 'web',
        subject: { email: customer.email },
      }),
    ).toMatchObject({ code: 'CONFLICT', reason: 'SUBJECT_AMBIGUOUS' });
    for (const subject of [
      { email: 'nobody.here@example.com' },
      { customerId: '00000000-0000-7000-8000-000000000000' },
    ])
      expect(
        await errorOf(SUBMIT, { type: 'Access', regime: 'Gdpr', receivedVia: 'web', subject }),
      ).toMatchObject({ code: 'NOT_FOUND', reason: 'SUBJECT_NOT_FOUND' });
    expect(
      await errorOf(SUBMIT, {
        type: 'Access',
        regime: 'Gdpr',
        receivedVia: 'web',
        subject: { customerId: customer.id, email: customer.email },
      }),
    ).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'INVALID_SUBJECT' });
    // An agent finds only customers of their own tasks, by address as by id.
    expect(
      await errorOf(
        SUBMIT,
        {
          type: 'Access',
          regime: 'Gdpr',
          receivedVia: 'phone',
          subject: { phone: twin.phone },
        },
        agent,
      ),
    ).toMatchObject({ code: 'NOT_FOUND', reason: 'SUBJECT_NOT_FOUND' });
    // Each right where its law grants it.
    for (const [type, regime] of [
      ['Restriction', 'Ccpa'],
      ['OptOutSale', 'Gdpr'],
      ['LimitUse', 'Gdpr'],
    ])
      expect(
        await errorOf(SUBMIT, {
          type,
          regime,
          receivedVia: 'web',
          subject: { customerId: twin.id },
        }),
      ).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'TYPE_NOT_IN_REGIME' });
    // Refusals write nothing.
    expect(Number((await rows('SELECT COUNT(*) AS n FROM data_subject_requests'))[0].n)).toBe(
      countBefore,
    );
  });

  it.each([
    [
      'Gdpr',
      ['Access', 'Portability', 'Rectification', 'Restriction', 'Erasure'],
      { months: 1 },
      { months: 2 },
    ],
    ['Ccpa', ['Access', 'Portability', 'Rectification', 'Erasure'], { days: 45 }, { days: 45 }],
  ] as const)(
    'gives every %s request type its statutory deadline and one extension',
    async (regime, types, due, extension) => {
      for (const type of types) {
        const customer = await makeCustomer(app.t);
        const before = Date.now();
        const request = await submit(type, regime, { customerId: customer.id });
        const expected = DateTime.fromMillis(before).plus(due).toMillis();
        expect(Math.abs(Date.parse(request.dueAt) - expected)).toBeLessThan(60_000);
        expect(request.timeLeftSeconds).toBeGreaterThan(0);
        const extended = await gql<{
          extendDataSubjectRequest: { dueAt: string; originalDueAt: string };
        }>(EXTEND, { id: request.id, reason: 'Records held in several systems.' });
        expect(extended.errors).toBeUndefined();
        expect(Date.parse(extended.data!.extendDataSubjectRequest.dueAt)).toBe(
          DateTime.fromISO(request.dueAt).plus(extension).toMillis(),
        );
      }
    },
  );

  it('verifies by a one-time code sent through the outbox: wrong guesses counted, expiry, lockout', async () => {
    const customer = await makeCustomer(app.t);
    const request = await submit('Access', 'Gdpr', { customerId: customer.id });
    // Nothing completes unverified; agents cannot drive verification.
    expect(await errorOf(COMPLETE, { id: request.id })).toMatchObject({ reason: 'NOT_VERIFIED' });
    expect((await errorOf(SEND_CODE, { id: request.id, channel: 'Email' }, agent))?.code).toBe(
      'FORBIDDEN',
    );

    const sent = await gql<{
      sendDataSubjectVerificationCode: Dsr & { verificationSends: number };
    }>(SEND_CODE, { id: request.id, channel: 'Email' });
    expect(sent.errors).toBeUndefined();
    expect(sent.data!.sendDataSubjectVerificationCode).toMatchObject({
      status: 'Verifying',
      verificationChannel: 'Email',
      verificationSends: 1,
    });
    const code = await codeSentTo(customer.email!);
    // Only a hash is stored.
    const [stored] = await rows(
      'SELECT verification_code_hash AS h FROM data_subject_requests WHERE id = ?',
      [request.id],
    );
    expect(Buffer.from(stored.h as Buffer).toString('utf8')).not.toContain(code);

    const wrong = code === '000000' ? '111111' : '000000';
    expect(await errorOf(VERIFY, { id: request.id, code: wrong })).toMatchObject({
      code: 'BAD_USER_INPUT',
      reason: 'WRONG_CODE',
    });
    // The wrong guess was counted and audited even though the mutation failed.
    const [counted] = await rows(
      'SELECT verification_attempts AS n, status FROM data_subject_requests WHERE id = ?',
      [request.id],
    );
    expect(counted).toMatchObject({ n: 1, status: 'verifying' });
    expect((await auditOf(request.id)).map((e) => e.action)).toContain(
      'privacy.verification_failed',
    );
    expect((await errorOf(VERIFY, { id: request.id, code: '12345' }))?.code).toBe('BAD_USER_INPUT');

    const verified = await gql<{ verifyDataSubjectRequest: Dsr }>(VERIFY, {
      id: request.id,
      code,
    });
    expect(verified.errors).toBeUndefined();
    expect(verified.data!.verifyDataSubjectRequest).toMatchObject({
      status: 'InProgress',
      verificationMethod: 'Code',
    });
    expect(await errorOf(VERIFY, { id: request.id, code })).toMatchObject({
      reason: 'ALREADY_VERIFIED',
    });

    // Expiry and lockout on another request, by SMS.
    const other = await makeCustomer(app.t);
    const second = await submit('Portability', 'Ccpa', { customerId: other.id });
    await gql(SEND_CODE, { id: second.id, channel: 'Sms' });
    const smsCode = await codeSentTo(other.phone!);
    await app.db.query(
      'UPDATE data_subject_requests SET verification_expires_at = NOW(3) - INTERVAL 1 SECOND WHERE id = ?',
      [second.id],
    );
    expect(await errorOf(VERIFY, { id: second.id, code: smsCode })).toMatchObject({
      reason: 'CODE_EXPIRED',
    });
    await gql(SEND_CODE, { id: second.id, channel: 'Sms' });
    const fresh = await codeSentTo(other.phone!);
    const bad = fresh === '999999' ? '888888' : '999999';
    for (let i = 0; i < 5; i++) await gql(VERIFY, { id: second.id, code: bad });
    expect(await errorOf(VERIFY, { id: second.id, code: fresh })).toMatchObject({
      reason: 'CODE_LOCKED',
    });
  });

  it('rectifies with masked before/after in the audit log, and reverses once', async () => {
    const customer = await makeCustomer(app.t);
    const request = await submit('Rectification', 'Ccpa', { customerId: customer.id });
    await attest(app.t, request.id, admin);
    expect(await errorOf(COMPLETE, { id: request.id })).toMatchObject({
      reason: 'WRONG_COMPLETION',
    });
    expect(
      await errorOf(RECTIFY, { id: request.id, changes: { lastName: customer.lastName } }),
    ).toMatchObject({ reason: 'NOTHING_TO_CHANGE' });
    expect((await errorOf(RECTIFY, { id: request.id, changes: { phone: '12' } }))?.reason).toBe(
      'INVALID_VALUE',
    );
    expect((await errorOf(RECTIFY, { id: request.id, changes: { email: 'nope' } }))?.code).toBe(
      'BAD_USER_INPUT',
    );

    const newEmail = `corrected.${Date.now()}@example.org`;
    const done = await gql<{ completeRectification: Dsr }>(RECTIFY, {
      id: request.id,
      changes: { lastName: 'Correctedname', email: newEmail, city: null },
    });
    expect(done.errors).toBeUndefined();
    expect(done.data!.completeRectification.status).toBe('Completed');
    const after = await app.t.gql<{ customer: Record<string, string | null> }>(
      CUSTOMER,
      { id: customer.id },
      admin,
    );
    expect(after.data!.customer).toMatchObject({
      lastName: 'Correctedname',
      email: newEmail,
      city: null,
    });
    // The new address is found through the blind index.
    expect(await app.t.app.get(CustomersService).findByEmail(newEmail)).toHaveLength(1);

    const anyString: unknown = expect.any(String);
    const applied = (await auditOf(request.id)).find(
      (e) => e.action === 'privacy.rectification_applied',
    )!;
    const text = JSON.stringify(applied.changes);
    for (const clear of [
      customer.lastName!,
      customer.email!,
      newEmail,
      'Correctedname',
      'Springfield',
    ])
      expect(text).not.toContain(clear);
    expect(applied.changes).toMatchObject({
      before: { lastName: anyString, email: anyString, city: '***' },
      after: { lastName: anyString, email: anyString, city: null },
    });

    const reversed = await gql<{ reverseDataSubjectRequest: Dsr }>(REVERSE, {
      id: request.id,
      reason: 'The subject sent the wrong spelling',
    });
    expect(reversed.errors).toBeUndefined();
    expect(reversed.data!.reverseDataSubjectRequest.reversedAt).not.toBeNull();
    const back = await app.t.gql<{ customer: Record<string, string | null> }>(
      CUSTOMER,
      { id: customer.id },
      admin,
    );
    expect(back.data!.customer).toMatchObject({
      lastName: customer.lastName,
      email: customer.email,
      city: 'Springfield',
    });
    expect(await errorOf(REVERSE, { id: request.id, reason: 'again' })).toMatchObject({
      reason: 'NOT_REVERSIBLE',
    });
    expect((await auditOf(request.id)).map((e) => e.action)).toContain(
      'privacy.rectification_reversed',
    );
  });

  it('restriction stops contact and audiences until it is reversed', async () => {
    const customer = await makeCustomer(app.t);
    const bystander = await makeCustomer(app.t);
    const campaign = await makeCampaign(app.t, team, managerUser.id);
    const task = await makeTask(app.t, campaign, customer, agentUser.id);
    const request = await submit('Restriction', 'Gdpr', { customerId: customer.id });
    await attest(app.t, request.id, admin);
    // A manager may not complete requests.
    expect((await errorOf(COMPLETE, { id: request.id }, manager))?.code).toBe('FORBIDDEN');
    const done = await gql<{ completeDataSubjectRequest: Dsr }>(COMPLETE, { id: request.id });
    expect(done.errors).toBeUndefined();
    expect(done.data!.completeDataSubjectRequest).toMatchObject({
      status: 'Completed',
      tasksCancelled: 1,
    });
    const repo = app.t.app.get(DataSource).getRepository(TaskEntity);
    expect((await repo.findOneByOrFail({ id: task.id })).status).toBe('cancelled');

    const decide = async () =>
      (
        await app.t.gql<{
          evaluateContact: { allowed: boolean; checks: { rule: string; passed: boolean }[] };
        }>(
          EVALUATE,
          { input: { customerId: customer.id, channel: 'call', purpose: 'collection' } },
          manager,
        )
      ).data!.evaluateContact;
    const refused = await decide();
    expect(refused.allowed).toBe(false);
    expect(refused.checks).toContainEqual({ rule: 'do_not_contact', passed: false });
    const audience = async () => {
      const ids: string[] = [];
      for await (const page of app.t.app
        .get(CustomersService)
        .audiencePages({ customerIds: [customer.id, bystander.id] }, 10))
        ids.push(...page.map((c) => c.id));
      return ids;
    };
    expect(await audience()).toEqual([bystander.id]);
    const shown = await app.t.gql<{ customer: { processingRestrictedAt: string | null } }>(
      CUSTOMER,
      { id: customer.id },
      admin,
    );
    expect(shown.data!.customer.processingRestrictedAt).not.toBeNull();

    const lifted = await gql<{ reverseDataSubjectRequest: Dsr }>(REVERSE, {
      id: request.id,
      reason: 'Accuracy confirmed',
    });
    expect(lifted.errors).toBeUndefined();
    expect((await decide()).checks).toContainEqual({ rule: 'do_not_contact', passed: true });
    expect((await audience()).sort()).toEqual([customer.id, bystander.id].sort());
    const actions = (await auditOf(request.id)).map((e) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining(['privacy.restriction_applied', 'privacy.restriction_reversed']),
    );
  });

  it('takes the CCPA opt-outs on receipt, unverified, from an agent too', async () => {
    const customer = await makeCustomer(app.t);
    const campaign = await makeCampaign(app.t, team, managerUser.id);
    await makeTask(app.t, campaign, customer, agentUser.id);
    const sale = await submit('OptOutSale', 'Ccpa', { customerId: customer.id }, agent);
    expect(sale).toMatchObject({
      status: 'Completed',
      verificationMethod: 'NotRequired',
      timeLeftSeconds: null,
    });
    const limit = await submit('LimitUse', 'Ccpa', { email: customer.email! }, agent);
    expect(limit.status).toBe('Completed');
    const shown = await app.t.gql<{
      customer: { saleOptedOutAt: string | null; sensitiveUseLimitedAt: string | null };
    }>(CUSTOMER, { id: customer.id }, admin);
    expect(shown.data!.customer.saleOptedOutAt).not.toBeNull();
    expect(shown.data!.customer.sensitiveUseLimitedAt).not.toBeNull();
    expect((await auditOf(sale.id)).map((e) => e.action)).toEqual([
      'privacy.opt_out_sale_requested',
    ]);
  });

  it('rejects with a reason from the list and text, and tells the subject', async () => {
    const customer = await makeCustomer(app.t);
    const request = await submit('Access', 'Gdpr', { customerId: customer.id });
    expect((await errorOf(REJECT, { id: request.id, reason: 'Whatever' }))?.code).toBe(
      'BAD_USER_INPUT',
    );
    const rejected = await gql<{ rejectDataSubjectRequest: Dsr }>(REJECT, {
      id: request.id,
      reason: 'ManifestlyUnfounded',
      note: 'This is the fifth identical request this month.',
    });
    expect(rejected.errors).toBeUndefined();
    expect(rejected.data!.rejectDataSubjectRequest).toMatchObject({
      status: 'Rejected',
      denialReason: 'ManifestlyUnfounded',
      rejectionNote: 'This is the fifth identical request this month.',
      timeLeftSeconds: null,
    });
    const mails = (
      await app.t.app.get(NotificationsService).listByTemplate('privacy_request_rejected', 500)
    ).filter((n) => n.recipient === customer.email);
    expect(mails).toHaveLength(1);
    expect(mails[0].body).toContain('fifth identical request');
    expect(await errorOf(REJECT, { id: request.id, reason: 'Excessive' })).toMatchObject({
      reason: 'REQUEST_CLOSED',
    });
  });

  it('lists open requests first, least time left first, with an overdue flag', async () => {
    const a = await submit('Access', 'Ccpa', { customerId: (await makeCustomer(app.t)).id });
    const b = await submit('Access', 'Gdpr', { customerId: (await makeCustomer(app.t)).id });
    await app.db.query(
      'UPDATE data_subject_requests SET due_at = NOW(3) - INTERVAL 1 DAY WHERE id = ?',
      [a.id],
    );
    const list = await app.t.gql<{
      dataSubjectRequests: {
        id: string;
        status: string;
        dueAt: string;
        overdue: boolean;
        timeLeftSeconds: number | null;
      }[];
    }>('{ dataSubjectRequests { id status dueAt overdue timeLeftSeconds } }', undefined, admin);
    const items = list.data!.dataSubjectRequests;
    const open = items.filter((r) => ['Received', 'Verifying', 'InProgress'].includes(r.status));
    expect(items.slice(0, open.length)).toEqual(open);
    const left = open.map((r) => r.timeLeftSeconds!);
    expect(left).toEqual([...left].sort((x, y) => x - y));
    expect(items.find((r) => r.id === a.id)).toMatchObject({ overdue: true });
    expect(items.find((r) => r.id === a.id)!.timeLeftSeconds).toBeLessThan(0);
    expect(items.find((r) => r.id === b.id)).toMatchObject({ overdue: false });
  });
});
