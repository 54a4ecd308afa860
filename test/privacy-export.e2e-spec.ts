import { DateTime } from 'luxon';
import type { RowDataPacket } from 'mysql2/promise';
import { strFromU8, unzipSync } from 'fflate';
import { DataSource } from 'typeorm';
import { ComplianceService } from '../src/modules/compliance/compliance.service';
import { ConsentSource } from '../src/modules/compliance/entities/consent.entity';
import { CryptoService } from '../src/modules/crypto/crypto.service';
import { CustomersService } from '../src/modules/customers/customers.service';
import { CustomerEntity } from '../src/modules/customers/entities/customer.entity';
import { NotificationChannel } from '../src/modules/notifications';
import { NotificationsService } from '../src/modules/notifications/notifications.service';
import { CampaignEntity } from '../src/modules/outreach/entities/campaign.entity';
import { TaskEntity } from '../src/modules/outreach/entities/task.entity';
import { SubjectExportService } from '../src/modules/privacy/services/subject-export.service';
import { freshIp, makeUser, signIn, TestUser } from './utils/identity';
import { makeCampaign, makeTask } from './utils/outreach';
import { attest } from './utils/privacy';
import { until } from './utils/until';
import { useTestApp } from './utils/use-test-app';
import { DebtEntity } from '../src/modules/customers/entities/debt.entity';

const SUBMIT = `mutation S($input: SubmitDataSubjectRequestInput!) {
  submitDataSubjectRequest(input: $input) { id status type customerId } }`;
const START = `mutation X($input: StartDataSubjectExportInput!) {
  startDataSubjectExport(input: $input) { id status sectionsTotal sectionsDone percent } }`;
const PROGRESS = `query P($requestId: ID!) { dataSubjectExport(requestId: $requestId) {
  id status sectionsTotal sectionsDone rowsDone percent bytes sha256 downloads errorCode readyAt expiresAt } }`;
const LINK = `mutation L($input: IssueDataSubjectExportLinkInput!) {
  issueDataSubjectExportLink(input: $input) { url expiresAt } }`;
const COMPLETE = `mutation C($input: DataSubjectRequestIdInput!) {
  completeDataSubjectRequest(input: $input) { id status } }`;

const CSV_FILES = [
  'customer.csv',
  'debts.csv',
  'consents.csv',
  'dnc_entries.csv',
  'contact_attempts.csv',
  'tasks.csv',
  'messages.csv',
  'requests.csv',
  'audit_events.csv',
  'read_access.csv',
];

interface Progress {
  id: string;
  status: string;
  sectionsTotal: number;
  sectionsDone: number;
  rowsDone: number;
  percent: number;
  bytes: number | null;
  sha256: string | null;
  downloads: number;
  errorCode: string | null;
}

/** Every personal value of one seeded person, by where it must show up in their export. */
interface Person {
  customer: CustomerEntity;
  values: Record<string, string>;
  /** Which CSV each value must appear in. */
  files: Record<string, string>;
}

describe('access and portability exports (e2e)', () => {
  const app = useTestApp({ PRIVACY_REMINDER_CRON: 'off', RETENTION_CRON: 'off' });
  let admin: Record<string, string>;
  let adminUser: TestUser;
  let manager: TestUser;
  let agent: TestUser;
  let agentAuth: Record<string, string>;
  let campaign: CampaignEntity;
  const team = `team-export-${Date.now()}`;

  beforeAll(async () => {
    adminUser = await makeUser(app.t, 'admin', { mfa: true });
    manager = await makeUser(app.t, 'manager', { mfa: true, teamId: team });
    agent = await makeUser(app.t, 'agent', { mfa: true, teamId: team });
    admin = (await signIn(app.t, adminUser)).auth;
    agentAuth = (await signIn(app.t, agent)).auth;
    campaign = await makeCampaign(app.t, team, manager.id);
  });

  const rows = async (sql: string, params: unknown[] = []) =>
    (await app.db.query<RowDataPacket[]>(sql, params))[0];

  let seq = 0;
  /** A customer with every personal field, a consent with evidence, DNC entries, a task with a note, an attempt and messages. */
  async function seedPerson(label: string): Promise<Person> {
    const tag = `${label}${Date.now().toString(36)}${++seq}`;
    const digits = String(Date.now() + seq * 7919).slice(-7);
    const values = {
      firstName: `Firstq${tag}`,
      lastName: `Lastz${tag}`,
      email: `${tag.toLowerCase()}@export-subject.example`,
      phone: `+1646${digits}`,
      addressLine: `${digits} Quillmore ${tag} Road`,
      city: `Cityx${tag}`,
      dateOfBirth: `19${digits.slice(-2)}-0${1 + (seq % 9)}-1${seq % 10}`,
      ssn: `9${digits.slice(0, 2)}-${digits.slice(2, 4)}-${digits.slice(-4)}`,
      accountRef: `ACCT-${tag}`,
      externalRef: `placement-${tag}`,
      note: `Promised to pay on the 5th ${tag} (says the car broke down)`,
      evidenceIp: `198.51.${seq % 250}.${(Number(digits) % 250) + 1}`,
      evidenceForm: `https://consent.example/${tag}/form`,
      dncReason: `Asked not to be texted at work ${tag}`,
      message: `Hello ${tag}, your balance reminder`,
      notice: `Your privacy request ${tag} was received`,
      debtRef: `LOAN-${tag}-${digits}`,
      debtBalance: `8${digits.slice(-5)}.42`,
    };
    const customer = await app.t.app.get(CustomersService).create({
      externalRef: values.externalRef,
      firstName: values.firstName,
      lastName: values.lastName,
      email: values.email,
      phone: values.phone,
      addressLine: values.addressLine,
      city: values.city,
      state: 'NY',
      zip: '10001',
      dateOfBirth: values.dateOfBirth,
      ssn: values.ssn,
      accountRef: values.accountRef,
      balance: '321.09',
    });
    await app.t.app.get(DataSource).query(
      `INSERT INTO debts (id, customer_id, placement_ref, creditor, status, placed_at, created_at, updated_at)
       VALUES (UUID(), ?, ?, 'Export Test Bank', 'active', '2026-01-10', NOW(3), NOW(3))`,
      [customer.id, `debt-${tag}`],
    );
    {
      const debts = app.t.app.get(DataSource).getRepository(DebtEntity);
      const debt = (await debts.findOneBy({ customerId: customer.id }))!;
      debt.accountRef = values.debtRef;
      debt.originalBalance = values.debtBalance;
      debt.currentBalance = values.debtBalance;
      await app.t.app.get(DataSource).transaction((m) => m.getRepository(DebtEntity).save(debt));
    }
    const compliance = app.t.app.get(ComplianceService);
    await compliance.recordConsent({
      customerId: customer.id,
      channel: 'sms',
      purpose: 'collection',
      granted: true,
      source: ConsentSource.WebForm,
      evidence: { ip: values.evidenceIp, formUrl: values.evidenceForm },
      recordedBy: agent.id,
    });
    await compliance.addDnc({
      customerId: customer.id,
      channel: 'sms',
      source: 'agent',
      reason: values.dncReason,
      createdBy: agent.id,
    });
    await compliance.addDnc({ address: values.email, channel: 'email', source: 'complaint' });
    const task = await makeTask(app.t, campaign, customer, agent.id);
    const repo = app.t.app.get(DataSource).getRepository(TaskEntity);
    const noted = (await repo.findOneBy({ id: task.id }))!;
    noted.notes = values.note;
    await repo.save(noted);
    await app.t.app.get(DataSource).transaction(async (m) => {
      await compliance.recordAttempt(
        {
          customer,
          channel: 'call',
          purpose: 'collection',
          // Yesterday at noon in New York: a lawful time (the compliance report counts others).
          occurredAt: DateTime.now()
            .setZone('America/New_York')
            .minus({ days: 1 })
            .set({ hour: 12, minute: 0 })
            .toJSDate(),
          outcome: 'no_answer',
          taskId: task.id,
          campaignId: campaign.id,
          agentId: agent.id,
        },
        m,
      );
      const notifications = app.t.app.get(NotificationsService);
      await notifications.enqueue(
        NotificationChannel.Sms,
        'export-test',
        values.phone,
        values.message,
        m,
        { customerId: customer.id, purpose: 'collection' },
      );
      // A notice to their address without a customer (as privacy notices are sent).
      await notifications.enqueue(
        NotificationChannel.Email,
        'export-test-notice',
        values.email,
        values.notice,
        m,
      );
    });
    const files: Record<string, string> = {
      firstName: 'customer.csv',
      lastName: 'customer.csv',
      email: 'customer.csv',
      phone: 'customer.csv',
      addressLine: 'customer.csv',
      city: 'customer.csv',
      dateOfBirth: 'customer.csv',
      ssn: 'customer.csv',
      accountRef: 'customer.csv',
      externalRef: 'customer.csv',
      note: 'tasks.csv',
      evidenceIp: 'consents.csv',
      evidenceForm: 'consents.csv',
      dncReason: 'dnc_entries.csv',
      message: 'messages.csv',
      notice: 'messages.csv',
      debtRef: 'debts.csv',
      debtBalance: 'debts.csv',
    };
    return { customer, values, files };
  }

  async function verifiedRequest(customerId: string, type = 'Access'): Promise<string> {
    const res = await app.t.gql<{ submitDataSubjectRequest: { id: string } }>(
      SUBMIT,
      { input: { type, regime: 'Gdpr', receivedVia: 'email', subject: { customerId } } },
      admin,
    );
    expect(res.errors).toBeUndefined();
    const id = res.data!.submitDataSubjectRequest.id;
    await attest(app.t, id, admin);
    return id;
  }

  const progress = async (requestId: string) =>
    (await app.t.gql<{ dataSubjectExport: Progress | null }>(PROGRESS, { requestId }, admin)).data!
      .dataSubjectExport;

  async function exportReady(requestId: string): Promise<{ progress: Progress; seen: Progress[] }> {
    const seen: Progress[] = [];
    const done = await until(
      'the export to be ready',
      async () => {
        const p = await progress(requestId);
        if (p) seen.push(p);
        if (p?.status === 'Failed') throw new Error(`export failed: ${p.errorCode}`);
        return p?.status === 'Ready' ? p : null;
      },
      { timeoutMs: 30_000, everyMs: 20 },
    );
    return { progress: done, seen };
  }

  async function issueLink(exportId: string): Promise<{ url: string; expiresAt: string }> {
    const res = await app.t.gql<{ issueDataSubjectExportLink: { url: string; expiresAt: string } }>(
      LINK,
      { input: { exportId } },
      admin,
    );
    expect(res.errors).toBeUndefined();
    return res.data!.issueDataSubjectExportLink;
  }

  /** The link's path and query, fetched from the test server (PUBLIC_BASE_URL names production). */
  const get = (url: string) => {
    const u = new URL(url);
    return fetch(`${app.t.url}${u.pathname}${u.search}`, {
      headers: { 'x-forwarded-for': freshIp() },
    });
  };

  async function exportOf(person: Person, type = 'Access') {
    return exportOfRequest(await verifiedRequest(person.customer.id, type));
  }

  async function exportOfRequest(requestId: string) {
    const started = await app.t.gql<{ startDataSubjectExport: Progress }>(
      START,
      { input: { requestId } },
      admin,
    );
    expect(started.errors).toBeUndefined();
    expect(started.data!.startDataSubjectExport).toMatchObject({ status: 'Building' });
    const { progress: ready, seen } = await exportReady(requestId);
    return { requestId, exportId: started.data!.startDataSubjectExport.id, ready, seen };
  }

  function unzip(body: Buffer): Record<string, string> {
    return Object.fromEntries(
      Object.entries(unzipSync(new Uint8Array(body))).map(([name, data]) => [
        name,
        strFromU8(data),
      ]),
    );
  }

  const downloadedCount = async (requestId: string) =>
    Number(
      (
        await rows(
          "SELECT COUNT(*) AS n FROM audit_events WHERE action = 'privacy.export_downloaded' AND resource_id = ?",
          [requestId],
        )
      )[0].n,
    );

  it('exports every value of the subject and nothing of anyone else, once per signed link', async () => {
    const subject = await seedPerson('subj');
    const bystander = await seedPerson('byst');
    const { requestId, exportId, ready, seen } = await exportOf(subject);

    // Progress: sections counted up to all of them, 100% once ready.
    expect(ready).toMatchObject({
      sectionsTotal: 10,
      sectionsDone: 10,
      percent: 100,
      downloads: 0,
    });
    expect(ready.rowsDone).toBeGreaterThanOrEqual(8);
    expect(seen.every((p) => p.percent >= 0 && p.percent <= 100)).toBe(true);
    const lifecycle = await rows(
      `SELECT action, actor_type FROM audit_events
        WHERE resource_id = ? AND action LIKE 'privacy.export_%' ORDER BY seq`,
      [requestId],
    );
    expect(lifecycle.map((e) => String(e.action))).toEqual([
      'privacy.export_started',
      'privacy.export_ready',
    ]);

    // Completing before the subject has it is refused (the export is ready: it completes later).
    const { url, expiresAt } = await issueLink(exportId);
    expect(url).toMatch(
      /\/privacy\/exports\/[0-9a-f-]{36}\?exp=\d{13}&sig=\d+\.[A-Za-z0-9_-]{43}$/,
    );
    const minutes = (Date.parse(expiresAt) - Date.now()) / 60_000;
    expect(minutes).toBeGreaterThan(14);
    expect(minutes).toBeLessThanOrEqual(15);

    const res = await get(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/zip');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = Buffer.from(await res.arrayBuffer());
    expect(body.length).toBe(ready.bytes);
    const files = unzip(body);
    expect(Object.keys(files).sort()).toEqual(['README.txt', 'export.json', ...CSV_FILES].sort());
    expect(files['README.txt']).toContain('customer.csv');
    const json = JSON.parse(files['export.json']) as {
      sections: Record<string, Record<string, unknown>[]>;
    };
    expect(json.sections.customer[0]).toMatchObject({
      id: subject.customer.id,
      firstName: subject.values.firstName,
      ssn: subject.values.ssn,
      dateOfBirth: subject.values.dateOfBirth,
    });

    // Every value of theirs is in export.json and in its CSV.
    for (const [key, value] of Object.entries(subject.values)) {
      expect([key, files['export.json'].includes(value)]).toEqual([key, true]);
      expect([key, files[subject.files[key]].includes(value)]).toEqual([key, true]);
    }
    // Nothing of the bystander, nothing naming staff, anywhere in the archive.
    const everything = Object.values(files).join('\n');
    for (const [key, value] of Object.entries(bystander.values))
      expect([key, everything.includes(value)]).toEqual([key, false]);
    expect(everything).not.toContain(bystander.customer.id);
    for (const staff of [adminUser, manager, agent]) {
      expect(everything).not.toContain(staff.id);
      expect(everything).not.toContain(staff.email);
    }
    // CSVs neutralise formulas: the phone number (+1...) is text.
    expect(files['customer.csv']).toContain(`'${subject.values.phone}`);
    // Sections that were asked for: their request, the audit trail of it, the DNC by address.
    expect(json.sections.requests.map((r) => r.id)).toContain(requestId);
    expect(json.sections.audit_events.map((e) => e.action)).toEqual(
      expect.arrayContaining(['privacy.access_requested', 'privacy.export_started']),
    );
    expect(json.sections.dnc_entries.map((d) => d.scope).sort()).toEqual(['address', 'person']);
    expect(json.sections.tasks[0]).toMatchObject({ handledBy: 'staff' });

    // Each download is audited and logged as a read of every personal field; the link works once.
    expect(await downloadedCount(requestId)).toBe(1);
    const [read] = await rows(
      "SELECT read_count, pii_fields FROM customer_read_access WHERE customer_id = ? AND kind = 'export'",
      [subject.customer.id],
    );
    expect(Number(read.read_count)).toBe(1);
    expect(String(read.pii_fields)).toContain('ssn');
    const again = await get(url);
    expect(again.status).toBe(410);
    expect(await again.json()).toMatchObject({ code: 'EXPORT_LINK_GONE' });
    expect(await downloadedCount(requestId)).toBe(1);

    // A tampered signature is refused with its own code.
    const second = await issueLink(exportId);
    const tampered = second.url.replace(/sig=(\d+)\.(.)/, (_m, k: string, c: string) => {
      return `sig=${k}.${c === 'A' ? 'B' : 'A'}`;
    });
    const refused = await get(tampered);
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ code: 'EXPORT_LINK_INVALID' });
    const badExp = second.url.replace(/exp=(\d+)/, (_m, e: string) => `exp=${Number(e) + 60_000}`);
    expect((await get(badExp)).status).toBe(403);
    // The untampered link still works (a refused attempt does not use it up).
    expect((await get(second.url)).status).toBe(200);
    expect(await downloadedCount(requestId)).toBe(2);

    // An expired link is refused (its expiry moved into the past in the database).
    const third = await issueLink(exportId);
    const linkId = new URL(third.url).pathname.split('/').pop();
    await app.db.query(
      'UPDATE data_subject_export_links SET expires_at = NOW(3) - INTERVAL 1 MINUTE WHERE id = ?',
      [linkId],
    );
    const expired = await get(third.url);
    expect(expired.status).toBe(410);
    expect(await expired.json()).toMatchObject({ code: 'EXPORT_LINK_GONE' });
    expect(await downloadedCount(requestId)).toBe(2);
    const [used] = await rows(
      'SELECT COUNT(*) AS n FROM data_subject_export_links WHERE export_id = ? AND used_at IS NOT NULL',
      [exportId],
    );
    expect(Number(used.n)).toBe(2);

    // At rest the archive is sealed under the subject's own key: not a zip, none of their values.
    const [stored] = await rows(
      'SELECT archive_enc, sha256, bytes FROM data_subject_exports WHERE id = ?',
      [exportId],
    );
    const sealed = stored.archive_enc as Buffer;
    const [key] = await rows('SELECT id FROM crypto_keys WHERE subject_id = ?', [
      subject.customer.id,
    ]);
    expect(sealed.readUInt8(0)).toBe(1);
    expect(sealed.readUInt32BE(1)).toBe(Number(key.id));
    expect(sealed.length).toBe(Number(stored.bytes) + 35);
    expect(sealed.subarray(0, 2).toString('latin1')).not.toBe('PK');
    for (const value of Object.values(subject.values))
      expect(sealed.includes(Buffer.from(value, 'utf8'))).toBe(false);

    // The request completes now that the subject has their data.
    const completed = await app.t.gql<{ completeDataSubjectRequest: { status: string } }>(
      COMPLETE,
      { input: { id: requestId } },
      admin,
    );
    expect(completed.errors).toBeUndefined();
    expect(completed.data!.completeDataSubjectRequest.status).toBe('Completed');

    // Once the subject's key is destroyed (erasure), the archive is unreadable: the link is gone.
    const late = await issueLink(exportId);
    await app.t.app.get(CryptoService).destroySubjectKey(subject.customer.id);
    const shredded = await get(late.url);
    expect(shredded.status).toBe(410);
    expect(await downloadedCount(requestId)).toBe(2);
  });

  it('exports a portability request the same way', async () => {
    const subject = await seedPerson('port');
    const { exportId } = await exportOf(subject, 'Portability');
    const res = await get((await issueLink(exportId)).url);
    expect(res.status).toBe(200);
    const files = unzip(Buffer.from(await res.arrayBuffer()));
    expect(Object.keys(files).sort()).toEqual(['README.txt', 'export.json', ...CSV_FILES].sort());
    for (const [key, value] of Object.entries(subject.values))
      expect([key, files[subject.files[key]].includes(value)]).toEqual([key, true]);
  });

  it('refuses what is not an exportable request, and links without step-up', async () => {
    const subject = await seedPerson('refuse');
    // Not verified yet.
    const submitted = await app.t.gql<{ submitDataSubjectRequest: { id: string } }>(
      SUBMIT,
      {
        input: {
          type: 'Access',
          regime: 'Ccpa',
          receivedVia: 'web',
          subject: { customerId: subject.customer.id },
        },
      },
      admin,
    );
    const pending = submitted.data!.submitDataSubjectRequest.id;
    const notVerified = await app.t.gql(START, { input: { requestId: pending } }, admin);
    expect(notVerified.errors?.[0].extensions).toMatchObject({
      code: 'CONFLICT',
      reason: 'NOT_VERIFIED',
    });
    // Completing an access request without an export.
    await attest(app.t, pending, admin);
    const early = await app.t.gql(COMPLETE, { input: { id: pending } }, admin);
    expect(early.errors?.[0].extensions).toMatchObject({ reason: 'EXPORT_NOT_READY' });
    // Not an access or portability request.
    const erasure = await verifiedRequest(subject.customer.id, 'Erasure').catch(() => null);
    if (erasure) {
      const wrong = await app.t.gql(START, { input: { requestId: erasure } }, admin);
      expect(wrong.errors?.[0].extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        reason: 'EXPORT_WRONG_TYPE',
      });
    }
    // Unknown request.
    const missing = await app.t.gql(
      START,
      { input: { requestId: '00000000-0000-4000-8000-000000000000' } },
      admin,
    );
    expect(missing.errors?.[0].extensions).toMatchObject({ reason: 'NOT_FOUND' });
    // An agent may neither start exports nor issue links.
    expect(
      (await app.t.gql(START, { input: { requestId: pending } }, agentAuth)).errors?.[0].extensions
        .code,
    ).toBe('FORBIDDEN');
    const [count] = await rows(
      'SELECT COUNT(*) AS n FROM data_subject_exports WHERE request_id IN (?)',
      [[pending, erasure ?? pending]],
    );
    expect(Number(count.n)).toBe(0);
    const { exportId } = await exportOfRequest(pending);
    expect(
      (await app.t.gql(LINK, { input: { exportId } }, agentAuth)).errors?.[0].extensions.code,
    ).toBe('FORBIDDEN');
    expect(
      Number(
        (
          await rows('SELECT COUNT(*) AS n FROM data_subject_export_links WHERE export_id = ?', [
            exportId,
          ])
        )[0].n,
      ),
    ).toBe(0);
    // Malformed links are refused before any lookup.
    expect((await get(`${app.t.url}/privacy/exports/not-a-uuid?exp=1&sig=x`)).status).toBe(403);
  });

  it('records a failed build with a stable code and a critical audit event', async () => {
    const subject = await seedPerson('fail');
    const requestId = await verifiedRequest(subject.customer.id);
    // The subject key is gone (as a half-finished erasure would leave it): the build cannot read them.
    await app.t.app.get(CryptoService).destroySubjectKey(subject.customer.id);
    const started = await app.t.gql<{ startDataSubjectExport: Progress }>(
      START,
      { input: { requestId } },
      admin,
    );
    expect(started.errors).toBeUndefined();
    const failed = await until('the export to fail', async () => {
      const p = await progress(requestId);
      return p?.status === 'Failed' ? p : null;
    });
    expect(failed.errorCode).toBe('KEY_DESTROYED');
    const [event] = await rows(
      "SELECT result, error_code FROM audit_events WHERE action = 'privacy.export_failed' AND resource_id = ?",
      [requestId],
    );
    expect(event).toMatchObject({ result: 'failure', error_code: 'KEY_DESTROYED' });
    const [outbox] = await rows(
      `SELECT COUNT(*) AS n FROM audit_siem_outbox o JOIN audit_events e ON e.seq = o.audit_seq
        WHERE e.action = 'privacy.export_failed' AND e.resource_id = ?`,
      [requestId],
    );
    expect(Number(outbox.n)).toBe(1);
  });

  it('restarts a build whose process died, from the next start call or the sweep', async () => {
    const subject = await seedPerson('stale');
    const requestId = await verifiedRequest(subject.customer.id);
    const insertStale = async (id: string, request: string) =>
      app.db.query(
        `INSERT INTO data_subject_exports
           (id, request_id, customer_id, status, sections_total, sections_done, rows_done,
            build_token, heartbeat_at, attempts, created_by, created_at)
         VALUES (?, ?, ?, 'building', 9, 3, 5, UUID(), NOW(3) - INTERVAL 5 MINUTE, 1, 'test', NOW(3))`,
        [id, request, subject.customer.id],
      );
    const staleId = '0190a000-0000-7000-8000-000000000001'.replace(/1$/, String(Date.now() % 9));
    await insertStale(staleId, requestId);
    const started = await app.t.gql<{ startDataSubjectExport: Progress }>(
      START,
      { input: { requestId } },
      admin,
    );
    expect(started.errors).toBeUndefined();
    expect(started.data!.startDataSubjectExport.id).toBe(staleId);
    const { progress: ready } = await exportReady(requestId);
    expect(ready.id).toBe(staleId);
    const [row] = await rows('SELECT attempts FROM data_subject_exports WHERE id = ?', [staleId]);
    expect(Number(row.attempts)).toBe(2);
    const [restarted] = await rows(
      "SELECT COUNT(*) AS n FROM audit_events WHERE action = 'privacy.export_restarted' AND resource_id = ?",
      [requestId],
    );
    expect(Number(restarted.n)).toBe(1);

    // The sweep (at boot and every minute) restarts what no start call touches.
    const other = await seedPerson('sweep');
    const otherRequest = await verifiedRequest(other.customer.id);
    const sweptId = staleId.replace(/.$/, (c) => String((Number(c) + 1) % 10));
    await app.db.query(
      `INSERT INTO data_subject_exports
         (id, request_id, customer_id, status, sections_total, sections_done, rows_done,
          build_token, heartbeat_at, attempts, created_by, created_at)
       VALUES (?, ?, ?, 'building', 9, 0, 0, UUID(), NOW(3) - INTERVAL 5 MINUTE, 1, 'test', NOW(3))`,
      [sweptId, otherRequest, other.customer.id],
    );
    const swept = await app.t.app.get(SubjectExportService).sweep();
    expect(swept.restarted).toBeGreaterThanOrEqual(1);
    expect((await exportReady(otherRequest)).progress.id).toBe(sweptId);
  });
});
