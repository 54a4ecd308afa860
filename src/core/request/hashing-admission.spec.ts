import Fastify from 'fastify';
import { installHashingAdmission, namesField } from './hashing-admission';
import { installRequestStore, requestStore } from './request-store';

const FIELDS = /\b(?:login|resetPassword)\b/;

describe('namesField', () => {
  it('finds a hashing field whatever its alias, spacing or place in a batch', () => {
    const login = 'mutation L($input: LoginInput!) { login(input: $input) { __typename } }';
    expect(namesField({ query: login }, FIELDS)).toBe(true);
    expect(namesField({ query: 'mutation { a: login (input: {}) { __typename } }' }, FIELDS)).toBe(
      true,
    );
    expect(namesField({ query: 'mutation{resetPassword(input:{}){ok}}' }, FIELDS)).toBe(true);
    expect(namesField([{ query: '{ me { id } }' }, { query: login }], FIELDS)).toBe(true);
  });

  it('passes documents that only resemble one, and bodies that are not GraphQL requests', () => {
    expect(namesField({ query: '{ me { lastLoginAt loginHistory { id } } }' }, FIELDS)).toBe(false);
    expect(namesField({ query: 'query Q($i: LoginInput) { me { id } }' }, FIELDS)).toBe(false);
    for (const body of [undefined, null, 'login', 42, {}, { query: 7 }, [null], [{ q: 'login' }]])
      expect(namesField(body, FIELDS)).toBe(false);
  });
});

describe('installHashingAdmission', () => {
  const LOGIN = 'mutation { login(input: {}) { __typename } }';

  async function server(places: number) {
    const released: number[] = [];
    let admitted = 0;
    const admission = {
      fields: ['login'],
      admit: () => {
        if (admitted - released.length >= places) return null;
        const n = ++admitted;
        return { release: () => released.push(n) };
      },
      shed: jest.fn(),
    };
    const app = Fastify({ forceCloseConnections: true });
    installRequestStore(app);
    installHashingAdmission(app, admission);
    const seen: unknown[] = [];
    app.post('/graphql', (_req, reply) => {
      seen.push(requestStore.getStore()?.hashingTicket);
      void reply.send({ data: {} });
    });
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    const post = (query: string, headers: Record<string, string> = {}) =>
      fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ query }),
      });
    return { app, seen, released, admission, post };
  }

  it('admits a sign-in with a place it holds until its response ends, and passes the rest', async () => {
    const { app, seen, released, admission, post } = await server(1);
    const signIn = await post(LOGIN);
    expect(signIn.status).toBe(200);
    await signIn.text();
    expect(typeof (seen[0] as { release?: unknown } | undefined)?.release).toBe('function');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(released).toEqual([1]);
    const other = await post('{ me { id } }');
    expect(other.status).toBe(200);
    await other.text();
    expect(seen[1]).toBeUndefined();
    expect(admission.shed).not.toHaveBeenCalled();
    await app.close();
  });

  it('refuses a sign-in without a place before its handler, with 429 and Retry-After', async () => {
    const { app, seen, admission, post } = await server(0);
    const res = await post(LOGIN);
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(await res.json()).toMatchObject({
      data: null,
      errors: [{ extensions: { code: 'RATE_LIMITED', reason: 'HASHING_BUSY' } }],
    });
    expect(seen).toEqual([]);
    expect(admission.shed).toHaveBeenCalledWith('127.0.0.1');
    await app.close();
  });
});
