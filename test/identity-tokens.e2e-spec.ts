import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHmac } from 'node:crypto';
import type { Connection, RowDataPacket } from 'mysql2/promise';
import { decodeProtectedHeader, SignJWT } from 'jose';
import { freshIp, LOGIN, makeUser, PASSWORD, signIn } from './utils/identity';
import { startTestApp, TestApp } from './utils/test-app';
import { useTestApp } from './utils/use-test-app';

const ME = '{ me { id } }';
const b64 = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');

describe('identity: tokens and API keys (e2e)', () => {
  const app = useTestApp();
  let t: TestApp;
  let db: Connection;
  const signingPem = () =>
    readFileSync(join(process.env.JWT_KEYS_DIR as string, 'jwt-signing.pem'), 'utf8');

  beforeAll(() => {
    ({ t, db } = app);
  });

  describe('access tokens that must fail', () => {
    let good: { sub: string; sid: string; kid: string; token: string };

    beforeAll(async () => {
      const agent = await makeUser(t, 'agent');
      const s = await signIn(t, agent);
      const payload = JSON.parse(
        Buffer.from(s.accessToken.split('.')[1], 'base64url').toString(),
      ) as { sub: string; sid: string };
      good = {
        sub: payload.sub,
        sid: payload.sid,
        kid: decodeProtectedHeader(s.accessToken).kid as string,
        token: s.accessToken,
      };
    });

    const claims = () => ({
      sub: good.sub,
      sid: good.sid,
      role: 'admin',
      amr: ['pwd'],
      auth_time: Math.floor(Date.now() / 1000),
      jti: 'x',
    });
    const sign = (
      key: ReturnType<typeof createPrivateKey>,
      over: {
        kid?: string;
        aud?: string;
        iss?: string;
        exp?: number;
        iat?: number;
        typ?: string | null;
        sub?: string;
      } = {},
    ) =>
      new SignJWT({ ...claims(), ...(over.sub ? { sub: over.sub } : {}) })
        .setProtectedHeader({
          alg: 'ES256',
          kid: over.kid ?? good.kid,
          ...(over.typ === null ? {} : { typ: over.typ ?? 'at+jwt' }),
        })
        .setIssuer(over.iss ?? 'callwarden')
        .setAudience(over.aud ?? 'callwarden-api')
        .setIssuedAt(over.iat ?? Math.floor(Date.now() / 1000))
        .setExpirationTime(over.exp ?? Math.floor(Date.now() / 1000) + 300)
        .sign(key);

    it('accepts the genuine token (control)', async () => {
      expect(
        (await t.gql(ME, undefined, { authorization: `Bearer ${good.token}` })).errors,
      ).toBeUndefined();
    });

    it('accepts a token made by the forging helper with every claim right (so each refusal below is the one claim)', async () => {
      const res = await t.gql(ME, undefined, {
        authorization: `Bearer ${await sign(createPrivateKey(signingPem()))}`,
      });
      expect(res.errors).toBeUndefined();
    });

    it.each([
      [
        'expired',
        async () =>
          sign(createPrivateKey(signingPem()), { exp: Math.floor(Date.now() / 1000) - 60 }),
        'TOKEN_EXPIRED',
      ],
      [
        'of another type (typ JWT, as an ID token or a foreign JWT would be)',
        async () => sign(createPrivateKey(signingPem()), { typ: 'JWT' }),
        'INVALID_TOKEN',
      ],
      [
        'without a type',
        async () => sign(createPrivateKey(signingPem()), { typ: null }),
        'INVALID_TOKEN',
      ],
      [
        'issued an hour in the future',
        async () =>
          sign(createPrivateKey(signingPem()), {
            iat: Math.floor(Date.now() / 1000) + 3600,
            exp: Math.floor(Date.now() / 1000) + 3900,
          }),
        'INVALID_TOKEN',
      ],
      [
        'naming a real session of another user',
        async () => {
          const other = await makeUser(t, 'agent');
          return sign(createPrivateKey(signingPem()), { sub: other.id });
        },
        'INVALID_TOKEN',
      ],
      [
        'signed by another key',
        async () => sign(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey),
        'INVALID_TOKEN',
      ],
      [
        'with an unknown kid',
        async () => sign(createPrivateKey(signingPem()), { kid: 'not-our-key' }),
        'INVALID_TOKEN',
      ],
      [
        'for another audience',
        async () => sign(createPrivateKey(signingPem()), { aud: 'someone-else' }),
        'INVALID_TOKEN',
      ],
      [
        'from another issuer',
        async () => sign(createPrivateKey(signingPem()), { iss: 'evil' }),
        'INVALID_TOKEN',
      ],
      [
        'with alg none',
        () =>
          Promise.resolve(
            `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ ...claims(), iss: 'callwarden', aud: 'callwarden-api', exp: Math.floor(Date.now() / 1000) + 300, iat: Math.floor(Date.now() / 1000) })}.`,
          ),
        'INVALID_TOKEN',
      ],
      [
        'HS256 signed with the public key as secret',
        () => {
          const publicPem = createPublicKey(createPrivateKey(signingPem())).export({
            type: 'spki',
            format: 'pem',
          }) as string;
          const head = b64({ alg: 'HS256', typ: 'JWT', kid: good.kid });
          const body = b64({
            ...claims(),
            iss: 'callwarden',
            aud: 'callwarden-api',
            exp: Math.floor(Date.now() / 1000) + 300,
            iat: Math.floor(Date.now() / 1000),
          });
          return Promise.resolve(
            `${head}.${body}.${createHmac('sha256', publicPem).update(`${head}.${body}`).digest('base64url')}`,
          );
        },
        'INVALID_TOKEN',
      ],
      [
        'with a jku header pointing elsewhere',
        async () => {
          const attacker = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
          return new SignJWT(claims())
            .setProtectedHeader({
              alg: 'ES256',
              jku: 'http://127.0.0.1:9/jwks.json',
              kid: 'attacker',
            })
            .setIssuer('callwarden')
            .setAudience('callwarden-api')
            .setIssuedAt()
            .setExpirationTime('5m')
            .sign(attacker);
        },
        'INVALID_TOKEN',
      ],
    ])('refuses a token %s', async (_label, make, reason) => {
      const res = await t.gql(ME, undefined, { authorization: `Bearer ${await make()}` });
      expect(res.errors?.[0].extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason });
    });

    it('refuses a valid token whose session was revoked', async () => {
      const agent = await makeUser(t, 'agent');
      const s = await signIn(t, agent);
      await t.gql('mutation { revokeAllSessions }', undefined, s.auth);
      const res = await t.gql(ME, undefined, s.auth);
      expect(res.errors?.[0].extensions).toMatchObject({
        code: 'UNAUTHENTICATED',
        reason: 'SESSION_REVOKED',
      });
    });

    it('publishes the verification keys at /.well-known/jwks.json', async () => {
      const jwks = (await (await fetch(`${t.url}/.well-known/jwks.json`)).json()) as {
        keys: { kid: string; alg: string; d?: string }[];
      };
      expect(jwks.keys.map((k) => k.kid)).toContain(good.kid);
      expect(jwks.keys.every((k) => k.alg === 'ES256' && k.d === undefined)).toBe(true);
    });

    it('issues the documented claims', () => {
      const payload = JSON.parse(
        Buffer.from(good.token.split('.')[1], 'base64url').toString(),
      ) as Record<string, unknown>;
      expect(Object.keys(payload).sort()).toEqual([
        'amr',
        'aud',
        'auth_time',
        'exp',
        'iat',
        'iss',
        'jti',
        'role',
        'sid',
        'sub',
      ]);
      expect((payload.exp as number) - (payload.iat as number)).toBe(900);
    });
  });

  describe('API keys', () => {
    let admin: Awaited<ReturnType<typeof makeUser>>;
    let auth: Record<string, string>;
    const CREATE =
      'mutation K($input: CreateApiKeyInput!) { createApiKey(input: $input) { apiKey key { id prefix scopes expiresAt } } }';

    beforeAll(async () => {
      admin = await makeUser(t, 'admin', { mfa: true });
      auth = (await signIn(t, admin)).auth;
    });

    it('keeps a key to its scopes: no sessions, no keys, no own-account operation unless named', async () => {
      // The owner has a second key and a live session; the attacker holds a read:Customer key.
      const make = async (scopes: string[]) => {
        const res = await t.gql<{ createApiKey: { apiKey: string; key: { id: string } } }>(
          CREATE,
          { input: { name: `scoped ${scopes.join(' ')}`, scopes } },
          auth,
        );
        expect(res.errors).toBeUndefined();
        return res.data!.createApiKey;
      };
      const other = await make(['read:User']);
      const key = await make(['read:Customer']);
      const asKey = (query: string, variables?: Record<string, unknown>) =>
        t.gql(query, variables, { 'x-api-key': key.apiKey });
      const refused = async (query: string, variables?: Record<string, unknown>) => {
        const res = await asKey(query, variables);
        expect(res.errors?.[0].extensions).toMatchObject({
          code: 'FORBIDDEN',
          reason: 'API_KEY_NOT_ALLOWED',
        });
        expect(res.data ?? null).toBeNull();
      };
      // Control: the key does what its scope says.
      expect((await asKey('{ customers(first: 1) { items { id } } }')).errors).toBeUndefined();
      await refused('{ mySessions { id } }');
      await refused('{ apiKeys { id } }');
      await refused('mutation R($id: ID!) { revokeApiKey(input: { id: $id }) }', {
        id: other.key.id,
      });
      await refused('mutation { revokeAllSessions }');
      await refused('{ me { id } }');
      // Nothing happened to the owner: the other key and the session still work.
      expect(
        (
          await t.gql('{ users(first: 1) { items { id } } }', undefined, {
            'x-api-key': other.apiKey,
          })
        ).errors,
      ).toBeUndefined();
      expect((await t.gql(ME, undefined, auth)).errors).toBeUndefined();
      // A scope may name the one own-account read a key may make; never keys or sessions.
      const me = await make(['self:me']);
      expect(
        (await t.gql('{ me { id } }', undefined, { 'x-api-key': me.apiKey })).errors,
      ).toBeUndefined();
      for (const scopes of [['read:Session'], ['delete:ApiKey'], ['self:revokeAllSessions']]) {
        const res = await t.gql(CREATE, { input: { name: 'too much', scopes } }, auth);
        expect(res.errors?.[0].extensions).toMatchObject({
          code: 'FORBIDDEN',
          reason: 'SCOPE_EXCEEDED',
        });
      }
    });

    it('works as a Bearer token and as X-API-Key; wrong secret, revoked and expired keys fail', async () => {
      const created = await t.gql<{
        createApiKey: { apiKey: string; key: { id: string; prefix: string; expiresAt: string } };
      }>(CREATE, { input: { name: 'crm sync', scopes: ['read:User', 'read:AuditEvent'] } }, auth);
      expect(created.errors).toBeUndefined();
      const { apiKey, key } = created.data!.createApiKey;
      expect(apiKey).toMatch(/^cw_[a-z0-9]{16}_[A-Za-z0-9_-]{43}$/);
      expect(new Date(key.expiresAt).getTime() - Date.now()).toBeGreaterThan(364 * 86400_000);
      const [rows] = await db.query<RowDataPacket[]>('SELECT * FROM api_keys WHERE id = ?', [
        key.id,
      ]);
      expect(JSON.stringify(rows[0])).not.toContain(apiKey.slice('cw_'.length + 16 + 1));

      const users = '{ users(first: 1) { items { id } } }';
      expect(
        (await t.gql(users, undefined, { authorization: `Bearer ${apiKey}` })).errors,
      ).toBeUndefined();
      expect((await t.gql(users, undefined, { 'x-api-key': apiKey })).errors).toBeUndefined();
      const [used] = await db.query<RowDataPacket[]>(
        'SELECT last_used_at, last_used_ip FROM api_keys WHERE id = ?',
        [key.id],
      );
      expect(used[0].last_used_at).not.toBeNull();

      const wrong = `${apiKey.slice(0, -4)}AAAA`;
      expect(
        (await t.gql(users, undefined, { 'x-api-key': wrong })).errors?.[0].extensions,
      ).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'INVALID_API_KEY' });

      // Scope exceeded: the key may read users, not rotate keys.
      const rotate = await t.gql(
        'mutation { rotateDataKey(input: {purpose: "pii"}) { current { id } } }',
        undefined,
        { 'x-api-key': apiKey },
      );
      expect(rotate.errors?.[0].extensions.code).toBe('FORBIDDEN');

      await db.query('UPDATE api_keys SET expires_at = NOW(3) - INTERVAL 1 SECOND WHERE id = ?', [
        key.id,
      ]);
      expect(
        (await t.gql(users, undefined, { 'x-api-key': apiKey })).errors?.[0].extensions.reason,
      ).toBe('INVALID_API_KEY');
      await db.query('UPDATE api_keys SET expires_at = NOW(3) + INTERVAL 1 DAY WHERE id = ?', [
        key.id,
      ]);
      expect((await t.gql(users, undefined, { 'x-api-key': apiKey })).errors).toBeUndefined();

      const revoked = await t.gql(
        'mutation R($input: ApiKeyIdInput!) { revokeApiKey(input: $input) }',
        { input: { id: key.id } },
        auth,
      );
      expect(revoked.errors).toBeUndefined();
      expect(
        (await t.gql(users, undefined, { 'x-api-key': apiKey })).errors?.[0].extensions.reason,
      ).toBe('INVALID_API_KEY');
    });

    it('refuses scopes beyond the creator’s permissions', async () => {
      const manager = await makeUser(t, 'manager', { mfa: true });
      const m = await signIn(t, manager);
      const res = await t.gql(
        CREATE,
        { input: { name: 'too much', scopes: ['manage:CryptoKey'] } },
        m.auth,
      );
      expect(res.errors?.[0].extensions).toMatchObject({
        code: 'FORBIDDEN',
        reason: 'SCOPE_EXCEEDED',
      });
      const viewer = await makeUser(t, 'viewer', { mfa: true });
      const v = await signIn(t, viewer);
      const denied = await t.gql(
        CREATE,
        { input: { name: 'viewer key', scopes: ['read:Customer'] } },
        v.auth,
      );
      expect(denied.errors?.[0].extensions.code).toBe('FORBIDDEN');
    });

    it('rotates a key: the new one works at once, the old one until its grace period ends', async () => {
      const created = await t.gql<{ createApiKey: { apiKey: string; key: { id: string } } }>(
        CREATE,
        { input: { name: 'rotating', scopes: ['read:User'] } },
        auth,
      );
      const old = created.data!.createApiKey;
      const rotated = await t.gql<{ rotateApiKey: { apiKey: string } }>(
        'mutation R($input: RotateApiKeyInput!) { rotateApiKey(input: $input) { apiKey } }',
        { input: { id: old.key.id, graceHours: 1 } },
        auth,
      );
      const users = '{ users(first: 1) { items { id } } }';
      expect(
        (await t.gql(users, undefined, { 'x-api-key': rotated.data!.rotateApiKey.apiKey })).errors,
      ).toBeUndefined();
      expect((await t.gql(users, undefined, { 'x-api-key': old.apiKey })).errors).toBeUndefined();
      await db.query('UPDATE api_keys SET grace_until = NOW(3) - INTERVAL 1 SECOND WHERE id = ?', [
        old.key.id,
      ]);
      expect(
        (await t.gql(users, undefined, { 'x-api-key': old.apiKey })).errors?.[0].extensions.reason,
      ).toBe('INVALID_API_KEY');
    });
  });

  it('refuses overflow logins at once with RATE_LIMITED instead of queueing them', async () => {
    const small = await startTestApp({ PASSWORD_HASH_CONCURRENCY: '1', PASSWORD_HASH_QUEUE: '1' });
    try {
      const agent = await makeUser(small, 'agent');
      const results = await Promise.all(
        Array.from({ length: 12 }, () =>
          small.gql(
            LOGIN,
            { input: { email: agent.email, password: 'wrong but long pass phrase' } },
            { 'x-forwarded-for': freshIp() },
          ),
        ),
      );
      const reasons = results.map((r) => r.errors?.[0].extensions.reason);
      expect(reasons.filter((r) => r === 'HASHING_BUSY').length).toBeGreaterThan(0);
      expect(
        results.find((r) => r.errors?.[0].extensions.reason === 'HASHING_BUSY')?.errors?.[0]
          .extensions.code,
      ).toBe('RATE_LIMITED');
    } finally {
      await small.close();
    }
  });

  it('never writes a password, token, TOTP secret or backup code to a response, log line or audit row', async () => {
    const logFile = join(mkdtempSync(join(tmpdir(), 'cw-idlog-')), 'app.log');
    const logged = await startTestApp({ LOG_FILE: logFile, LOG_LEVEL: 'debug' });
    try {
      const user = await makeUser(logged, 'manager', { mfa: true });
      const backup = [...user.backupCodes!];
      const s = await signIn(logged, user);
      const failed = await logged.gql(
        LOGIN,
        { input: { email: user.email, password: `${PASSWORD}-typo` } },
        { 'x-forwarded-for': freshIp() },
      );
      expect(failed.errors).toBeDefined();
      const secrets = [
        PASSWORD,
        `${PASSWORD}-typo`,
        s.accessToken,
        s.refreshToken,
        user.totpSecret!,
        ...backup,
      ];
      const [audit] = await db.query<RowDataPacket[]>('SELECT * FROM audit_events');
      const auditText = JSON.stringify(audit);
      const logText = readFileSync(logFile, 'utf8');
      for (const secret of secrets) {
        expect(auditText).not.toContain(secret);
        expect(logText).not.toContain(secret);
      }
      expect(JSON.stringify(failed)).not.toContain(PASSWORD);
    } finally {
      await logged.close();
    }
  });
});
