import type { RowDataPacket } from 'mysql2/promise';
import { AuditService } from '../src/modules/audit/audit.service';
import { ActorType } from '../src/modules/audit/entities/audit-event.entity';
import { AuditVerifierService } from '../src/modules/audit/services/audit-verifier.service';
import { makeUser, signIn } from './utils/identity';
import { useTestApp } from './utils/use-test-app';

/**
 * Security II, item 1: an audited system never loses an audit row silently. Malformed text is
 * refused at the edge, one bad entry cannot sink a group-commit batch, and an operation whose audit
 * entry cannot be written is not answered as a success (and the failure is raised).
 */
describe('audit integrity (e2e)', () => {
  const app = useTestApp();
  let auth: Record<string, string>;

  const RESET = `mutation R($input: RequestPasswordResetInput!) { requestPasswordReset(input: $input) }`;
  const count = async (sql: string, args: unknown[] = []) =>
    Number((await app.db.query<RowDataPacket[]>(sql, args))[0][0].n);

  beforeAll(async () => {
    auth = (await signIn(app.t, await makeUser(app.t, 'admin', { mfa: true }))).auth;
  });

  describe('text that is not well-formed Unicode', () => {
    it.each([
      ['a lone high surrogate', 'x\ud800@example.com'],
      ['a lone low surrogate', '\udc00@example.com'],
      ['a reversed pair', '\udc00\ud800@example.com'],
    ])('is refused at the edge in GraphQL variables: %s', async (_label, email) => {
      const before = await count('SELECT COUNT(*) AS n FROM audit_events');
      const res = await app.t.gql(RESET, { input: { email } });
      expect(res.status).toBe(400);
      expect(res.errors?.[0].extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        reason: 'MALFORMED_UNICODE',
      });
      expect(res.data).toBeUndefined();
      expect(JSON.stringify(res.errors)).not.toMatch(/stack|SQL|mariadb|at \//i);
      // Nothing ran: no audit row, no reset.
      expect(await count('SELECT COUNT(*) AS n FROM audit_events')).toBe(before);
    });

    it('is refused in a GraphQL string literal (a surrogate escape in the document)', async () => {
      const res = await app.t.gql(
        'mutation { requestPasswordReset(input: { email: "x\\ud800@example.com" }) }',
      );
      expect(res.status).toBe(400);
      expect(res.errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
    });

    it('is refused in a variable name, and a form body or URL with broken encodings never fails', async () => {
      const bad = await fetch(`${app.t.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"query":"{ __typename }","variables":{"\\ud800":1}}',
      });
      expect(bad.status).toBe(400);
      expect(
        ((await bad.json()) as { errors: { extensions: { reason: string } }[] }).errors[0],
      ).toMatchObject({ extensions: { reason: 'MALFORMED_UNICODE' } });
      // Surrogates encoded as UTF-8 (CESU) are not UTF-8: they decode to U+FFFD or are refused,
      // never to a lone surrogate and never to a 500.
      const form = await fetch(`${app.t.url}/webhooks/sms/inbound`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'From=%2B14155550100&Body=%ED%A0%80STOP',
      });
      expect([400, 401]).toContain(form.status);
      const get = await fetch(`${app.t.url}/graphql?query=%7B__typename%7D&x=%ED%A0%80`, {
        headers: { 'apollo-require-preflight': 'true' },
      });
      expect(get.status).toBeLessThan(500);
    });

    it('keeps an emoji (a valid surrogate pair) and masks it whole in the audit row', async () => {
      const email = `😀${Date.now()}@example.com`;
      const res = await app.t.gql(RESET, { input: { email } });
      expect(res.errors).toBeUndefined();
      const [rows] = await app.db.query<RowDataPacket[]>(
        "SELECT changes FROM audit_events WHERE action = 'graphql.requestPasswordReset' ORDER BY seq DESC LIMIT 1",
      );
      const changes = rows[0].changes as string | Record<string, unknown>;
      const parsed = (typeof changes === 'string' ? JSON.parse(changes) : changes) as {
        args: { input: { email: string } };
      };
      expect(parsed.args.input.email).toBe('😀***@example.com');
    });
  });

  it('loses no audit row of other callers when one entry is bad', async () => {
    const audit = app.t.app.get(AuditService);
    const verifier = app.t.app.get(AuditVerifierService);
    const system = { type: ActorType.System, id: 'audit-integrity' };
    const marker = `batch-${Date.now()}`;
    // Fifty entries in one group commit; one holds a lone surrogate in its changes and key.
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, (_, i) =>
        audit.record({
          action: 'test.batch',
          actor: system,
          resourceType: 'Test',
          resourceId: `${marker}-${i}`,
          changes: i === 25 ? { note: 'a\ud800b', ['k\udc00']: 'v\ud800' } : { i },
        }),
      ),
    );
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(0);
    expect(
      await count('SELECT COUNT(*) AS n FROM audit_events WHERE resource_id LIKE ?', [
        `${marker}-%`,
      ]),
    ).toBe(50);
    expect(await verifier.verify()).toMatchObject({ ok: true });
  });

  it('writes the rest of a batch when the server refuses one of its rows', async () => {
    const audit = app.t.app.get(AuditService);
    const verifier = app.t.app.get(AuditVerifierService);
    const system = { type: ActorType.System, id: 'audit-integrity' };
    const marker = `refused-${Date.now()}`;
    await app.db
      .query(`CREATE TRIGGER test_refuse_one_audit BEFORE INSERT ON audit_events FOR EACH ROW
      IF NEW.resource_id = '${marker}-13' THEN
        SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'refused by the test';
      END IF`);
    let results: PromiseSettledResult<unknown>[];
    try {
      results = await Promise.allSettled(
        Array.from({ length: 40 }, (_, i) =>
          audit.record({
            action: 'test.batch',
            actor: system,
            resourceType: 'Test',
            resourceId: `${marker}-${i}`,
          }),
        ),
      );
    } finally {
      await app.db.query('DROP TRIGGER test_refuse_one_audit');
    }
    expect(results.map((r) => r.status === 'rejected')).toEqual(
      Array.from({ length: 40 }, (_, i) => i === 13),
    );
    expect(
      await count('SELECT COUNT(*) AS n FROM audit_events WHERE resource_id LIKE ?', [
        `${marker}-%`,
      ]),
    ).toBe(39);
    expect(await verifier.verify()).toMatchObject({ ok: true });
  });

  it('does not answer success when the audit entry cannot be written, and raises it', async () => {
    const failedBefore = await count(
      "SELECT COUNT(*) AS n FROM audit_events WHERE action = 'audit.write_failed'",
    );
    // The DBA makes the server refuse the audit rows of this operation: the operation ran, its
    // row did not land, and the answer is not a success.
    await app.db
      .query(`CREATE TRIGGER test_refuse_reset_audit BEFORE INSERT ON audit_events FOR EACH ROW
      IF NEW.action = 'graphql.requestPasswordReset' THEN
        SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'refused by the test';
      END IF`);
    let res;
    try {
      res = await app.t.gql(
        `mutation { requestPasswordReset(input: { email: "nobody-${Date.now()}@example.com" }) }`,
        undefined,
        auth,
      );
    } finally {
      await app.db.query('DROP TRIGGER test_refuse_reset_audit');
    }
    expect(res.status).toBe(503);
    expect(res.data ?? null).toBeNull();
    expect(res.errors?.[0].extensions).toMatchObject({ reason: 'AUDIT_UNAVAILABLE' });

    // Then every audit row for a moment: readiness tries the log once more, and it still refuses.
    await app.db.query(`CREATE TRIGGER test_refuse_audit BEFORE INSERT ON audit_events FOR EACH ROW
      SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'refused by the test'`);
    let ready;
    try {
      ready = await fetch(`${app.t.url}/health/ready`);
    } finally {
      await app.db.query('DROP TRIGGER test_refuse_audit');
    }
    expect(ready.status).toBe(503);
    const health = (await ready.json()) as { error?: Record<string, { status: string }> };
    expect(health.error?.auditLog?.status).toBe('down');

    // The log writes again: readiness recovers by itself (no traffic needed: an instance out of
    // the load balancer gets none), the failure is raised as a critical event (to the SIEM), and
    // operations succeed.
    expect((await fetch(`${app.t.url}/health/ready`)).status).toBe(200);
    let raised = failedBefore;
    for (let i = 0; i < 50 && raised === failedBefore; i++) {
      raised = await count(
        "SELECT COUNT(*) AS n FROM audit_events WHERE action = 'audit.write_failed'",
      );
      if (raised === failedBefore) await new Promise((r) => setTimeout(r, 100));
    }
    expect(raised).toBe(failedBefore + 1);
    expect(
      await count(
        "SELECT COUNT(*) AS n FROM audit_siem_outbox o JOIN audit_events e ON e.seq = o.audit_seq WHERE e.action = 'audit.write_failed'",
      ),
    ).toBeGreaterThanOrEqual(1);
    const again = await app.t.gql(
      `mutation { requestPasswordReset(input: { email: "nobody-${Date.now()}@example.com" }) }`,
      undefined,
      auth,
    );
    expect(again.errors).toBeUndefined();
  });
});
