import { DOCUMENT_BUDGET, FIELD_COSTS } from '../src/core/graphql/operation-limits';
import { GRAPHQL_LIMITS } from '../src/core/graphql/app-graphql.module';
import { makeUser, signIn } from './utils/identity';
import type { TestApp } from './utils/test-app';
import { useTestApp } from './utils/use-test-app';

/** Security II, item 7: GraphQL limits that hold. */
describe('GraphQL limits (e2e)', () => {
  const app = useTestApp();
  let auth: Record<string, string>;

  beforeAll(async () => {
    auth = (await signIn(app.t, await makeUser(app.t, 'admin', { mfa: true }))).auth;
  });
  afterAll(() => app.t.close());

  const refused = (res: Awaited<ReturnType<TestApp['gql']>>, reason?: string) => {
    expect(res.status).toBe(400);
    expect(res.data ?? undefined).toBeUndefined();
    expect(res.errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
    if (reason) expect(res.errors?.[0].extensions.reason).toBe(reason);
    expect(JSON.stringify(res.errors)).not.toMatch(/\bat \/|stack/);
  };

  it('counts aliases of __typename against the alias limit', async () => {
    const aliases = (n: number) =>
      `{ ${Array.from({ length: n }, (_, i) => `a${i}: __typename`).join(' ')} }`;
    const ok = await app.t.gql(aliases(GRAPHQL_LIMITS.maxAliases));
    expect(ok.errors).toBeUndefined();
    refused(await app.t.gql(aliases(GRAPHQL_LIMITS.maxAliases + 1)));
    refused(await app.t.gql(aliases(100)));
  });

  it.each([
    ['an unclosed selection', '{ __typename'],
    ['a dangling argument list', 'query { me('],
    ['a lone surrogate escape', '{ a: __typename @skip(if: "\\ud800") }'],
  ])('answers a syntax error (%s) with HTTP 400, not 500', async (_label, query) => {
    refused(await app.t.gql(query), 'GRAPHQL_PARSE_FAILED');
  });

  it('refuses a document over the token limit with HTTP 400', async () => {
    const fields = Array.from({ length: GRAPHQL_LIMITS.maxTokens }, () => '__typename').join(' ');
    refused(await app.t.gql(`{ ${fields} }`));
  });

  it.each([
    [
      'two logins',
      `mutation { a: login(input: { email: "a@example.com", password: "x" }) { __typename }
                  b: login(input: { email: "b@example.com", password: "y" }) { __typename } }`,
    ],
    [
      'two MFA verifications',
      `mutation { a: verifyMfa(input: { mfaToken: "x", code: "000000" }) { __typename }
                  b: verifyMfa(input: { mfaToken: "x", code: "000001" }) { __typename } }`,
    ],
    [
      'two password resets',
      `mutation { a: resetPassword(input: { token: "x", newPassword: "A long enough pass phrase 1" })
                  b: resetPassword(input: { token: "x", newPassword: "A long enough pass phrase 2" }) }`,
    ],
    [
      'a login spread from a fragment beside another',
      `mutation { ...L b: login(input: { email: "b@example.com", password: "y" }) { __typename } }
       fragment L on Mutation { a: login(input: { email: "a@example.com", password: "x" }) { __typename } }`,
    ],
  ])('allows one credential check per request: refuses %s', async (_label, query) => {
    refused(await app.t.gql(query), 'SINGLE_USE_OPERATION_REPEATED');
  });

  it('refuses thirty aliased precheckCampaign calls (and three), but allows two', async () => {
    expect(FIELD_COSTS.precheckCampaign * 2).toBeLessThanOrEqual(DOCUMENT_BUDGET);
    expect(FIELD_COSTS.precheckCampaign * 3).toBeGreaterThan(DOCUMENT_BUDGET);
    const prechecks = (n: number) =>
      `{ ${Array.from(
        { length: n },
        (_, i) =>
          `p${i}: precheckCampaign(input: { id: "00000000-0000-4000-8000-00000000000${i % 10}" }) { total }`,
      ).join(' ')} }`;
    refused(await app.t.gql(prechecks(30), undefined, auth), 'OPERATION_TOO_COSTLY');
    refused(await app.t.gql(prechecks(3), undefined, auth), 'OPERATION_TOO_COSTLY');
    const two = await app.t.gql(prechecks(2), undefined, auth);
    // Past validation: the campaigns do not exist.
    expect(two.errors?.[0].extensions.code).toBe('NOT_FOUND');
  });
});
