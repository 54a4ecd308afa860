import { Writable } from 'node:stream';
import pino from 'pino';
import { SECRET_VARIABLES } from '../config/environment';
import { LOG_REDACTION } from './logging.module';

/** One log line written through the app's redaction, parsed. */
function logged(fields: Record<string, unknown>): Record<string, unknown> {
  let line = '';
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      line += chunk.toString();
      done();
    },
  });
  pino({ formatters: { log: LOG_REDACTION } }, sink).info(fields, 'x');
  return JSON.parse(line) as Record<string, unknown>;
}

describe('log redaction', () => {
  it.each(SECRET_VARIABLES)('hides %s wherever a log line carries it by name', (name) => {
    const secret = 'mysql://app:s3cret@db/callwarden';
    const line = logged({
      [name]: secret,
      config: { [name]: secret },
      err: { env: { [name]: secret } },
    });
    expect(JSON.stringify(line)).not.toContain('s3cret');
    expect(line[name]).toBe('[REDACTED]');
  });
});
