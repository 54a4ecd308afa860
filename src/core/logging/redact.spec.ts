import fc from 'fast-check';
import pino from 'pino';
import { CENSOR, redactor } from './redact';

const KEYS = ['password', 'email', 'authorization'];

/** The same keys as pino's own redaction paths (`k`, `*.k`, `*.*.k`), for comparison. */
function pinoRedacted(line: Record<string, unknown>): unknown {
  let out = '';
  const paths = KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]);
  pino(
    { redact: { paths, censor: CENSOR }, base: undefined, timestamp: false },
    { write: (s: string) => (out += s) },
  ).info(line);
  const { level: _level, ...rest } = JSON.parse(out) as Record<string, unknown>;
  return rest;
}

describe('redactor', () => {
  const redact = redactor(KEYS);

  it('hides a key at the top, one and two levels down, and not deeper', () => {
    const line = {
      password: 'a',
      user: { email: 'b', name: 'kept' },
      req: { headers: { authorization: 'Bearer c', host: 'kept' } },
      deep: { a: { b: { password: 'past the third level' } } },
    };
    expect(redact(line)).toEqual({
      password: CENSOR,
      user: { email: CENSOR, name: 'kept' },
      req: { headers: { authorization: CENSOR, host: 'kept' } },
      deep: { a: { b: { password: 'past the third level' } } },
    });
  });

  it('looks inside arrays as pino does (an index is a level)', () => {
    expect(redact({ users: [{ email: 'x' }, { id: 1 }] })).toEqual({
      users: [{ email: CENSOR }, { id: 1 }],
    });
  });

  it('mutates nothing and copies only what it redacts', () => {
    const untouched = { id: 1 };
    const line = { a: untouched, b: { password: 'p' } };
    const out = redact(line);
    expect(line.b.password).toBe('p');
    expect(out.a).toBe(untouched);
    expect(redact(untouched)).toBe(untouched);
  });

  it('turns an error that carries a hidden key into a plain record of it', () => {
    const err = Object.assign(new TypeError('boom'), { config: { password: 'p' } });
    const out = redact({ err }) as unknown as { err: Record<string, unknown> };
    expect(out.err).toMatchObject({
      type: 'TypeError',
      message: 'boom',
      config: { password: CENSOR },
    });
    expect(out.err.stack).toContain('boom');
    expect(err.config.password).toBe('p');
  });

  it('agrees with pino redaction over the same keys on any JSON line', () => {
    const key = fc.constantFrom(...KEYS, 'id', 'name', 'nested', 'list');
    const json = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        fc.string(),
        fc.integer(),
        fc.boolean(),
        fc.constant(null),
        fc.array(tie('value'), { maxLength: 3 }),
        fc.dictionary(key, tie('value'), { maxKeys: 4 }),
      ),
    }));
    fc.assert(
      fc.property(fc.dictionary(key, json.value, { maxKeys: 5 }), (line) => {
        expect(JSON.parse(JSON.stringify(redact(line)))).toEqual(pinoRedacted(line));
      }),
      { numRuns: 300 },
    );
  });
});
