import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useTestApp } from './utils/use-test-app';

describe('structured logs without PII or secrets', () => {
  const logFile = join(mkdtempSync(join(tmpdir(), 'cw-log-')), 'app.log');
  const app = useTestApp({ LOG_FILE: logFile, LOG_LEVEL: 'debug' });

  it('logs the request with its id but none of the PII or secrets it carried', async () => {
    const pii = {
      email: 'jane.roe.4471@example.com',
      phone: '+14155550142',
      ssn: '123-45-6789',
      name: 'Jane Q. Roe',
    };
    const token = 'eyJhbGciOiJFUzI1NiJ9.super-secret-token-value';
    const res = await app.t.gql(
      'query Probe($email: Int, $phone: Int, $ssn: Int, $name: Int) { serverInfo { name } }',
      pii,
      { authorization: `Bearer ${token}`, cookie: `cw_refresh=${token}` },
    );
    expect(res.errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
    const requestId = res.headers.get('x-request-id')!;

    const lines = readFileSync(logFile, 'utf8').trim().split('\n');
    const entries = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const mine = entries.filter((e) => JSON.stringify(e).includes(requestId));
    // The request was logged (completion and the rejected GraphQL operation) ...
    expect(mine.some((e) => e.reason === 'GRAPHQL_VALIDATION_FAILED')).toBe(true);
    expect(mine).toContainEqual(
      expect.objectContaining({
        msg: 'request completed',
        req: { id: requestId, method: 'POST', path: '/graphql' },
        res: { statusCode: 400 },
      }),
    );
    // ... and nothing anywhere in the log holds what it carried.
    const all = lines.join('\n');
    for (const value of [...Object.values(pii), token, 'super-secret-token-value']) {
      expect(all).not.toContain(value);
    }
  });
});
