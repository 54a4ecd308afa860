import { AppException } from '../src/core/errors/error-code';
import { IdentityAuthenticator } from '../src/modules/identity/identity.authenticator';
import { API_KEY_STRATEGY, JWT_STRATEGY } from '../src/modules/identity/strategies/credentials';
import { makeUser, signIn } from './utils/identity';
import { startTestApp, TestApp } from './utils/test-app';

const USERS = '{ users(first: 1) { items { id } } }';

/** One strategy alone, through the app's own Passport, on a request carrying `headers`. */
const runStrategy = (t: TestApp, name: string, headers: Record<string, string>) =>
  t.app.get(IdentityAuthenticator).run(name, { headers });

const refusedWith = (outcome: { err: unknown; ctx?: unknown }, reason: string) => {
  expect(outcome.ctx).toBeFalsy();
  expect(outcome.err).toBeInstanceOf(AppException);
  expect(outcome.err).toMatchObject({ code: 'UNAUTHENTICATED', reason });
};

describe('identity: Passport credential strategies (e2e)', () => {
  let t: TestApp;
  let token: string;
  let apiKey: string;

  beforeAll(async () => {
    t = await startTestApp();
    const admin = await makeUser(t, 'admin', { mfa: true });
    const s = await signIn(t, admin);
    token = s.accessToken;
    const created = await t.gql<{ createApiKey: { apiKey: string } }>(
      'mutation K($input: CreateApiKeyInput!) { createApiKey(input: $input) { apiKey } }',
      { input: { name: 'strategies', scopes: ['read:User'] } },
      s.auth,
    );
    expect(created.errors).toBeUndefined();
    apiKey = created.data!.createApiKey.apiKey;
  });
  afterAll(() => t.close());

  it('accepts each credential through its own strategy (control)', async () => {
    expect((await t.gql(USERS, undefined, { authorization: `Bearer ${token}` })).errors).toBe(
      undefined,
    );
    expect((await t.gql(USERS, undefined, { 'x-api-key': apiKey })).errors).toBeUndefined();
    expect(
      (await runStrategy(t, JWT_STRATEGY, { authorization: `Bearer ${token}` })).ctx,
    ).toMatchObject({ principal: { type: 'user' } });
    expect((await runStrategy(t, API_KEY_STRATEGY, { 'x-api-key': apiKey })).ctx).toMatchObject({
      principal: { type: 'api_key' },
      apiKeyScopes: ['read:User'],
    });
  });

  it('refuses an access token presented as an API key, and does not retry it as a token', async () => {
    for (const headers of <Record<string, string>[]>[
      { 'x-api-key': token },
      // The refused key ends the attempt: a valid bearer token beside it does not rescue it.
      { 'x-api-key': token, authorization: `Bearer ${token}` },
    ]) {
      const res = await t.gql(USERS, undefined, headers);
      expect(res.errors?.[0].extensions).toMatchObject({
        code: 'UNAUTHENTICATED',
        reason: 'INVALID_API_KEY',
      });
      expect(res.data ?? null).toBeNull();
    }
    refusedWith(await runStrategy(t, API_KEY_STRATEGY, { 'x-api-key': token }), 'INVALID_API_KEY');
    // A bearer access token is not the API key strategy's to judge: it passes it on, unaccepted.
    expect(await runStrategy(t, API_KEY_STRATEGY, { authorization: `Bearer ${token}` })).toEqual({
      err: null,
      ctx: false,
    });
  });

  it('refuses an API key presented as a bearer access token to the JWT strategy', async () => {
    // Over HTTP a bearer `cw_...` is the API key strategy's (it runs first), so a key never
    // reaches the JWT strategy there: this asks the JWT strategy itself.
    refusedWith(
      await runStrategy(t, JWT_STRATEGY, { authorization: `Bearer ${apiKey}` }),
      'INVALID_TOKEN',
    );
    // A key whose secret is wrong stays the API key strategy's refusal over HTTP, not the JWT one's.
    const res = await t.gql(USERS, undefined, {
      authorization: `Bearer ${apiKey.slice(0, -4)}AAAA`,
    });
    expect(res.errors?.[0].extensions).toMatchObject({
      code: 'UNAUTHENTICATED',
      reason: 'INVALID_API_KEY',
    });
  });

  it('keeps each application to its own strategies: a second app in the process, once closed, changes nothing', async () => {
    // On the process-wide passport a second app would replace the strategies with its own, bound
    // to its database pool: closed, every request of the first would fail.
    const second = await startTestApp();
    await second.close();
    expect((await t.gql(USERS, undefined, { authorization: `Bearer ${token}` })).errors).toBe(
      undefined,
    );
    expect((await t.gql(USERS, undefined, { 'x-api-key': apiKey })).errors).toBeUndefined();
  });

  it('answers a request with no credential with the sign-in challenge', async () => {
    const res = await t.gql(USERS);
    expect(res.errors?.[0]).toMatchObject({
      message: 'Sign in first',
      extensions: { code: 'UNAUTHENTICATED', reason: 'INVALID_TOKEN' },
    });
  });
});
