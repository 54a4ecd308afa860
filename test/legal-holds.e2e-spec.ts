import type { RowDataPacket } from 'mysql2/promise';
import { v7 as uuidv7 } from 'uuid';
import { makeUser, signIn } from './utils/identity';
import { makeCustomer } from './utils/outreach';
import { attest } from './utils/privacy';
import { useTestApp } from './utils/use-test-app';

const PLACE = `mutation($input: PlaceLegalHoldInput!) {
  placeLegalHold(input: $input) { id customerId reason debtRef expiresAt releasedAt }
}`;
const RELEASE =
  'mutation($input: LegalHoldIdInput!) { releaseLegalHold(input: $input) { id releasedAt } }';
const REQUEST = `mutation($input: RequestErasureInput!) {
  requestErasure(input: $input) { id status }
}`;
const COMPLETE = `mutation($input: DataSubjectRequestIdInput!) {
  completeErasure(input: $input) { id status }
}`;
const REQUESTS = `{ dataSubjectRequests { id customerId status legalHolds { id reason } } }`;
const RUN = 'mutation { runRetentionPurge { results { rule removed skipped } } }';

describe('legal holds (e2e)', () => {
  const app = useTestApp({ RETENTION_CRON: 'off' });
  let admin: Record<string, string>;

  beforeAll(async () => {
    admin = (await signIn(app.t, await makeUser(app.t, 'admin', { mfa: true }))).auth;
  });

  const rows = async (sql: string, params: unknown[] = []) =>
    (await app.db.query<RowDataPacket[]>(sql, params))[0];

  it('blocks the completion of an erasure request, which says so, until the hold is released', async () => {
    const customer = await makeCustomer(app.t);
    const placed = await app.t.gql<{ placeLegalHold: { id: string; reason: string } }>(
      PLACE,
      {
        input: {
          customerId: customer.id,
          reason: 'Litigation',
          debtRef: 'ACCT-77',
          note: 'Smith v. Demo Recovery, case 26-cv-0142',
        },
      },
      admin,
    );
    expect(placed.errors).toBeUndefined();
    const holdId = placed.data!.placeLegalHold.id;
    const [event] = await rows(
      "SELECT seq FROM audit_events WHERE action = 'privacy.legal_hold_placed' AND resource_id = ?",
      [holdId],
    );
    const [queued] = await rows('SELECT COUNT(*) AS n FROM audit_siem_outbox WHERE audit_seq = ?', [
      event.seq,
    ]);
    expect(Number(queued.n)).toBe(1);

    const requested = await app.t.gql<{ requestErasure: { id: string } }>(
      REQUEST,
      { input: { customerId: customer.id, regime: 'Gdpr', receivedVia: 'email' } },
      admin,
    );
    expect(requested.errors).toBeUndefined();
    const requestId = requested.data!.requestErasure.id;
    const list = await app.t.gql<{
      dataSubjectRequests: { id: string; legalHolds: { id: string; reason: string }[] }[];
    }>(REQUESTS, undefined, admin);
    expect(list.data!.dataSubjectRequests.find((r) => r.id === requestId)!.legalHolds).toEqual([
      { id: holdId, reason: 'Litigation' },
    ]);

    // A manager reads requests, not holds: the hold and its reason show, the matter does not.
    const manager = (await signIn(app.t, await makeUser(app.t, 'manager', { mfa: true }))).auth;
    const seen = await app.t.gql<{
      dataSubjectRequests: { id: string; legalHolds: { reason: string; note: string }[] }[];
    }>('{ dataSubjectRequests { id legalHolds { reason note } } }', undefined, manager);
    expect(seen.data!.dataSubjectRequests.find((r) => r.id === requestId)!.legalHolds).toEqual([
      { reason: 'Litigation', note: '(restricted)' },
    ]);

    await attest(app.t, requestId, admin);
    const refused = await app.t.gql(COMPLETE, { input: { id: requestId } }, admin);
    expect(refused.errors?.[0].extensions).toMatchObject({
      code: 'CONFLICT',
      reason: 'LEGAL_HOLD',
      details: { holds: 1, reason: 'litigation' },
    });
    const [still] = await rows(
      'SELECT status, email_enc IS NOT NULL AS has_email FROM customers WHERE id = ?',
      [customer.id],
    );
    expect(still).toMatchObject({ status: 'active', has_email: 1 });
    const [open] = await rows('SELECT status FROM data_subject_requests WHERE id = ?', [requestId]);
    expect(open.status).toBe('in_progress');

    const released = await app.t.gql<{ releaseLegalHold: { releasedAt: string } }>(
      RELEASE,
      { input: { id: holdId } },
      admin,
    );
    expect(released.data!.releaseLegalHold.releasedAt).not.toBeNull();
    const twice = await app.t.gql(RELEASE, { input: { id: holdId } }, admin);
    expect(twice.errors?.[0].extensions).toMatchObject({ reason: 'HOLD_RELEASED' });
    const completed = await app.t.gql<{ completeErasure: { status: string } }>(
      COMPLETE,
      { input: { id: requestId } },
      admin,
    );
    expect(completed.errors).toBeUndefined();
    expect(completed.data!.completeErasure.status).toBe('Completed');
  });

  it('keeps a held customer and their records out of the retention purge; an expired hold does not', async () => {
    const [held, free, lapsed] = await Promise.all([1, 2, 3].map(() => makeCustomer(app.t)));
    const ancient: Record<string, string> = {};
    for (const c of [held, free, lapsed]) {
      ancient[c.id] = uuidv7();
      await app.db.query(
        `INSERT INTO contact_attempts (id, customer_id, channel, purpose, to_type, occurred_at, created_at)
         VALUES (?, ?, 'call', 'collection', 'unknown', NOW(3) - INTERVAL 4000 DAY, NOW(3))`,
        [ancient[c.id], c.id],
      );
    }
    await app.db.query(
      'UPDATE customers SET deleted_at = NOW(3) - INTERVAL 40 DAY WHERE id IN (?)',
      [[held.id, free.id, lapsed.id]],
    );
    for (const c of [held, lapsed]) {
      const res = await app.t.gql(
        PLACE,
        {
          input: {
            customerId: c.id,
            reason: 'RegFRecordKeeping',
            note: 'Reg F: three years after the last collection activity',
            expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
          },
        },
        admin,
      );
      expect(res.errors).toBeUndefined();
    }
    // One hold has run out (its expiry passed): it no longer holds anything.
    await app.db.query(
      'UPDATE legal_holds SET expires_at = NOW(3) - INTERVAL 1 MINUTE WHERE customer_id = ?',
      [lapsed.id],
    );

    const run = await app.t.gql<{
      runRetentionPurge: { results: { rule: string; skipped: number }[] };
    }>(RUN, undefined, admin);
    expect(run.errors).toBeUndefined();
    const status: Record<string, unknown> = Object.fromEntries(
      (
        await rows('SELECT id, status FROM customers WHERE id IN (?)', [
          [held.id, free.id, lapsed.id],
        ])
      ).map((r) => [r.id as string, r.status as string]),
    );
    expect(status).toEqual({ [held.id]: 'active', [free.id]: 'erased', [lapsed.id]: 'erased' });
    const attempts = (
      await rows('SELECT id FROM contact_attempts WHERE id IN (?)', [Object.values(ancient)])
    ).map((r) => r.id as string);
    expect(attempts).toEqual([ancient[held.id]]);
    // (Not left for later suites' contact reports.)
    await app.db.query('DELETE FROM contact_attempts WHERE id IN (?)', [Object.values(ancient)]);
  });

  it('is for privacy officers only, and refuses an expiry in the past', async () => {
    const customer = await makeCustomer(app.t);
    const manager = (await signIn(app.t, await makeUser(app.t, 'manager', { mfa: true }))).auth;
    const input = {
      customerId: customer.id,
      reason: 'Dispute',
      note: 'consumer disputes the debt',
    };
    const refused = await app.t.gql(PLACE, { input }, manager);
    expect(refused.errors?.[0].extensions.code).toBe('FORBIDDEN');
    const past = await app.t.gql(
      PLACE,
      { input: { ...input, expiresAt: new Date(Date.now() - 1000).toISOString() } },
      admin,
    );
    expect(past.errors?.[0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      reason: 'INVALID_EXPIRY',
    });
    const [{ n }] = await rows('SELECT COUNT(*) AS n FROM legal_holds WHERE customer_id = ?', [
      customer.id,
    ]);
    expect(Number(n)).toBe(0);
  });
});
