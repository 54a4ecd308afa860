import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');

/** Boots the real entry point in its own process with the given environment. */
function boot(env: Record<string, string | undefined>) {
  const base = { PATH: process.env.PATH, HOME: process.env.HOME };
  const result = spawnSync(process.execPath, ['-r', '@swc-node/register', 'src/main.ts'], {
    cwd: ROOT,
    env: { ...base, ...env },
    encoding: 'utf8',
    timeout: 60000,
  });
  return { status: result.status, stderr: result.stderr.trim(), stdout: result.stdout.trim() };
}

describe('configuration validation (process boot)', () => {
  const valid = {
    DATABASE_URL: process.env.DATABASE_URL,
    MASTER_KEY_FILE: process.env.MASTER_KEY_FILE,
    JWT_KEYS_DIR: process.env.JWT_KEYS_DIR,
    NODE_ENV: 'test',
  };

  it.each([
    ['a missing master key', { MASTER_KEY_FILE: undefined }, 'MASTER_KEY_FILE'],
    ['a missing database', { DATABASE_URL: undefined }, 'DATABASE_URL'],
    ['a bad port', { PORT: 'eighty' }, 'PORT'],
    ['missing JWT keys', { JWT_KEYS_DIR: undefined }, 'JWT_KEYS_DIR'],
    ['an unknown NODE_ENV', { NODE_ENV: 'staging' }, 'NODE_ENV'],
    ['a bad CORS origin', { CORS_ORIGINS: 'javascript:alert(1)' }, 'CORS_ORIGINS'],
    [
      'an office CIDR that is not one',
      { LOGIN_IP_ALLOWLIST: '10.0.0.0/8,300.1.1.1/8' },
      'LOGIN_IP_ALLOWLIST',
    ],
    ['an office CIDR without a prefix', { LOGIN_IP_ALLOWLIST: '10.0.0.1' }, 'LOGIN_IP_ALLOWLIST'],
    [
      'production without the SMS webhook secret (every STOP would be refused)',
      { NODE_ENV: 'production' },
      'SMS_WEBHOOK_SECRET',
    ],
    [
      'production with passkey origins that are not https',
      { NODE_ENV: 'production', SMS_WEBHOOK_SECRET: 's'.repeat(24) },
      'WEBAUTHN_ORIGINS',
    ],
    [
      'a passkey origin outside the RP id',
      { WEBAUTHN_RP_ID: 'callwarden.example', WEBAUTHN_ORIGINS: 'https://console.evil.example' },
      'WEBAUTHN_ORIGINS',
    ],
    ['Twilio texts without the Twilio account', { SMS_PROVIDER: 'twilio' }, 'TWILIO_ACCOUNT_SID'],
    [
      'SMTP emails without a server',
      { EMAIL_PROVIDER: 'smtp', EMAIL_FROM: 'notices@acme.example' },
      'SMTP_URL',
    ],
    [
      'an unreadable secret file',
      { MASTER_KEY_FILE: '/nonexistent/master.key' },
      'MASTER_KEY_FILE',
    ],
  ])('stops on %s with one line naming the variable', (_label, change, variable) => {
    const { status, stderr, stdout } = boot({ ...valid, ...change });
    expect(status).toBe(78);
    expect(stdout).toBe('');
    expect(stderr.split('\n')).toHaveLength(1);
    expect(stderr).toContain(variable);
    expect(stderr).not.toMatch(/\s+at\s/);
  });

  it('never echoes a secret value it rejects', () => {
    const secret = 'hunter2-this-is-not-base64!!';
    const { status, stderr } = boot({ ...valid, MASTER_KEY_FILE: undefined, MASTER_KEY: secret });
    expect(status).toBe(78);
    expect(stderr).toContain('MASTER_KEY');
    expect(stderr).not.toContain(secret);
  });

  it.each([
    [
      'a database that does not answer',
      'mysql://callwarden:x@127.0.0.1:1/callwarden',
      'ECONNREFUSED',
    ],
    ['a database that refuses the login', 'wrong-password', 'ER_ACCESS_DENIED_ERROR'],
  ])(
    'reports %s as one JSON line with the error code, no stack and no driver text, exit 1',
    (_label, url, code) => {
      const databaseUrl =
        url === 'wrong-password'
          ? (() => {
              const u = new URL(valid.DATABASE_URL!);
              u.password = 'not-the-password';
              return u.toString();
            })()
          : url;
      const { status, stderr, stdout } = boot({ ...valid, DATABASE_URL: databaseUrl });
      expect(status).toBe(1);
      expect(stdout).toBe('');
      const lines = stderr.split('\n');
      expect(lines).toHaveLength(1);
      const line = JSON.parse(lines[0]) as Record<string, unknown>;
      expect(line).toMatchObject({ level: 60, err: code, msg: 'failed to start: database error' });
      expect(stderr).not.toMatch(/\s+at\s|127\.0\.0\.1|Access denied|not-the-password/);
    },
  );
});
