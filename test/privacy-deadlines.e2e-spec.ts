import type { RowDataPacket } from 'mysql2/promise';
import { DateTime } from 'luxon';
import { NotificationsService } from '../src/modules/notifications/notifications.service';
import { PrivacyService } from '../src/modules/privacy/privacy.service';
import { makeUser, signIn } from './utils/identity';
import { makeCustomer } from './utils/outreach';
import { useTestApp } from './utils/use-test-app';

const REQUEST = `mutation($input: RequestErasureInput!) {
  requestErasure(input: $input) { id dueAt }
}`;
const EXTEND = `mutation($input: ExtendRequestInput!) {
  extendDataSubjectRequest(input: $input) { id dueAt originalDueAt extendedAt extensionReason overdue }
}`;
const LIST = '{ dataSubjectRequests { id status dueAt overdue } }';

interface Extended {
  id: string;
  dueAt: string;
  originalDueAt: string;
  extendedAt: string;
  extensionReason: string;
  overdue: boolean;
}

describe('data subject request deadlines (e2e)', () => {
  const app = useTestApp({ PRIVACY_REMINDER_CRON: 'off' });
  let admin: Record<string, string>;

  beforeAll(async () => {
    admin = (await signIn(app.t, await makeUser(app.t, 'admin', { mfa: true }))).auth;
  });

  const rows = async (sql: string, params: unknown[] = []) =>
    (await app.db.query<RowDataPacket[]>(sql, params))[0];

  async function request(regime: 'Gdpr' | 'Ccpa') {
    const customer = await makeCustomer(app.t);
    const res = await app.t.gql<{ requestErasure: { id: string; dueAt: string } }>(
      REQUEST,
      { input: { customerId: customer.id, regime, receivedVia: 'email' } },
      admin,
    );
    expect(res.errors).toBeUndefined();
    return { customer, ...res.data!.requestErasure };
  }

  it.each([
    ['Gdpr' as const, { months: 1 }, { months: 2 }],
    ['Ccpa' as const, { days: 45 }, { days: 45 }],
  ])(
    'gives a %s request its statutory deadline and one extension, told to the subject',
    async (regime, due, extension) => {
      const before = Date.now();
      const { id, dueAt, customer } = await request(regime);
      const expectedDue = DateTime.fromMillis(before).plus(due).toMillis();
      expect(Math.abs(new Date(dueAt).getTime() - expectedDue)).toBeLessThan(60_000);

      const res = await app.t.gql<{ extendDataSubjectRequest: Extended }>(
        EXTEND,
        { input: { id, reason: 'Your records span three systems we must search by hand.' } },
        admin,
      );
      expect(res.errors).toBeUndefined();
      const extended = res.data!.extendDataSubjectRequest;
      expect(extended.originalDueAt).toBe(dueAt);
      expect(new Date(extended.dueAt).getTime()).toBe(
        DateTime.fromISO(dueAt).plus(extension).toMillis(),
      );
      expect(extended.overdue).toBe(false);
      const mails = (
        await app.t.app.get(NotificationsService).listByTemplate('privacy_request_extended', 200)
      ).filter((n) => n.recipient === customer.email);
      expect(mails).toHaveLength(1);
      expect(mails[0].body).toContain('three systems');
      expect(mails[0].body).toContain(extended.dueAt.slice(0, 10));
      const [event] = await rows(
        "SELECT changes FROM audit_events WHERE action = 'privacy.request_extended' AND resource_id = ?",
        [id],
      );
      const changes: unknown =
        typeof event.changes === 'string' ? JSON.parse(event.changes) : event.changes;
      expect(changes).toMatchObject({ subjectNotified: true });

      const again = await app.t.gql(EXTEND, { input: { id, reason: 'more' } }, admin);
      expect(again.errors?.[0].extensions).toMatchObject({
        code: 'CONFLICT',
        reason: 'ALREADY_EXTENDED',
      });
    },
  );

  it('flags an overdue request, refuses a late extension, lists by time left, and reminds daily', async () => {
    const late = await request('Ccpa');
    const soon = await request('Gdpr');
    await app.db.query(
      'UPDATE data_subject_requests SET due_at = NOW(3) - INTERVAL 2 DAY WHERE id = ?',
      [late.id],
    );
    await app.db.query(
      'UPDATE data_subject_requests SET due_at = NOW(3) + INTERVAL 3 DAY WHERE id = ?',
      [soon.id],
    );
    const refused = await app.t.gql(EXTEND, { input: { id: late.id, reason: 'too late' } }, admin);
    expect(refused.errors?.[0].extensions).toMatchObject({ code: 'CONFLICT', reason: 'PAST_DUE' });

    const list = await app.t.gql<{
      dataSubjectRequests: { id: string; status: string; dueAt: string; overdue: boolean }[];
    }>(LIST, undefined, admin);
    const items = list.data!.dataSubjectRequests;
    // Open requests come first, by time left (closed ones follow, newest first).
    const open = items.filter((r) => ['Received', 'Verifying', 'InProgress'].includes(r.status));
    expect(items.slice(0, open.length)).toEqual(open);
    const times = open.map((r) => new Date(r.dueAt).getTime());
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(items.find((r) => r.id === late.id)!.overdue).toBe(true);
    expect(items.find((r) => r.id === soon.id)!.overdue).toBe(false);

    const counts = await app.t.app.get(PrivacyService).remind();
    expect(counts.overdue).toBeGreaterThanOrEqual(1);
    expect(counts.dueSoon).toBeGreaterThanOrEqual(1);
    const [reminder] = await rows(
      "SELECT seq, changes FROM audit_events WHERE action = 'privacy.requests_overdue' ORDER BY seq DESC LIMIT 1",
    );
    const changes: unknown =
      typeof reminder.changes === 'string' ? JSON.parse(reminder.changes) : reminder.changes;
    expect(changes).toMatchObject({ overdue: counts.overdue, dueSoon: counts.dueSoon });
    const [queued] = await rows('SELECT COUNT(*) AS n FROM audit_siem_outbox WHERE audit_seq = ?', [
      reminder.seq,
    ]);
    expect(Number(queued.n)).toBe(1);

    const manager = (await signIn(app.t, await makeUser(app.t, 'manager', { mfa: true }))).auth;
    const forbidden = await app.t.gql(EXTEND, { input: { id: soon.id, reason: 'x' } }, manager);
    expect(forbidden.errors?.[0].extensions.code).toBe('FORBIDDEN');
  });
});
