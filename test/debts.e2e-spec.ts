import type { RowDataPacket } from 'mysql2/promise';
import { v7 as uuidv7 } from 'uuid';
import { DateTime } from 'luxon';
import { DataSource } from 'typeorm';
import { ComplianceService } from '../src/modules/compliance/compliance.service';
import { CustomersService } from '../src/modules/customers/customers.service';
import { PhoneType } from '../src/modules/customers/entities/customer.entity';
import { makeUser, signIn, TestUser } from './utils/identity';
import { useTestApp } from './utils/use-test-app';

const DEBT_FIELDS =
  'id customerId placementRef creditor accountRef originalBalance currentBalance status placedAt';
const CREATE_DEBT = `mutation C($input: CreateDebtInput!) { createDebt(input: $input) { ${DEBT_FIELDS} } }`;
const IMPORT = `mutation I($input: ImportPlacementsInput!) { importPlacements(input: $input) {
  id status rowsTotal rowsDone errorCount errors { line code column message }
  customersCreated debtsCreated debtsUpdated debtsUnchanged unchanged } }`;
const HEADER =
  'placement_ref,first_name,last_name,email,phone,address,city,state,zip,date_of_birth,creditor,account_ref,original_balance,current_balance,placed_at';

interface Debt {
  id: string;
  customerId: string;
  accountRef: string;
  originalBalance: string;
  currentBalance: string;
  status: string;
}

interface ImportResult {
  id: string;
  status: string;
  rowsTotal: number;
  rowsDone: number;
  errorCount: number;
  errors: { line: number; code: string; column: string | null }[];
  customersCreated: number;
  debtsCreated: number;
  debtsUpdated: number;
  debtsUnchanged: number;
  unchanged: boolean;
}

describe('debts (e2e)', () => {
  const app = useTestApp();
  const team = `team-d-${Date.now()}`;
  let manager: TestUser;
  let agent: TestUser;
  let ad: Record<string, string>;
  let m: Record<string, string>;
  let a: Record<string, string>;
  let v: Record<string, string>;
  let seq = 0;
  const tag = () => `${Date.now()}${++seq}`;

  beforeAll(async () => {
    manager = await makeUser(app.t, 'manager', { mfa: true, teamId: team });
    agent = await makeUser(app.t, 'agent', { mfa: true, teamId: team });
    ad = (await signIn(app.t, await makeUser(app.t, 'admin', { mfa: true }))).auth;
    m = (await signIn(app.t, manager)).auth;
    a = (await signIn(app.t, agent)).auth;
    v = (await signIn(app.t, await makeUser(app.t, 'viewer'))).auth;
  });

  const customer = (extra: Record<string, unknown> = {}) => {
    const t = tag();
    return app.t.app.get(CustomersService).create({
      externalRef: `debt-cust-${t}`,
      firstName: 'Dana',
      lastName: `Debtor${t}`,
      email: `dana.${t}@debts.example`,
      phone: `+1212${String(2000000 + (Number(t.slice(-6)) % 7999999)).padStart(7, '0')}`,
      phoneType: PhoneType.Landline,
      state: 'NY',
      zip: '10001',
      timezone: 'America/New_York',
      ...extra,
    });
  };

  const createDebt = async (customerId: string, accountRef: string, auth = m) => {
    const res = await app.t.gql<{ createDebt: Debt }>(
      CREATE_DEBT,
      {
        input: {
          customerId,
          placementRef: `PL-${tag()}`,
          creditor: 'Acme Bank',
          accountRef,
          originalBalance: '1200.50',
          currentBalance: '980',
          placedAt: '2026-01-15',
        },
      },
      auth,
    );
    expect(res.errors).toBeUndefined();
    return res.data!.createDebt;
  };

  const count = async (sql: string, params: unknown[]) =>
    Number((await app.db.query<RowDataPacket[]>(sql, params))[0][0].n);

  it('creates and lists a customer’s debts, masked by role, seen only where the customer is', async () => {
    const c = await customer();
    const acct = `ACC-${tag()}`;
    const debt = await createDebt(c.id, acct);
    expect(debt).toMatchObject({
      customerId: c.id,
      creditor: 'Acme Bank',
      status: 'Active',
      accountRef: `***${acct.slice(-4)}`,
      originalBalance: '***',
      currentBalance: '***',
    });
    const LIST = `query L($id: String!) { debts(customerId: $id) { ${DEBT_FIELDS} } }`;
    const asAdmin = await app.t.gql<{ debts: Debt[] }>(LIST, { id: c.id }, ad);
    expect(asAdmin.data!.debts).toEqual([
      expect.objectContaining({
        id: debt.id,
        accountRef: acct,
        originalBalance: '1200.50',
        currentBalance: '980.00',
      }),
    ]);
    for (const auth of [m, v]) {
      const res = await app.t.gql<{ debts: Debt[] }>(LIST, { id: c.id }, auth);
      expect(res.data!.debts).toEqual([
        expect.objectContaining({ accountRef: `***${acct.slice(-4)}`, currentBalance: '***' }),
      ]);
    }
    // Agents see the customers of their tasks only: this one is not theirs.
    const asAgent = await app.t.gql(LIST, { id: c.id }, a);
    expect(asAgent.errors?.[0].extensions).toMatchObject({ code: 'NOT_FOUND' });
    const one = await app.t.gql('query D($id: ID!) { debt(id: $id) { id } }', { id: debt.id }, a);
    expect(one.errors?.[0].extensions).toMatchObject({ reason: 'DEBT_NOT_FOUND' });
    // The admin's full read is in the read-access log, against the customer.
    const [log] = await app.db.query<RowDataPacket[]>(
      "SELECT pii_fields FROM customer_read_access WHERE customer_id = ? AND kind = 'unmasked_read'",
      [c.id],
    );
    expect(String(log[0].pii_fields).split(',')).toEqual(
      expect.arrayContaining(['accountRef', 'originalBalance', 'currentBalance']),
    );
    // Stored encrypted: no clear account reference or balance in the row.
    const [raw] = await app.db.query<RowDataPacket[]>(
      'SELECT account_ref_enc, current_balance_enc, account_ref_masked FROM debts WHERE id = ?',
      [debt.id],
    );
    expect((raw[0].account_ref_enc as Buffer).includes(Buffer.from(acct))).toBe(false);
    expect((raw[0].current_balance_enc as Buffer).includes(Buffer.from('980.00'))).toBe(false);
  });

  it('refuses debt writes to roles without them, and writes nothing', async () => {
    const c = await customer();
    const before = await count('SELECT COUNT(*) AS n FROM debts WHERE customer_id = ?', [c.id]);
    for (const auth of [a, v]) {
      const res = await app.t.gql(
        CREATE_DEBT,
        {
          input: {
            customerId: c.id,
            placementRef: `PL-${tag()}`,
            creditor: 'Acme',
            accountRef: 'X12345',
            originalBalance: '1',
            currentBalance: '1',
            placedAt: '2026-01-01',
          },
        },
        auth,
      );
      expect(res.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN' });
      const imp = await app.t.gql(IMPORT, { input: { csv: `${HEADER}\n` } }, auth);
      expect(imp.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN' });
    }
    const debt = await createDebt(c.id, `ACC${tag()}`);
    const UPDATE =
      'mutation U($input: UpdateDebtStatusInput!) { updateDebtStatus(input: $input) { id status } }';
    const refused = await app.t.gql(UPDATE, { input: { id: debt.id, status: 'Paid' } }, v);
    expect(refused.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN' });
    expect(await count('SELECT COUNT(*) AS n FROM debts WHERE customer_id = ?', [c.id])).toBe(
      before + 1,
    );
    const ok = await app.t.gql<{ updateDebtStatus: { status: string } }>(
      UPDATE,
      { input: { id: debt.id, status: 'Disputed' } },
      m,
    );
    expect(ok.data!.updateDebtStatus.status).toBe('Disputed');
    expect(
      await count(
        "SELECT COUNT(*) AS n FROM audit_events WHERE action = 'debt.status_changed' AND resource_id = ?",
        [debt.id],
      ),
    ).toBe(1);
  });

  it('finds debts by phone, email or account reference through the blind indexes', async () => {
    const c = await customer();
    const other = await customer();
    const acct = `zx-${tag()}`;
    const d1 = await createDebt(c.id, acct);
    const d2 = await createDebt(c.id, `AC${tag()}`);
    await createDebt(other.id, `AC${tag()}`);
    const FIND =
      'query F($phone: String, $email: String, $accountRef: String) { findDebts(phone: $phone, email: $email, accountRef: $accountRef) { id customerId } }';
    const ids = async (vars: Record<string, string>) => {
      const res = await app.t.gql<{ findDebts: { id: string }[] }>(FIND, vars, m);
      expect(res.errors).toBeUndefined();
      return res.data!.findDebts.map((d) => d.id).sort();
    };
    const both = [d1.id, d2.id].sort();
    // Formatted as a person would type them: normalized before hashing.
    expect(
      await ids({
        phone: `(${c.phone!.slice(2, 5)}) ${c.phone!.slice(5, 8)}-${c.phone!.slice(8)}`,
      }),
    ).toEqual(both);
    expect(await ids({ email: c.email!.toUpperCase() })).toEqual(both);
    expect(await ids({ accountRef: acct.toUpperCase().replace('-', ' ') })).toEqual([d1.id]);
    expect(await ids({ accountRef: 'NOSUCH0000' })).toEqual([]);
    const two = await app.t.gql(FIND, { phone: c.phone!, email: c.email! }, m);
    expect(two.errors?.[0].extensions).toMatchObject({ reason: 'INVALID_LOOKUP' });
    // An agent finds nothing of customers they do not see.
    const asAgent = await app.t.gql<{ findDebts: unknown[] }>(FIND, { email: c.email! }, a);
    expect(asAgent.data!.findDebts).toEqual([]);
    // One indexed lookup: the plan reads the index, not the table.
    const [plan] = await app.db.query<RowDataPacket[]>(
      'EXPLAIN SELECT d.id FROM debts d JOIN customers c ON c.id = d.customer_id WHERE d.account_ref_bidx = ?',
      [Buffer.alloc(32)],
    );
    expect(plan.find((r) => r.table === 'd')?.key).toBe('ix_debts_account');
  });

  it('counts Reg F 7-in-7 per debt: calls about debt A block A, not B; tasks, decisions and attempts name their debt', async () => {
    const c = await customer();
    const debtA = await createDebt(c.id, `RA${tag()}`);
    const debtB = await createDebt(c.id, `RB${tag()}`);
    const created = await app.t.gql<{ createCampaign: { id: string } }>(
      'mutation C($input: CreateCampaignInput!) { createCampaign(input: $input) { id } }',
      {
        input: {
          name: 'Per debt',
          channel: 'Call',
          purpose: 'collection',
          audience: { customerIds: [c.id], debtStatuses: ['active'] },
        },
      },
      m,
    );
    expect(created.errors).toBeUndefined();
    const campaignId = created.data!.createCampaign.id;
    const launched = await app.t.gql<{ launchCampaign: { tasksCreated: number } }>(
      'mutation L($input: CampaignIdInput!) { launchCampaign(input: $input) { tasksCreated } }',
      { input: { id: campaignId } },
      m,
    );
    expect(launched.errors).toBeUndefined();
    expect(launched.data!.launchCampaign.tasksCreated).toBe(2);
    const [tasks] = await app.db.query<RowDataPacket[]>(
      'SELECT id, debt_id FROM tasks WHERE campaign_id = ? ORDER BY debt_id',
      [campaignId],
    );
    expect(tasks.map((t) => t.debt_id as string).sort()).toEqual([debtA.id, debtB.id].sort());

    // Seven calls about debt A at noon on seven calendar days in New York (legal hours; the
    // last six hours before the check, past the house gap), checked at 18:00 tomorrow.
    const at = DateTime.now()
      .setZone('America/New_York')
      .plus({ days: 1 })
      .set({ hour: 18, minute: 0, second: 0, millisecond: 0 });
    const compliance = app.t.app.get(ComplianceService);
    await app.t.app.get(DataSource).transaction(async (tx) => {
      for (let k = 0; k < 7; k++)
        await compliance.recordAttempt(
          {
            customer: c,
            channel: 'call',
            purpose: 'collection',
            occurredAt: at.minus({ days: k }).set({ hour: 12, minute: 0 }).toJSDate(),
            outcome: 'no_answer',
            debtId: debtA.id,
          },
          tx,
        );
    });
    const EVAL =
      'query E($input: EvaluateContactInput!) { evaluateContact(input: $input) { allowed checks { rule passed } } }';
    const regF = async (debtId: string) => {
      const res = await app.t.gql<{
        evaluateContact: { allowed: boolean; checks: { rule: string; passed: boolean }[] };
      }>(
        EVAL,
        {
          input: {
            customerId: c.id,
            channel: 'call',
            purpose: 'collection',
            at: at.toISO(),
            debtId,
          },
        },
        m,
      );
      expect(res.errors).toBeUndefined();
      return res.data!.evaluateContact;
    };
    const onA = await regF(debtA.id);
    const onB = await regF(debtB.id);
    expect(onA.checks.find((x) => x.rule === 'regf.7in7')?.passed).toBe(false);
    expect(onA.allowed).toBe(false);
    expect(onB.checks.find((x) => x.rule === 'regf.7in7')?.passed).toBe(true);
    expect(onB.allowed).toBe(true);

    // The task gate decides about the task's debt: its kept decision names it.
    const taskB = tasks.find((t) => t.debt_id === debtB.id)!.id as string;
    await app.db.query('UPDATE tasks SET assignee_id = ? WHERE campaign_id = ?', [
      agent.id,
      campaignId,
    ]);
    await app.t.gql(
      'mutation S($input: TaskIdInput!) { startTask(input: $input) { status } }',
      { input: { taskId: taskB } },
      a,
    );
    const [decided] = await app.db.query<RowDataPacket[]>(
      "SELECT debt_id FROM contact_decisions WHERE task_id = ? AND gate = 'task_start'",
      [taskB],
    );
    expect(decided.map((r) => r.debt_id as string)).toEqual([debtB.id]);
    // Completing the call logs its attempt against the debt (started in legal hours: other
    // suites count attempts outside them).
    await app.db.query("UPDATE tasks SET status = 'in_progress', started_at = ? WHERE id = ?", [
      at.minus({ days: 1 }).set({ hour: 15 }).toJSDate(),
      taskB,
    ]);
    const done = await app.t.gql(
      'mutation D($input: CompleteTaskInput!) { completeTask(input: $input) { status } }',
      { input: { taskId: taskB, outcome: 'NoAnswer' } },
      a,
    );
    expect(done.errors).toBeUndefined();
    const [attempt] = await app.db.query<RowDataPacket[]>(
      'SELECT debt_id FROM contact_attempts WHERE task_id = ?',
      [taskB],
    );
    expect(attempt.map((r) => r.debt_id as string)).toEqual([debtB.id]);
  });

  it('refuses a cease request naming another customer’s debt, and cancels only the named debt’s tasks', async () => {
    const c = await customer();
    const other = await customer();
    const mine = await createDebt(c.id, `CM${tag()}`);
    const theirs = await createDebt(other.id, `CT${tag()}`);
    const CEASE =
      'mutation R($input: RecordCeaseRequestInput!) { recordCeaseRequest(input: $input) { id debtId } }';
    const input = (debtId: string) => ({
      input: { customerId: c.id, debtId, kind: 'cease_communication', receivedVia: 'mail' },
    });
    const before = await count('SELECT COUNT(*) AS n FROM cease_requests WHERE customer_id = ?', [
      c.id,
    ]);
    const refused = await app.t.gql(CEASE, input(theirs.id), m);
    expect(refused.errors?.[0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      reason: 'INVALID_CEASE_REQUEST',
    });
    const unknown = await app.t.gql(CEASE, input('DEBT-NOT-ON-FILE'), m);
    expect(unknown.errors?.[0].extensions).toMatchObject({ reason: 'INVALID_CEASE_REQUEST' });
    expect(
      await count('SELECT COUNT(*) AS n FROM cease_requests WHERE customer_id = ?', [c.id]),
    ).toBe(before);
    const ok = await app.t.gql<{ recordCeaseRequest: { debtId: string } }>(
      CEASE,
      input(mine.id),
      m,
    );
    expect(ok.errors).toBeUndefined();
    expect(ok.data!.recordCeaseRequest.debtId).toBe(mine.id);
  });

  describe('placement import', () => {
    const file = (t: string, rows: string[][]) =>
      [HEADER, ...rows.map((r) => r.join(','))].join('\n').replaceAll('{t}', t);
    const row = (n: number, balance = '250.00'): string[] => [
      `IMP-{t}-${n}`,
      'Ivy',
      `Importer${n}`,
      `ivy.{t}.${n}@import.example`,
      `+1212555${String(1000 + n).slice(-4)}`,
      `${n} Main St`,
      'Albany',
      'NY',
      '12207',
      '1980-02-03',
      'Acme Bank',
      `IM{t}${n}`,
      '300.00',
      balance,
      '2026-03-01',
    ];
    const written = (t: string) =>
      count('SELECT COUNT(*) AS n FROM debts WHERE placement_ref LIKE ?', [`IMP-${t}-%`]);
    const customersOf = (t: string) =>
      count('SELECT COUNT(*) AS n FROM customers WHERE external_ref LIKE ?', [`IMP-${t}-%`]);

    it('reports a bad row by line and writes nothing; the fixed file imports; a re-import changes nothing', async () => {
      const t = tag();
      const bad = row(2);
      bad[13] = '12;5'; // line 3: not an amount
      const rejected = await app.t.gql<{ importPlacements: ImportResult }>(
        IMPORT,
        { input: { csv: file(t, [row(1), bad, row(3)]) } },
        m,
      );
      expect(rejected.errors).toBeUndefined();
      expect(rejected.data!.importPlacements).toMatchObject({
        status: 'Rejected',
        errorCount: 1,
        errors: [{ line: 3, code: 'INVALID_AMOUNT', column: 'current_balance' }],
        debtsCreated: 0,
        customersCreated: 0,
      });
      expect(await written(t)).toBe(0);
      expect(await customersOf(t)).toBe(0);

      const good = file(t, [row(1), row(2), row(3)]);
      const imported = await app.t.gql<{ importPlacements: ImportResult }>(
        IMPORT,
        { input: { csv: good } },
        m,
      );
      expect(imported.data!.importPlacements).toMatchObject({
        status: 'Completed',
        rowsTotal: 3,
        rowsDone: 3,
        customersCreated: 3,
        debtsCreated: 3,
        unchanged: false,
      });
      expect(await written(t)).toBe(3);

      const again = await app.t.gql<{ importPlacements: ImportResult }>(
        IMPORT,
        { input: { csv: good } },
        m,
      );
      expect(again.data!.importPlacements).toMatchObject({
        status: 'Completed',
        customersCreated: 0,
        debtsCreated: 0,
        debtsUpdated: 0,
        debtsUnchanged: 3,
        unchanged: true,
      });
      const changed = await app.t.gql<{ importPlacements: ImportResult }>(
        IMPORT,
        { input: { csv: file(t, [row(1), row(2, '199.99'), row(3)]) } },
        m,
      );
      expect(changed.data!.importPlacements).toMatchObject({ debtsUpdated: 1, debtsUnchanged: 2 });
      expect(await written(t)).toBe(3);
      expect(await customersOf(t)).toBe(3);
      // Found by account reference like any debt.
      const found = await app.t.gql<{ findDebts: { currentBalance: string }[] }>(
        'query F($r: String) { findDebts(accountRef: $r) { currentBalance } }',
        { r: `IM${t}2` },
        ad,
      );
      expect(found.data!.findDebts).toEqual([{ currentBalance: '199.99' }]);
      const progress = await app.t.gql<{ placementImport: ImportResult }>(
        'query P($id: ID!) { placementImport(id: $id) { status rowsTotal rowsDone } }',
        { id: imported.data!.importPlacements.id },
        m,
      );
      expect(progress.data!.placementImport).toEqual({
        status: 'Completed',
        rowsTotal: 3,
        rowsDone: 3,
      });
    });

    it('marks an import whose process died as failed when it is next read, once, audited', async () => {
      // As a killed process leaves it: writing, its transaction rolled back, no heartbeat since.
      const id = uuidv7();
      await app.db.query(
        `INSERT INTO placement_imports (id, status, rows_total, rows_done, created_by, started_at, heartbeat_at)
         VALUES (?, 'writing', 5000, 2000, 'someone', NOW(3) - INTERVAL 30 MINUTE, NOW(3) - INTERVAL 20 MINUTE)`,
        [id],
      );
      // A live one (it beat a minute ago) is left alone.
      const live = uuidv7();
      await app.db.query(
        `INSERT INTO placement_imports (id, status, rows_total, rows_done, created_by, started_at, heartbeat_at)
         VALUES (?, 'writing', 5000, 2000, 'someone', NOW(3) - INTERVAL 30 MINUTE, NOW(3) - INTERVAL 1 MINUTE)`,
        [live],
      );
      const read = (jobId: string) =>
        app.t.gql<{ placementImport: { status: string } }>(
          'query P($id: ID!) { placementImport(id: $id) { status } }',
          { id: jobId },
          ad,
        );
      expect((await read(id)).data!.placementImport.status).toBe('Failed');
      expect((await read(live)).data!.placementImport.status).toBe('Writing');
      expect((await read(id)).data!.placementImport.status).toBe('Failed');
      const [events] = await app.db.query<RowDataPacket[]>(
        "SELECT result FROM audit_events WHERE action = 'placement.import_interrupted' AND resource_id = ?",
        [id],
      );
      expect(events).toEqual([{ result: 'failure' }]);
      await app.db.query('DELETE FROM placement_imports WHERE id IN (?, ?)', [id, live]);
    });

    it('rejects a bad header, duplicate placements and malformed CSV with stable codes', async () => {
      const t = tag();
      const res = await app.t.gql<{ importPlacements: ImportResult }>(
        IMPORT,
        { input: { csv: 'placement_ref,first_name,bogus\nX,Y,Z\n' } },
        m,
      );
      const codes = res.data!.importPlacements.errors.map((e) => `${e.line}:${e.code}:${e.column}`);
      expect(codes).toEqual(
        expect.arrayContaining(['1:UNKNOWN_COLUMN:bogus', '1:MISSING_COLUMN:creditor']),
      );
      const dup = await app.t.gql<{ importPlacements: ImportResult }>(
        IMPORT,
        { input: { csv: file(t, [row(1), row(1)]) } },
        m,
      );
      expect(dup.data!.importPlacements.errors).toEqual([
        expect.objectContaining({ line: 3, code: 'DUPLICATE_PLACEMENT_REF' }),
      ]);
      const broken = await app.t.gql<{ importPlacements: ImportResult }>(
        IMPORT,
        { input: { csv: `${file(t, [row(1)])}\n"unclosed,quote` } },
        m,
      );
      expect(broken.data!.importPlacements.errors).toEqual([
        expect.objectContaining({ code: 'MALFORMED_CSV' }),
      ]);
      expect(await written(t)).toBe(0);
    });

    it('streams a large file through POST /imports/placements, its progress readable meanwhile', async () => {
      const t = tag();
      const rows = Array.from({ length: 3000 }, (_, i) => row(i + 1));
      const body = file(t, rows);
      const seen: ImportResult[] = [];
      let finished = false;
      const poll = (async () => {
        while (!finished) {
          const res = await app.t.gql<{ placementImports: ImportResult[] }>(
            'query { placementImports(first: 1) { id status rowsTotal rowsDone } }',
            {},
            m,
          );
          if (res.data?.placementImports[0]) seen.push(res.data.placementImports[0]);
          await new Promise((r) => setTimeout(r, 25));
        }
      })();
      const res = await fetch(`${app.t.url}/imports/placements`, {
        method: 'POST',
        headers: { ...m, 'content-type': 'text/csv' },
        body,
      });
      finished = true;
      await poll;
      expect(res.status).toBe(200);
      const result = (await res.json()) as ImportResult;
      expect(result).toMatchObject({ status: 'completed', rowsTotal: 3000, debtsCreated: 3000 });
      expect(await written(t)).toBe(3000);
      const running = seen.filter((s) => s.id === result.id && s.status !== 'Completed');
      for (const s of running) expect(s.rowsDone).toBeLessThanOrEqual(3000);
      // An agent may not import, and the body is not read for them.
      const refused = await fetch(`${app.t.url}/imports/placements`, {
        method: 'POST',
        headers: { ...a, 'content-type': 'text/csv' },
        body: file(tag(), [row(1)]),
      });
      expect(refused.status).toBe(403);
    });
  });
});
