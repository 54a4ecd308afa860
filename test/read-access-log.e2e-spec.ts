import { randomUUID } from 'node:crypto';
import type { RowDataPacket } from 'mysql2/promise';
import { DataSource } from 'typeorm';
import { CustomerReadLogService } from '../src/modules/customers/customer-read-log.service';
import { TaskEntity } from '../src/modules/outreach/entities/task.entity';
import { makeUser, signIn, TestUser } from './utils/identity';
import { makeCampaign, makeCustomer, makeTask } from './utils/outreach';
import { useTestApp } from './utils/use-test-app';

const READ_TWICE = `query Read($id: ID!) {
  customer(id: $id) { id p1: phone p2: phone ...Contact }
}
fragment Contact on Customer { email phone e2: email }`;
const REPORT = `query Report($id: ID!, $from: DateTime, $to: DateTime) {
  customerReadAccess(customerId: $id, from: $from, to: $to) {
    actorType actorId actorRole kind day reads fields firstAt lastAt
  }
}`;
const REVEAL = `mutation R($input: RevealCustomerFieldInput!) {
  revealCustomerField(input: $input) { field value }
}`;

interface ReportRow {
  actorType: string;
  actorId: string;
  actorRole: string | null;
  kind: string;
  day: string;
  reads: number;
  fields: string[];
  firstAt: string;
  lastAt: string;
}

interface LogRow {
  actor_id: string;
  actor_type: string;
  actor_role: string | null;
  kind: string;
  read_count: number;
  pii_fields: string;
  day: string;
}

describe('read-access log (e2e)', () => {
  const app = useTestApp({ RETENTION_CRON: 'off' });
  const users: Record<string, TestUser> = {};
  const auth: Record<string, Record<string, string>> = {};

  beforeAll(async () => {
    for (const role of ['admin', 'manager', 'agent', 'viewer']) {
      users[role] = await makeUser(app.t, role, { mfa: true, teamId: 'team-readlog' });
      auth[role] = (await signIn(app.t, users[role])).auth;
    }
  });

  const logRows = async (customerId: string): Promise<LogRow[]> =>
    (
      await app.db.query<RowDataPacket[]>(
        `SELECT actor_id, actor_type, actor_role, kind, read_count, pii_fields,
                DATE_FORMAT(day, '%Y-%m-%d') AS day
           FROM customer_read_access WHERE customer_id = ? ORDER BY kind, actor_id`,
        [customerId],
      )
    )[0] as LogRow[];

  const report = async (customerId: string, who: Record<string, string>) =>
    app.t.gql<{ customerReadAccess: ReportRow[] }>(REPORT, { id: customerId }, who);

  /** A customer with a task assigned to `assigneeId` (so an agent's row rules let them see it). */
  const customerWithTask = async (assigneeId: string | null, notes?: string) => {
    const customer = await makeCustomer(app.t);
    const campaign = await makeCampaign(app.t, 'team-readlog', users.manager.id);
    const task = await makeTask(app.t, campaign, customer, assigneeId);
    if (notes !== undefined) {
      const repo = app.t.app.get(DataSource).getRepository(TaskEntity);
      const loaded = await repo.findOneByOrFail({ id: task.id });
      loaded.notes = notes;
      await repo.save(loaded);
    }
    return { customer, task };
  };

  it('counts an admin reading phone and email (aliases, a fragment) twice as two reads on one row', async () => {
    const customer = await makeCustomer(app.t);
    for (let i = 0; i < 2; i++) {
      const res = await app.t.gql<{ customer: Record<string, string> }>(
        READ_TWICE,
        { id: customer.id },
        auth.admin,
      );
      expect(res.errors).toBeUndefined();
      expect(res.data!.customer.p1).toBe(customer.phone);
      expect(res.data!.customer.e2).toBe(customer.email);
    }

    const rows = await logRows(customer.id);
    expect(rows).toEqual([
      {
        actor_id: users.admin.id,
        actor_type: 'user',
        actor_role: 'admin',
        kind: 'unmasked_read',
        read_count: 2,
        pii_fields: 'email,phone',
        day: new Date().toISOString().slice(0, 10),
      },
    ]);
    // Ids and field names only: no personal value is in the log.
    const [all] = await app.db.query<RowDataPacket[]>(
      'SELECT * FROM customer_read_access WHERE customer_id = ?',
      [customer.id],
    );
    const dump = JSON.stringify(all);
    for (const value of [customer.phone, customer.email, customer.lastName]) {
      expect(dump).not.toContain(value);
    }

    const seen = await report(customer.id, auth.admin);
    expect(seen.errors).toBeUndefined();
    expect(seen.data!.customerReadAccess).toEqual([
      expect.objectContaining({
        actorType: 'user',
        actorId: users.admin.id,
        actorRole: 'admin',
        kind: 'UnmaskedRead',
        reads: 2,
        fields: ['email', 'phone'],
      }),
    ]);
    const [row] = seen.data!.customerReadAccess;
    expect(Date.parse(row.firstAt)).toBeLessThanOrEqual(Date.parse(row.lastAt));

    // A range that ends before today finds nothing; one that covers it finds the row.
    const yesterday = new Date(Date.now() - 86_400_000).toISOString();
    const before = await app.t.gql<{ customerReadAccess: ReportRow[] }>(
      REPORT,
      { id: customer.id, to: yesterday },
      auth.admin,
    );
    expect(before.data!.customerReadAccess).toEqual([]);
    const covering = await app.t.gql<{ customerReadAccess: ReportRow[] }>(
      REPORT,
      { id: customer.id, from: yesterday, to: new Date().toISOString() },
      auth.admin,
    );
    expect(covering.data!.customerReadAccess).toHaveLength(1);
  });

  it('records each customer once per operation, with only the fields it returned in full', async () => {
    const { customer, task } = await customerWithTask(users.agent.id);
    const other = await makeCustomer(app.t);
    const res = await app.t.gql(
      `query($a: ID!, $b: ID!) {
        a: customer(id: $a) { firstName phone ssn }
        b: customer(id: $b) { email }
      }`,
      { a: customer.id, b: other.id },
      auth.manager,
    );
    expect(res.errors).toBeUndefined();
    // A manager reads names, email, phone and address in full; the SSN is masked and not logged.
    expect((await logRows(customer.id)).map((r) => [r.actor_role, r.pii_fields])).toEqual([
      ['manager', 'firstName,phone'],
    ]);
    expect((await logRows(other.id)).map((r) => [r.actor_role, r.pii_fields])).toEqual([
      ['manager', 'email'],
    ]);
    expect(task.customerId).toBe(customer.id);
  });

  it('records nothing for masked values (viewer: every field; agent: all but the first name)', async () => {
    const { customer } = await customerWithTask(users.agent.id);
    const everything =
      'query($id: ID!) { customer(id: $id) { firstName lastName email phone addressLine city dateOfBirth ssn accountRef } }';
    const viewer = await app.t.gql<{ customer: Record<string, string> }>(
      everything,
      { id: customer.id },
      auth.viewer,
    );
    expect(viewer.errors).toBeUndefined();
    expect(viewer.data!.customer.phone).toMatch(/^\*\*\*-\*\*\*-\d{4}$/);
    const agent = await app.t.gql<{ customer: Record<string, string> }>(
      'query($id: ID!) { customer(id: $id) { lastName email phone ssn } }',
      { id: customer.id },
      auth.agent,
    );
    expect(agent.errors).toBeUndefined();
    expect(agent.data!.customer.email).toMatch(/^j\*\*\*@/);
    expect(await logRows(customer.id)).toEqual([]);
  });

  it('records a reveal as a reveal, in the reveal transaction, and not as an unmasked read', async () => {
    const { customer } = await customerWithTask(users.agent.id);
    const res = await app.t.gql<{ revealCustomerField: { value: string } }>(
      REVEAL,
      { input: { id: customer.id, field: 'phone', reason: 'customer asked for a call back' } },
      auth.agent,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data!.revealCustomerField.value).toBe(customer.phone);
    expect(
      (await logRows(customer.id)).map((r) => [
        r.actor_id,
        r.actor_role,
        r.kind,
        r.read_count,
        r.pii_fields,
      ]),
    ).toEqual([[users.agent.id, 'agent', 'reveal', 1, 'phone']]);

    // A refused reveal (a field the agent may not reveal) records nothing.
    const refused = await app.t.gql(
      REVEAL,
      { input: { id: customer.id, field: 'ssn', reason: 'customer asked for a call back' } },
      auth.agent,
    );
    expect(refused.errors?.[0].extensions.code).toBe('FORBIDDEN');
    expect(await logRows(customer.id)).toHaveLength(1);
  });

  it("records task notes read in full against the task's customer", async () => {
    const { customer, task } = await customerWithTask(users.agent.id, 'Asked us to call after 6pm');
    const res = await app.t.gql<{ task: { notes: string; customer: { email: string } } }>(
      'query($id: ID!) { task(id: $id) { notes customer { email } } }',
      { id: task.id },
      auth.admin,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data!.task.notes).toBe('Asked us to call after 6pm');
    expect((await logRows(customer.id)).map((r) => [r.kind, r.read_count, r.pii_fields])).toEqual([
      ['unmasked_read', 1, 'email,notes'],
    ]);
  });

  it('summarises for the data subject by kind and reader role, without staff ids', async () => {
    const { customer } = await customerWithTask(users.agent.id);
    await app.t.gql(
      'query($id: ID!) { customer(id: $id) { phone } }',
      { id: customer.id },
      auth.admin,
    );
    await app.t.gql(
      'query($id: ID!) { customer(id: $id) { email } }',
      { id: customer.id },
      auth.manager,
    );
    await app.t.gql(
      REVEAL,
      { input: { id: customer.id, field: 'email', reason: 'confirming the address on file' } },
      auth.agent,
    );
    const summary = await app.t.app.get(CustomerReadLogService).summaryFor(customer.id);
    expect(
      summary.map(({ firstAt, lastAt, ...rest }) => {
        expect(firstAt.getTime()).toBeLessThanOrEqual(lastAt.getTime());
        return rest;
      }),
    ).toEqual([
      { kind: 'unmasked_read', readerRole: 'admin', reads: 1, fields: ['phone'] },
      { kind: 'unmasked_read', readerRole: 'manager', reads: 1, fields: ['email'] },
      { kind: 'reveal', readerRole: 'agent', reads: 1, fields: ['email'] },
    ]);
    expect(JSON.stringify(summary)).not.toContain(users.admin.id);
  });

  it("refuses the report without read AuditEvent, and answers NOT_FOUND outside the caller's rows", async () => {
    const { customer: theirs } = await customerWithTask(users.agent.id);
    for (const role of ['manager', 'agent', 'viewer']) {
      const res = await report(theirs.id, auth[role]);
      expect(res.errors?.[0].extensions.code).toBe('FORBIDDEN');
      expect(res.data).toBeNull();
    }

    // An auditor who reads the audit log but only the customers of their own tasks.
    const roleName = `case-auditor-${randomUUID().slice(0, 6)}`;
    const created = await app.t.gql(
      `mutation { createRole(input: { name: "${roleName}", inherits: ["agent"], rules: [{ action: ["read"], subject: ["AuditEvent"] }] }) { name } }`,
      undefined,
      auth.admin,
    );
    expect(created.errors).toBeUndefined();
    const auditor = await makeUser(app.t, roleName, { mfa: true });
    const a = (await signIn(app.t, auditor)).auth;
    const { customer: mine } = await customerWithTask(auditor.id);

    const outside = await report(theirs.id, a);
    expect(outside.errors?.[0].extensions).toMatchObject({ code: 'NOT_FOUND' });
    const missing = await report(randomUUID(), a);
    expect(missing.errors?.[0].extensions).toMatchObject({ code: 'NOT_FOUND' });
    expect(missing.errors?.[0].message).toBe(outside.errors?.[0].message);
    const own = await report(mine.id, a);
    expect(own.errors).toBeUndefined();
    expect(own.data!.customerReadAccess).toEqual([]);

    const bad = await app.t.gql(REPORT, { id: 'not-a-uuid' }, auth.admin);
    expect(bad.errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
  });

  it('keeps the history of a soft-deleted customer for the report', async () => {
    const customer = await makeCustomer(app.t);
    await app.t.gql(
      'query($id: ID!) { customer(id: $id) { ssn } }',
      { id: customer.id },
      auth.admin,
    );
    const deleted = await app.t.gql(
      'mutation($input: CustomerIdInput!) { deleteCustomer(input: $input) }',
      { input: { id: customer.id } },
      auth.admin,
    );
    expect(deleted.errors).toBeUndefined();
    const res = await report(customer.id, auth.admin);
    expect(res.errors).toBeUndefined();
    expect(res.data!.customerReadAccess.map((r) => [r.kind, r.fields])).toEqual([
      ['UnmaskedRead', ['ssn']],
    ]);
  });

  it('withholds the data when the read cannot be recorded, and raises it as critical', async () => {
    const customer = await makeCustomer(app.t);
    const service = app.t.app.get(CustomerReadLogService);
    const spy = jest
      .spyOn(service, 'record')
      .mockRejectedValueOnce(
        new Error("ER_LOCK_WAIT_TIMEOUT: INSERT INTO customer_read_access ('x')"),
      );
    try {
      const res = await app.t.gql(
        'query($id: ID!) { customer(id: $id) { phone ssn } }',
        { id: customer.id },
        auth.admin,
      );
      expect(res.status).toBe(503);
      expect(res.data).toBeNull();
      expect(res.errors).toHaveLength(1);
      expect(res.errors![0].extensions).toMatchObject({
        code: 'INTERNAL_SERVER_ERROR',
        reason: 'READ_LOG_UNAVAILABLE',
      });
      const body = JSON.stringify(res);
      for (const leak of [customer.phone, customer.ssn, 'INSERT', 'ER_LOCK']) {
        expect(body).not.toContain(leak);
      }
    } finally {
      spy.mockRestore();
    }
    const [events] = await app.db.query<RowDataPacket[]>(
      `SELECT e.actor_id, e.result, e.error_code, (SELECT COUNT(*) FROM audit_siem_outbox o WHERE o.audit_seq = e.seq) AS queued
         FROM audit_events e WHERE e.action = 'customer.read_log_failed' AND e.resource_id = ?`,
      [customer.id],
    );
    expect(events).toEqual([
      {
        actor_id: users.admin.id,
        result: 'failure',
        error_code: 'READ_LOG_UNAVAILABLE',
        queued: 1,
      },
    ]);
    // The next read is recorded again.
    const again = await app.t.gql(
      'query($id: ID!) { customer(id: $id) { phone } }',
      { id: customer.id },
      auth.admin,
    );
    expect(again.errors).toBeUndefined();
    expect(await logRows(customer.id)).toHaveLength(1);
  });

  it('lets the application add reads but not rewrite or remove them', async () => {
    const customer = await makeCustomer(app.t);
    await app.t.gql(
      'query($id: ID!) { customer(id: $id) { email } }',
      { id: customer.id },
      auth.admin,
    );
    await expect(
      app.db.query('UPDATE customer_read_access SET read_count = 0 WHERE customer_id = ?', [
        customer.id,
      ]),
    ).rejects.toThrow(/only grows/);
    await expect(
      app.db.query("UPDATE customer_read_access SET pii_fields = 'phone' WHERE customer_id = ?", [
        customer.id,
      ]),
    ).rejects.toThrow(/only grows/);
    await expect(
      app.db.query('DELETE FROM customer_read_access WHERE customer_id = ?', [customer.id]),
    ).rejects.toThrow(/append-only/);
    expect((await logRows(customer.id)).map((r) => r.pii_fields)).toEqual(['email']);
  });
});
