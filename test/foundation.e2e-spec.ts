import { GraphQLSchemaHost } from '@nestjs/graphql';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { printCommittedSchema } from '../src/core/graphql/print-schema';
import { adminConnection } from './utils/db';
import { makeUser, signIn } from './utils/identity';
import { useTestApp } from './utils/use-test-app';

describe('foundation (e2e)', () => {
  const app = useTestApp();

  it('answers liveness and readiness, readiness covering the database and encryption at rest', async () => {
    const live = await fetch(`${app.t.url}/health/live`);
    expect(live.status).toBe(200);
    const ready = await fetch(`${app.t.url}/health/ready`);
    const body = (await ready.json()) as {
      status: string;
      info: Record<string, { status: string }>;
    };
    expect(ready.status).toBe(200);
    expect(body.status).toBe('ok');
    expect(body.info.database.status).toBe('up');
    expect(body.info.encryptionAtRest.status).toBe('up');
  });

  it('serves a GraphQL query at POST /graphql with a request id header', async () => {
    const res = await app.t.gql<{
      serverInfo: { name: string; apiVersion: string; serverTime: string };
    }>('{ serverInfo { name apiVersion serverTime } }');
    expect(res.status).toBe(200);
    expect(res.errors).toBeUndefined();
    expect(res.data?.serverInfo.name).toBe('CallWarden');
    expect(Date.parse(res.data!.serverInfo.serverTime)).not.toBeNaN();
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it.each([
    ['a malformed document', '{ serverInfo { name ', undefined],
    ['an unknown field', '{ serverInfo { name password } }', undefined],
    [
      'a variable of the wrong type',
      'query($n: Int) { serverInfo { name } }',
      { n: 'not a number' },
    ],
    ['an over-long document', `{ serverInfo { ${'name '.repeat(3000)} } }`, undefined],
  ])(
    'answers %s with BAD_USER_INPUT and a request id, no stack',
    async (_label, query, variables) => {
      const res = await app.t.gql(query, variables);
      expect(res.errors?.length).toBeGreaterThan(0);
      const error = res.errors![0];
      expect(error.extensions.code).toBe('BAD_USER_INPUT');
      expect(typeof error.extensions.requestId).toBe('string');
      expect(Object.keys(error.extensions).sort()).toEqual(['code', 'reason', 'requestId']);
      expect(JSON.stringify(res)).not.toMatch(/stacktrace|at .*\.js:\d+/);
    },
  );

  it('refuses a GET mutation-capable request without CSRF protection headers', async () => {
    const res = await fetch(
      `${app.t.url}/graphql?query=${encodeURIComponent('{ serverInfo { name } }')}`,
    );
    expect(res.status).toBe(400);
  });

  it('sends security headers', async () => {
    const res = await fetch(`${app.t.url}/health/live`);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-powered-by')).toBeNull();
  });

  it('has a committed schema.graphql that matches the code', () => {
    const committed = readFileSync(join(__dirname, '..', 'schema.graphql'), 'utf8');
    const current = printCommittedSchema(app.t.app.get(GraphQLSchemaHost).schema);
    // If this fails: run `npm run cli -- schema` and commit schema.graphql.
    expect(committed).toBe(current);
  });

  it('answers an over-long or mistyped input with BAD_USER_INPUT and writes nothing', async () => {
    const admin = await makeUser(app.t, 'admin', { mfa: true });
    const { auth } = await signIn(app.t, admin);
    const email = `too.long.${Date.now()}@e2e.callwarden.test`;
    const create = 'mutation C($input: CreateUserInput!) { createUser(input: $input) { id } }';
    const long = await app.t.gql(
      create,
      { input: { email, displayName: 'x'.repeat(101), role: 'viewer' } },
      auth,
    );
    expect(long.errors?.[0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      reason: 'VALIDATION_FAILED',
    });
    expect(long.errors?.[0].message).toMatch(/displayName/);
    const typed = await app.t.gql(
      create,
      { input: { email, displayName: 42, role: 'viewer' } },
      auth,
    );
    expect(typed.errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
    const unknownField = await app.t.gql(
      create,
      { input: { email, displayName: 'x', role: 'viewer', admin: true } },
      auth,
    );
    expect(unknownField.errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
    const db = await adminConnection();
    try {
      const [rows] = await db.query<import('mysql2/promise').RowDataPacket[]>(
        'SELECT COUNT(*) AS n FROM users WHERE email_masked = ?',
        ['t***@e2e.callwarden.test'],
      );
      expect(Number(rows[0].n)).toBe(0);
    } finally {
      await db.end();
    }
  });
});
