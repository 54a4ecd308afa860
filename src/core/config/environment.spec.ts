import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ConfigError,
  NodeEnv,
  RECORD_RETENTION_FLOOR_DAYS,
  validateEnvironment,
  validateMigrationEnvironment,
} from './environment';

const KEY = Buffer.alloc(32, 7).toString('base64');
const valid = {
  DATABASE_URL: 'mysql://u:p@127.0.0.1:3307/callwarden',
  MASTER_KEY: KEY,
  JWT_KEYS_DIR: '/tmp/jwt',
};

describe('validateEnvironment', () => {
  it('applies defaults and coerces types', () => {
    const env = validateEnvironment({ ...valid, PORT: '8080' });
    expect(env.PORT).toBe(8080);
    expect(env.NODE_ENV).toBe(NodeEnv.Development);
    expect(env.REQUIRE_TDE).toBe(false);
    expect(env.HOST).toBe('127.0.0.1');
  });

  const production = {
    ...valid,
    NODE_ENV: 'production',
    SMS_WEBHOOK_SECRET: 's'.repeat(24),
    WEBAUTHN_RP_ID: 'callwarden.example',
    WEBAUTHN_ORIGINS: 'https://console.callwarden.example',
  };

  it('requires encryption at rest by default in production', () => {
    expect(validateEnvironment(production).REQUIRE_TDE).toBe(true);
    expect(validateEnvironment({ ...production, REQUIRE_TDE: 'false' }).REQUIRE_TDE).toBe(false);
  });

  it('refuses to run in production without the SMS webhook secret, which every STOP needs', () => {
    expect(() => validateEnvironment({ ...production, SMS_WEBHOOK_SECRET: undefined })).toThrow(
      /^Invalid configuration: SMS_WEBHOOK_SECRET\(_FILE\) is missing/,
    );
    expect(validateEnvironment({ ...valid, NODE_ENV: 'test' }).SMS_WEBHOOK_SECRET).toBeUndefined();
  });

  it('binds passkeys to an RP id and the origins on it, as browsers report them (https in production)', () => {
    const defaults = validateEnvironment(valid);
    expect([defaults.WEBAUTHN_RP_ID, defaults.WEBAUTHN_ORIGINS]).toEqual([
      'localhost',
      'http://localhost:3000',
    ]);
    expect(defaults.WEBAUTHN_RP_NAME).toBe('CallWarden');
    const rp = {
      WEBAUTHN_RP_ID: 'example.com',
      WEBAUTHN_ORIGINS: 'https://console.example.com,https://example.com:8443',
    };
    expect(validateEnvironment({ ...valid, ...rp }).WEBAUTHN_ORIGINS).toBe(rp.WEBAUTHN_ORIGINS);
    expect(validateEnvironment({ ...production, ...rp }).WEBAUTHN_RP_ID).toBe('example.com');
    for (const [change, message] of [
      [{ WEBAUTHN_ORIGINS: 'https://console.example.com/' }, /without a path/],
      [{ WEBAUTHN_ORIGINS: 'https://console.example.com/app' }, /without a path/],
      [{ WEBAUTHN_ORIGINS: 'https://example.com:443' }, /as browsers report them/],
      [{ WEBAUTHN_ORIGINS: 'https://Console.example.com' }, /as browsers report them/],
      [{ WEBAUTHN_ORIGINS: 'https://notexample.com' }, /not on WEBAUTHN_RP_ID/],
      [{ WEBAUTHN_ORIGINS: 'https://example.com.evil.io' }, /not on WEBAUTHN_RP_ID/],
      [{ WEBAUTHN_ORIGINS: 'javascript:alert(1)' }, /WEBAUTHN_ORIGINS must be/],
      [{ WEBAUTHN_RP_ID: 'https://example.com' }, /WEBAUTHN_RP_ID must be a domain name/],
      [{ WEBAUTHN_RP_ID: 'Example.com' }, /WEBAUTHN_RP_ID must be a domain name/],
      [{ WEBAUTHN_RP_ID: '10.0.0.1', WEBAUTHN_ORIGINS: 'https://10.0.0.1' }, /not an address/],
      [{ WEBAUTHN_RP_NAME: 'Call\u0000Warden' }, /WEBAUTHN_RP_NAME/],
    ] as const)
      expect(() => validateEnvironment({ ...valid, ...rp, ...change })).toThrow(message);
    // The development default is refused in production: production names its https origins.
    expect(() =>
      validateEnvironment({
        ...production,
        WEBAUTHN_RP_ID: undefined,
        WEBAUTHN_ORIGINS: undefined,
      }),
    ).toThrow(/^Invalid configuration: WEBAUTHN_ORIGINS must use https in production$/);
  });

  it('needs a signing secret for the provider relays, and https in production', () => {
    expect(() =>
      validateEnvironment({ ...valid, NOTIFY_SMS_URL: 'http://relay.local/sms' }),
    ).toThrow(/NOTIFY_WEBHOOK_SECRET/);
    const relay = {
      NOTIFY_SMS_URL: 'http://relay.local/sms',
      NOTIFY_WEBHOOK_SECRET: 'x'.repeat(20),
    };
    expect(validateEnvironment({ ...valid, ...relay }).NOTIFY_SMS_URL).toBe(relay.NOTIFY_SMS_URL);
    expect(() => validateEnvironment({ ...production, ...relay })).toThrow(
      /NOTIFY_SMS_URL must use https in production/,
    );
    expect(() => validateEnvironment({ ...valid, NOTIFY_EMAIL_URL: 'ftp://x' })).toThrow(
      ConfigError,
    );
  });

  it('keeps the delivery lease above the 5 s provider timeout', () => {
    expect(validateEnvironment(valid).NOTIFY_LEASE_SECONDS).toBe(30);
    expect(validateEnvironment({ ...valid, NOTIFY_LEASE_SECONDS: '10' }).NOTIFY_LEASE_SECONDS).toBe(
      10,
    );
    expect(() => validateEnvironment({ ...valid, NOTIFY_LEASE_SECONDS: '5' })).toThrow(
      /NOTIFY_LEASE_SECONDS/,
    );
  });

  it('never keeps contact records for less than Reg F requires, and reads the purge schedule', () => {
    expect(() => validateEnvironment({ ...valid, RETENTION_CONTACT_RECORDS_DAYS: '365' })).toThrow(
      /RETENTION_CONTACT_RECORDS_DAYS/,
    );
    const floor = RECORD_RETENTION_FLOOR_DAYS;
    expect(floor).toBeGreaterThanOrEqual(3 * 365 + 1);
    expect(() =>
      validateEnvironment({ ...valid, RETENTION_CONTACT_RECORDS_DAYS: String(floor - 1) }),
    ).toThrow(/RETENTION_CONTACT_RECORDS_DAYS must not be less than/);
    expect(
      validateEnvironment({ ...valid, RETENTION_CONTACT_RECORDS_DAYS: String(floor) })
        .RETENTION_CONTACT_RECORDS_DAYS,
    ).toBe(floor);
    expect(validateEnvironment({ ...valid, RETENTION_CRON: 'off' }).RETENTION_CRON).toBe('off');
    expect(() => validateEnvironment({ ...valid, RETENTION_CRON: 'daily' })).toThrow(
      /RETENTION_CRON/,
    );
  });

  it('accepts the database as parts instead of a URL', () => {
    const env = validateEnvironment({
      MASTER_KEY: KEY,
      JWT_KEYS_DIR: '/tmp/jwt',
      DB_HOST: 'db',
      DB_USER: 'u',
      DB_NAME: 'cw',
    });
    expect(env.DB_HOST).toBe('db');
  });

  it("the migration step needs the schema owner's database and nothing of the service's", () => {
    const dir = mkdtempSync(join(tmpdir(), 'cw-env-'));
    const url = 'mysql://owner:secret-pw@db:3306/callwarden';
    writeFileSync(join(dir, 'url'), `${url}\n`);
    const env = validateMigrationEnvironment({
      NODE_ENV: 'production',
      MIGRATION_DATABASE_URL_FILE: join(dir, 'url'),
    });
    expect(env.MIGRATION_DATABASE_URL).toBe(url);
    // The service itself would refuse the same environment.
    expect(() =>
      validateEnvironment({ NODE_ENV: 'production', MIGRATION_DATABASE_URL: url }),
    ).toThrow(/DATABASE_URL is missing/);
    // What is set is still validated, and some database must be named.
    expect(() => validateMigrationEnvironment({ MIGRATION_DATABASE_URL: url, PORT: 'x' })).toThrow(
      /PORT/,
    );
    expect(() => validateMigrationEnvironment({ NODE_ENV: 'production' })).toThrow(
      /MIGRATION_DATABASE_URL is missing/,
    );
    expect(validateMigrationEnvironment({ DATABASE_URL: valid.DATABASE_URL }).DATABASE_URL).toBe(
      valid.DATABASE_URL,
    );
  });

  it('reads secrets from *_FILE variables', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cw-env-'));
    writeFileSync(join(dir, 'k'), `${KEY}\n`);
    const env = validateEnvironment({
      DATABASE_URL: valid.DATABASE_URL,
      JWT_KEYS_DIR: '/tmp/jwt',
      MASTER_KEY_FILE: join(dir, 'k'),
    });
    expect(env.MASTER_KEY).toBe(KEY);
  });

  it.each([
    [{ PORT: '70000' }, /^Invalid configuration: PORT/],
    [{ PORT: '3000abc' }, /PORT/],
    [{ NODE_ENV: 'prod' }, /NODE_ENV/],
    [{ DATABASE_URL: 'postgres://x@y/z' }, /DATABASE_URL/],
    [{ DATABASE_URL: undefined }, /DATABASE_URL is missing/],
    [{ MASTER_KEY: undefined }, /MASTER_KEY_FILE \(or MASTER_KEY\) is missing/],
    [{ MASTER_KEY: 'c2hvcnQ=' }, /MASTER_KEY must be 32 bytes/],
    [{ MASTER_KEY_FILE: '/x' }, /MASTER_KEY and MASTER_KEY_FILE are both set/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL/],
    [{ CORS_ORIGINS: 'example.com' }, /CORS_ORIGINS/],
  ])('rejects %j with a message naming the variable', (change, message) => {
    const run = () => validateEnvironment({ ...valid, ...change });
    expect(run).toThrow(ConfigError);
    expect(run).toThrow(message);
  });

  it.each([
    ['MASTER_KEY', { MASTER_KEY: 'not-a-valid-key-but-still-a-secret' }],
    [
      'MASTER_KEY_PREVIOUS',
      { MASTER_KEY_PREVIOUS: 'an-old-key-that-is-also-secret', MASTER_KEY_PREVIOUS_VERSION: 'v0' },
    ],
  ])('never puts a secret value into its message (%s)', (name, change) => {
    const secret = Object.values(change)[0];
    let error: unknown;
    try {
      validateEnvironment({ ...valid, ...change });
    } catch (e) {
      error = e;
    }
    // It must refuse the value (a pass here would prove nothing), name the variable, and not echo it.
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    expect(message).toContain(name);
    expect(message).not.toContain(secret);
    expect(message).not.toContain(secret.slice(0, 12));
  });

  describe('KMS provider', () => {
    const KEY_ARN = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const aws = {
      KMS_PROVIDER: 'aws',
      AWS_KMS_KEY_ID: 'alias/callwarden',
      AWS_REGION: 'us-east-1',
      MASTER_KEY: undefined,
    };

    it('defaults to the local master key, which stays required', () => {
      expect(validateEnvironment(valid).KMS_PROVIDER).toBe('local');
      expect(() => validateEnvironment({ ...valid, MASTER_KEY: undefined })).toThrow(
        'Invalid configuration: MASTER_KEY_FILE (or MASTER_KEY) is missing: 32 random bytes, base64',
      );
      expect(() => validateEnvironment({ ...valid, KMS_PROVIDER: 'vault' })).toThrow(
        /^Invalid configuration: KMS_PROVIDER must be local or aws$/,
      );
    });

    it('refuses AWS KMS settings while KMS_PROVIDER is local (keys would silently stay local)', () => {
      expect(() => validateEnvironment({ ...valid, AWS_KMS_KEY_ID: 'alias/callwarden' })).toThrow(
        'Invalid configuration: AWS_KMS_KEY_ID is set but KMS_PROVIDER is local: set KMS_PROVIDER=aws to use AWS KMS',
      );
      expect(() =>
        validateEnvironment({ ...valid, AWS_KMS_ENDPOINT: 'http://127.0.0.1:4566' }),
      ).toThrow(/AWS_KMS_ENDPOINT is set but KMS_PROVIDER is local/);
      // AWS_REGION alone is common in AWS (ECS and Lambda set it) and says nothing about keys.
      expect(validateEnvironment({ ...valid, AWS_REGION: 'us-east-1' }).AWS_REGION).toBe(
        'us-east-1',
      );
    });

    it('with aws needs the key and the region, and no master key', () => {
      const env = validateEnvironment({ ...valid, ...aws });
      expect([env.KMS_PROVIDER, env.AWS_KMS_KEY_ID, env.MASTER_KEY]).toEqual([
        'aws',
        'alias/callwarden',
        undefined,
      ]);
      for (const missing of ['AWS_KMS_KEY_ID', 'AWS_REGION'])
        expect(() => validateEnvironment({ ...valid, ...aws, [missing]: undefined })).toThrow(
          'Invalid configuration: AWS_KMS_KEY_ID and AWS_REGION are required (KMS_PROVIDER is aws)',
        );
      // A local master key may stay, to unwrap what it wrapped until crypto:rewrap is done.
      expect(validateEnvironment({ ...valid, ...aws, MASTER_KEY: KEY }).MASTER_KEY).toBe(KEY);
      expect(() =>
        validateEnvironment({
          ...valid,
          ...aws,
          MASTER_KEY_PREVIOUS: KEY,
          MASTER_KEY_PREVIOUS_VERSION: 'v0',
        }),
      ).toThrow(/MASTER_KEY_PREVIOUS is set without MASTER_KEY/);
    });

    it.each([
      ['1234abcd-12ab-34cd-56ef-1234567890ab'],
      ['mrk-1234abcd12ab34cd56ef1234567890ab'],
      [KEY_ARN],
      ['alias/team/callwarden_pii-1'],
      ['arn:aws:kms:us-east-1:111122223333:alias/callwarden'],
      ['arn:aws-us-gov:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab'],
    ])('accepts the key as %s', (keyId) => {
      expect(validateEnvironment({ ...valid, ...aws, AWS_KMS_KEY_ID: keyId }).AWS_KMS_KEY_ID).toBe(
        keyId,
      );
    });

    it.each([
      [{ AWS_KMS_KEY_ID: 'callwarden' }, /AWS_KMS_KEY_ID must be a KMS key id, key ARN, alias/],
      [{ AWS_KMS_KEY_ID: 'alias/' }, /AWS_KMS_KEY_ID must be/],
      [{ AWS_KMS_KEY_ID: 'arn:aws:kms:us-east-1:1111:key/x' }, /AWS_KMS_KEY_ID must be/],
      [{ AWS_KMS_PREVIOUS_KEY_ID: 'old key' }, /AWS_KMS_PREVIOUS_KEY_ID must be/],
      [{ AWS_REGION: 'US East' }, /AWS_REGION must be an AWS region such as us-east-1/],
      [{ AWS_KMS_ENDPOINT: 'kms.local' }, /AWS_KMS_ENDPOINT must be an http\(s\) origin/],
      [
        { AWS_KMS_ENDPOINT: 'https://kms.local/path' },
        /AWS_KMS_ENDPOINT must be an http\(s\) origin/,
      ],
      [
        { AWS_KMS_PREVIOUS_KEY_ID: 'alias/callwarden' },
        /AWS_KMS_PREVIOUS_KEY_ID must differ from AWS_KMS_KEY_ID/,
      ],
      [
        { AWS_KMS_KEY_ID: KEY_ARN.replace('us-east-1', 'eu-west-1') },
        /^Invalid configuration: AWS_KMS_KEY_ID is a key in eu-west-1 but AWS_REGION is us-east-1$/,
      ],
      [
        { AWS_KMS_PREVIOUS_KEY_ID: 'arn:aws:kms:us-west-2:111122223333:alias/old' },
        /AWS_KMS_PREVIOUS_KEY_ID is a key in us-west-2 but AWS_REGION is us-east-1/,
      ],
    ])('refuses %j', (change, message) => {
      const run = () => validateEnvironment({ ...valid, ...aws, ...change });
      expect(run).toThrow(ConfigError);
      expect(run).toThrow(message);
    });

    it('takes an endpoint override (http only outside production)', () => {
      const endpoint = { AWS_KMS_ENDPOINT: 'http://127.0.0.1:4566' };
      expect(validateEnvironment({ ...valid, ...aws, ...endpoint }).AWS_KMS_ENDPOINT).toBe(
        'http://127.0.0.1:4566',
      );
      expect(() => validateEnvironment({ ...production, ...aws, ...endpoint })).toThrow(
        'Invalid configuration: AWS_KMS_ENDPOINT must use https in production',
      );
      const vpc = { AWS_KMS_ENDPOINT: 'https://vpce-0a1b.kms.us-east-1.vpce.amazonaws.com' };
      expect(validateEnvironment({ ...production, ...aws, ...vpc }).AWS_KMS_ENDPOINT).toBe(
        vpc.AWS_KMS_ENDPOINT,
      );
    });
  });

  describe('provider adapters', () => {
    const twilio = {
      SMS_PROVIDER: 'twilio',
      TWILIO_ACCOUNT_SID: `AC${'ab'.repeat(16)}`,
      TWILIO_AUTH_TOKEN: 'cd'.repeat(16),
    };
    const smtp = {
      EMAIL_PROVIDER: 'smtp',
      SMTP_URL: 'smtp://mail.example.com:587',
      EMAIL_FROM: 'Acme Recovery <notices@acme.example>',
    };

    it('defaults both channels to the relay', () => {
      const env = validateEnvironment(valid);
      expect([env.SMS_PROVIDER, env.EMAIL_PROVIDER]).toEqual(['relay', 'relay']);
    });

    it('needs the Twilio account and token for twilio, and never echoes the token', () => {
      expect(validateEnvironment({ ...valid, ...twilio }).SMS_PROVIDER).toBe('twilio');
      expect(() =>
        validateEnvironment({ ...valid, ...twilio, TWILIO_AUTH_TOKEN: undefined }),
      ).toThrow(/TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN\(_FILE\) are required/);
      expect(() =>
        validateEnvironment({ ...valid, ...twilio, TWILIO_ACCOUNT_SID: 'AC123' }),
      ).toThrow(/TWILIO_ACCOUNT_SID must be AC followed by 32/);
      const secret = 'not-a-token-but-secret';
      let message = '';
      try {
        validateEnvironment({ ...valid, ...twilio, TWILIO_AUTH_TOKEN: secret });
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).toMatch(/TWILIO_AUTH_TOKEN must be 32/);
      expect(message).not.toContain(secret);
      expect(() => validateEnvironment({ ...valid, SMS_PROVIDER: 'sns' })).toThrow(/SMS_PROVIDER/);
      expect(() =>
        validateEnvironment({ ...production, ...twilio, TWILIO_API_BASE_URL: 'http://fake' }),
      ).toThrow(/TWILIO_API_BASE_URL must use https in production/);
      expect(() =>
        validateEnvironment({ ...valid, ...twilio, TWILIO_API_BASE_URL: 'http://fake/path' }),
      ).toThrow(/TWILIO_API_BASE_URL must be an http\(s\) origin/);
      expect(() => validateEnvironment({ ...valid, TWILIO_DEFAULT_FROM: '5550100' })).toThrow(
        /TWILIO_DEFAULT_FROM must be an E.164 number/,
      );
    });

    it('reads the Twilio token from a file', () => {
      const dir = mkdtempSync(join(tmpdir(), 'cw-twilio-'));
      writeFileSync(join(dir, 'token'), `${'ef'.repeat(16)}\n`);
      const env = validateEnvironment({
        ...valid,
        ...twilio,
        TWILIO_AUTH_TOKEN: undefined,
        TWILIO_AUTH_TOKEN_FILE: join(dir, 'token'),
      });
      expect(env.TWILIO_AUTH_TOKEN).toBe('ef'.repeat(16));
    });

    it('needs SMTP_URL and EMAIL_FROM for smtp, a password with a user, and none in the URL', () => {
      expect(validateEnvironment({ ...valid, ...smtp }).SMTP_URL).toBe(smtp.SMTP_URL);
      expect(() => validateEnvironment({ ...valid, ...smtp, EMAIL_FROM: undefined })).toThrow(
        /SMTP_URL and EMAIL_FROM are required/,
      );
      expect(() =>
        validateEnvironment({ ...valid, ...smtp, SMTP_URL: 'smtp://user:pw@mail.example.com' }),
      ).toThrow(/SMTP_URL must be smtp:\/\/\[user@\]host/);
      expect(() =>
        validateEnvironment({ ...valid, ...smtp, SMTP_URL: 'smtps://user@mail.example.com' }),
      ).toThrow(/SMTP_PASSWORD\(_FILE\) is missing/);
      expect(
        validateEnvironment({
          ...valid,
          ...smtp,
          SMTP_URL: 'smtps://user@mail.example.com',
          SMTP_PASSWORD: 'pw',
        }).SMTP_PASSWORD,
      ).toBe('pw');
      expect(() => validateEnvironment({ ...valid, ...smtp, SMTP_PASSWORD: 'pw' })).toThrow(
        /SMTP_URL names no user/,
      );
      expect(() => validateEnvironment({ ...valid, ...smtp, EMAIL_FROM: 'notices' })).toThrow(
        /EMAIL_FROM must be/,
      );
      expect(
        validateEnvironment({ ...valid, ...smtp, EMAIL_FROM: 'notices@acme.example' }).EMAIL_FROM,
      ).toBe('notices@acme.example');
    });

    it('signs with DKIM only with domain, selector and a readable private key together', () => {
      const dir = mkdtempSync(join(tmpdir(), 'cw-dkim-'));
      const keyFile = join(dir, 'dkim.pem');
      writeFileSync(
        keyFile,
        generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({
          type: 'pkcs8',
          format: 'pem',
        }),
      );
      const dkim = {
        DKIM_DOMAIN: 'acme.example',
        DKIM_SELECTOR: 's1',
        DKIM_PRIVATE_KEY_FILE: keyFile,
      };
      expect(validateEnvironment({ ...valid, ...smtp, ...dkim }).DKIM_SELECTOR).toBe('s1');
      expect(() =>
        validateEnvironment({ ...valid, ...smtp, ...dkim, DKIM_SELECTOR: undefined }),
      ).toThrow(/set all three or none/);
      expect(() =>
        validateEnvironment({ ...valid, ...dkim, DKIM_PRIVATE_KEY_FILE: join(dir, 'missing') }),
      ).toThrow(/DKIM_PRIVATE_KEY_FILE names a file that cannot be read/);
      writeFileSync(join(dir, 'not-a-key'), 'hello');
      expect(() =>
        validateEnvironment({ ...valid, ...dkim, DKIM_PRIVATE_KEY_FILE: join(dir, 'not-a-key') }),
      ).toThrow(/DKIM_PRIVATE_KEY_FILE does not hold a PEM private key/);
      expect(() => validateEnvironment({ ...valid, ...dkim, DKIM_DOMAIN: 'not a domain' })).toThrow(
        /DKIM_DOMAIN must be a domain name/,
      );
    });
  });
});
