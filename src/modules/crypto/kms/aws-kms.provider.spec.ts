import { randomBytes, randomUUID } from 'node:crypto';
import { EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { Logger } from '@nestjs/common';
import { FakeCmk, FakeKms } from '../../../../test/utils/fake-kms';
import type { AppConfigService } from '../../../core/config/app-config.service';
import { ConfigError } from '../../../core/config/environment';
import { CryptoErrorCode, CryptoException } from '../crypto.exception';
import {
  AwsKmsOptions,
  AwsKmsProvider,
  encryptionContextOf,
  kmsKeyLabel,
} from './aws-kms.provider';
import type { WrapContext } from './kms-provider';
import { LocalKmsProvider } from './local-kms.provider';

const CREDENTIALS = { accessKeyId: 'AKIAFAKEKMSTEST00001', secretAccessKey: 'fake-secret-for-kms' };
const REGION = 'us-east-1';
const PII: WrapContext = { purpose: 'pii', version: 3, subjectId: null };

describe('AwsKmsProvider (against a local KMS that checks every request)', () => {
  const kms = new FakeKms(CREDENTIALS, REGION);
  let started: AwsKmsProvider[] = [];
  let cmk: FakeCmk;

  const logged = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
  const errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);

  beforeAll(() => kms.start());
  afterAll(async () => {
    logged.mockRestore();
    errors.mockRestore();
    await kms.stop();
  });
  beforeEach(() => {
    kms.requests.length = 0;
    kms.failNext = undefined;
    cmk = kms.createKey(`alias/callwarden-${randomUUID().slice(0, 8)}`);
  });
  afterEach(() => {
    started.forEach((p) => p.onModuleDestroy());
    started = [];
  });

  /** A provider against the fake, started (DescribeKey) unless told otherwise. */
  async function provider(
    options: Partial<AwsKmsOptions> = {},
    start = true,
  ): Promise<AwsKmsProvider> {
    const p = new AwsKmsProvider({
      keyId: cmk.aliases[0],
      region: REGION,
      endpoint: kms.url,
      credentials: CREDENTIALS,
      ...options,
    });
    started.push(p);
    if (start) await p.onModuleInit();
    return p;
  }

  /** The error a promise rejects with (a test fails if it resolves). */
  async function failure(promise: Promise<unknown>): Promise<Error> {
    try {
      await promise;
    } catch (e) {
      return e as Error;
    }
    throw new Error('expected a failure');
  }

  it('resolves the configured alias at start and labels wraps with the key id (fits 32 chars)', async () => {
    const p = await provider();
    expect(kms.calls('DescribeKey')).toEqual([
      expect.objectContaining({ keyId: cmk.aliases[0], keyArn: cmk.arn }),
    ]);
    expect(p.currentVersion()).toBe(cmk.keyId.replaceAll('-', ''));
    expect(p.currentVersion()).toHaveLength(32);
    expect(p.canUnwrap(p.currentVersion())).toBe(true);
    expect(p.canUnwrap('v1')).toBe(false);
    expect(logged).toHaveBeenCalledWith(
      `AWS KMS: new data keys under ${cmk.arn} (version ${p.currentVersion()})`,
    );
  });

  it('wraps with Encrypt and unwraps with Decrypt pinned to the key, the wrap context as encryption context', async () => {
    const p = await provider();
    const plain = randomBytes(32);
    const wrapped = await p.wrap(plain, PII);
    expect(wrapped.length).toBeLessThanOrEqual(255);
    expect(wrapped.includes(plain)).toBe(false);
    const expected = { purpose: 'pii', version: '3', subject: 'none' };
    expect(kms.calls('Encrypt')).toEqual([
      expect.objectContaining({ keyId: cmk.arn, encryptionContext: expected }),
    ]);
    expect(await p.unwrap(wrapped, p.currentVersion(), PII)).toEqual(plain);
    expect(kms.calls('Decrypt')).toEqual([
      expect.objectContaining({ keyId: cmk.arn, encryptionContext: expected }),
    ]);
  });

  it("binds a subject key to its subject: the context names it, and another subject's context does not decrypt", async () => {
    const p = await provider();
    const subject: WrapContext = { purpose: 'subject', version: 1, subjectId: randomUUID() };
    const wrapped = await p.wrap(randomBytes(32), subject);
    expect(kms.calls('Encrypt')[0].encryptionContext).toEqual({
      purpose: 'subject',
      version: '1',
      subject: subject.subjectId,
    });
    const other = { ...subject, subjectId: randomUUID() };
    const error = await failure(p.unwrap(wrapped, p.currentVersion(), other));
    expect(error).toBeInstanceOf(CryptoException);
    expect((error as CryptoException).reason).toBe(CryptoErrorCode.MASTER_KEY_UNAVAILABLE);
    expect(error.message).toBe(
      `A data key (subject v1) does not decrypt under KMS key ${cmk.arn} with its encryption context (InvalidCiphertextException): it was wrapped for another key row, or is damaged`,
    );
  });

  it.each([
    ['another purpose', { purpose: 'audit' }],
    ['another version', { version: 4 }],
    ['a subject', { subjectId: '7b0c7a1e-2f4b-4c55-9b1a-0a9d5e3c1f00' }],
  ])(
    'refuses a wrapped key copied to %s (InvalidCiphertextException from KMS)',
    async (_, change) => {
      const p = await provider();
      const wrapped = await p.wrap(randomBytes(32), PII);
      const error = await failure(p.unwrap(wrapped, p.currentVersion(), { ...PII, ...change }));
      expect(error).toBeInstanceOf(CryptoException);
      expect(error.message).toMatch(
        /does not decrypt under KMS key .* with its encryption context/,
      );
      expect(kms.requests.at(-1)).toMatchObject({
        operation: 'Decrypt',
        status: 400,
        error: 'InvalidCiphertextException',
      });
    },
  );

  it('makes new data keys with GenerateDataKey under the same context', async () => {
    const p = await provider();
    const { plainKey, wrapped } = await p.generateDataKey(PII);
    expect(plainKey).toHaveLength(32);
    expect(kms.calls('GenerateDataKey')).toEqual([
      expect.objectContaining({ keyId: cmk.arn, encryptionContext: encryptionContextOf(PII) }),
    ]);
    expect(await p.unwrap(wrapped, p.currentVersion(), PII)).toEqual(plainKey);
    await expect(p.unwrap(wrapped, p.currentVersion(), { ...PII, version: 2 })).rejects.toThrow(
      /InvalidCiphertextException/,
    );
  });

  describe('a wrong key id fails at start, naming the variable', () => {
    it.each([
      ['an alias nobody made', 'alias/no-such-key'],
      ['a key id that does not exist', randomUUID()],
    ])('%s', async (_, keyId) => {
      const error = await failure(provider({ keyId }));
      expect(error).toBeInstanceOf(ConfigError);
      expect(error.message).toBe(
        `Refusing to start: AWS_KMS_KEY_ID (${keyId}) names no KMS key in us-east-1 (NotFoundException)`,
      );
    });

    it('the previous key too', async () => {
      const error = await failure(provider({ previousKeyId: 'alias/gone' }));
      expect(error).toBeInstanceOf(ConfigError);
      expect(error.message).toMatch(/^Refusing to start: AWS_KMS_PREVIOUS_KEY_ID \(alias\/gone\)/);
    });

    it('and the same key named twice', async () => {
      const error = await failure(provider({ previousKeyId: cmk.arn }));
      expect(error.message).toBe(
        `Invalid configuration: AWS_KMS_PREVIOUS_KEY_ID names the same KMS key as AWS_KMS_KEY_ID (${cmk.arn})`,
      );
    });

    it('a disabled key', async () => {
      cmk.state = 'Disabled';
      const error = await failure(provider());
      expect(error).toBeInstanceOf(ConfigError);
      expect(error.message).toMatch(/is KMS key .*, whose state is Disabled: it must be Enabled/);
    });

    it('nothing works before start', async () => {
      const p = await provider({}, false);
      expect(() => p.currentVersion()).toThrow(/not started/);
      await expect(p.wrap(randomBytes(32), PII)).rejects.toThrow(/not started/);
    });
  });

  it('a key deleted after start fails its first use clearly', async () => {
    const p = await provider();
    kms.deleteKey(cmk);
    const error = await failure(p.wrap(randomBytes(32), PII));
    expect(error).toBeInstanceOf(CryptoException);
    expect(error.message).toBe(
      `KMS key ${cmk.arn} was not found (Encrypt: NotFoundException): deleted, or not in this region?`,
    );
  });

  it.each([
    ['Disabled', /^KMS key \S+ is disabled \(Decrypt: DisabledException\)$/],
    ['PendingDeletion', /^KMS key \S+ is not usable \(Decrypt: KMSInvalidStateException\)/],
  ] as const)('a key %s after start fails its use clearly', async (state, message) => {
    const p = await provider();
    const wrapped = await p.wrap(randomBytes(32), PII);
    cmk.state = state;
    await expect(p.unwrap(wrapped, p.currentVersion(), PII)).rejects.toThrow(message);
  });

  describe('a denied key or context', () => {
    it('a key policy without us stops the start', async () => {
      cmk.denied = true;
      const error = await failure(provider());
      expect(error).toBeInstanceOf(ConfigError);
      expect(error.message).toMatch(
        /^Refusing to start: AWS KMS denied kms:DescribeKey on AWS_KMS_KEY_ID \(alias\/callwarden-\w+\) \(AccessDeniedException\)/,
      );
    });

    it('a denial after start fails the use, naming the operation and the data key', async () => {
      const p = await provider();
      const wrapped = await p.wrap(randomBytes(32), PII);
      cmk.denied = true;
      const error = await failure(p.unwrap(wrapped, p.currentVersion(), PII));
      expect(error).toBeInstanceOf(CryptoException);
      expect(error.message).toBe(
        `AWS KMS denied kms:Decrypt on KMS key ${cmk.arn} for a data key (pii v3) (AccessDeniedException): see the key policy, the IAM policy and their encryption-context conditions`,
      );
    });

    it('an encryption-context condition denies the contexts it does not allow', async () => {
      cmk.allowContext = (context) => context.purpose !== 'audit';
      const p = await provider();
      await expect(p.wrap(randomBytes(32), PII)).resolves.toBeInstanceOf(Buffer);
      await expect(
        p.wrap(randomBytes(32), { purpose: 'audit', version: 1, subjectId: null }),
      ).rejects.toThrow(/AWS KMS denied kms:Encrypt .* for a data key \(audit v1\)/);
    });

    it('the fake itself refuses a call without an encryption context (so the provider must send one)', async () => {
      const client = new KMSClient({ region: REGION, endpoint: kms.url, credentials: CREDENTIALS });
      try {
        const bare = client.send(
          new EncryptCommand({ KeyId: cmk.arn, Plaintext: randomBytes(32) }),
        );
        await expect(bare).rejects.toMatchObject({ name: 'AccessDeniedException' });
      } finally {
        client.destroy();
      }
    });
  });

  it('switching keys: the previous key still unwraps what it wrapped, new wraps go to the new one', async () => {
    const before = await provider();
    const plain = randomBytes(32);
    const old = await before.wrap(plain, PII);
    const oldVersion = before.currentVersion();

    const next = kms.createKey();
    const during = await provider({ keyId: next.arn, previousKeyId: cmk.aliases[0] });
    expect(during.currentVersion()).toBe(next.keyId.replaceAll('-', ''));
    expect(during.canUnwrap(oldVersion)).toBe(true);
    kms.requests.length = 0;
    expect(await during.unwrap(old, oldVersion, PII)).toEqual(plain);
    expect(kms.calls('Decrypt')[0].keyId).toBe(cmk.arn);
    await during.wrap(plain, PII);
    expect(kms.calls('Encrypt')[0].keyId).toBe(next.arn);

    // Once the previous key is dropped, what it wrapped names a version nobody can unwrap.
    const after = await provider({ keyId: next.arn });
    expect(after.canUnwrap(oldVersion)).toBe(false);
    await expect(after.unwrap(old, oldVersion, PII)).rejects.toThrow(
      `A data key (pii v3) is wrapped under master key ${oldVersion}, which is neither AWS_KMS_KEY_ID nor AWS_KMS_PREVIOUS_KEY_ID (nor a local master key)`,
    );
  });

  it('KMS-side rotation of key material changes nothing here: same label, old wraps still unwrap', async () => {
    const p = await provider();
    const plain = randomBytes(32);
    const wrapped = await p.wrap(plain, PII);
    const label = p.currentVersion();
    kms.rotateKeyMaterial(cmk);
    const later = await provider();
    expect(later.currentVersion()).toBe(label);
    expect(await later.unwrap(wrapped, label, PII)).toEqual(plain);
    expect(await later.unwrap(await later.wrap(plain, PII), label, PII)).toEqual(plain);
  });

  it('moving from the local master key: its data keys unwrap locally, new wraps go to AWS KMS', async () => {
    const env: Record<string, string> = {
      MASTER_KEY: randomBytes(32).toString('base64'),
      MASTER_KEY_VERSION: 'v1',
    };
    const config = { get: (name: string) => env[name] } as unknown as AppConfigService;
    const local = new LocalKmsProvider(config);
    const plain = randomBytes(32);
    const legacy = await local.wrap(plain, PII);

    const p = await provider({ fallback: local });
    expect(p.canUnwrap('v1')).toBe(true);
    kms.requests.length = 0;
    expect(await p.unwrap(legacy, 'v1', PII)).toEqual(plain);
    expect(kms.requests).toEqual([]);
    await p.wrap(plain, PII);
    expect(kms.calls('Encrypt')).toHaveLength(1);
    expect(p.currentVersion()).not.toBe('v1');
  });

  describe('credentials and availability', () => {
    it('an unknown access key stops the start with a clear line (the SDK signs; the fake checks)', async () => {
      const error = await failure(
        provider({ credentials: { ...CREDENTIALS, accessKeyId: 'AKIAUNKNOWN000000000' } }),
      );
      expect(error).toBeInstanceOf(ConfigError);
      expect(error.message).toMatch(
        /^Refusing to start: AWS KMS refused the credentials \(UnrecognizedClientException\)/,
      );
    });

    it('a wrong secret key is a bad signature', async () => {
      const error = await failure(
        provider({ credentials: { ...CREDENTIALS, secretAccessKey: 'not-the-secret' } }),
      );
      expect(error.message).toMatch(/refused the credentials \(InvalidSignatureException\)/);
    });

    it('a signature for another region is refused', async () => {
      const error = await failure(provider({ region: 'eu-west-1' }));
      expect(error.message).toMatch(/InvalidSignatureException/);
    });

    it('retries a throttled call, and reports KMS out of reach as unavailable', async () => {
      const p = await provider();
      kms.failNext = { type: 'ThrottlingException', status: 400, times: 1 };
      await expect(p.wrap(randomBytes(32), PII)).resolves.toBeInstanceOf(Buffer);
      expect(kms.requests.filter((r) => r.error === 'ThrottlingException')).toHaveLength(1);

      kms.failNext = { type: 'KMSInternalException', status: 500, times: 3 };
      const busy = await failure(p.wrap(randomBytes(32), PII));
      expect(busy.message).toBe(
        `AWS KMS is unavailable: Encrypt on KMS key ${cmk.arn} failed (KMSInternalException); try again later`,
      );

      const down = new FakeKms(CREDENTIALS, REGION);
      await down.start();
      const url = down.url;
      await down.stop();
      const unreachable = await provider({ endpoint: url }, false);
      const error = await failure(unreachable.onModuleInit());
      expect(error).toBeInstanceOf(CryptoException);
      expect(error.message).toMatch(
        /^AWS KMS is unavailable: DescribeKey on AWS_KMS_KEY_ID \(alias\/[\w-]+\) failed \(ECONNREFUSED\)/,
      );
      // Not a configuration refusal (exit 78, printed by main): the entry point says only "failed
      // to start", so the reason is logged first.
      expect(errors).toHaveBeenCalledWith(error.message);
    });
  });

  it('never puts key material into an error', async () => {
    const p = await provider();
    const plain = randomBytes(32);
    const wrapped = await p.wrap(plain, PII);
    const error = await failure(p.unwrap(wrapped, p.currentVersion(), { ...PII, version: 9 }));
    for (const secret of [plain, wrapped])
      for (const encoding of ['base64', 'hex'] as const)
        expect(error.message).not.toContain(secret.toString(encoding).slice(0, 16));
  });
});

describe('kmsKeyLabel', () => {
  it.each([
    ['1234abcd-12ab-34cd-56ef-1234567890ab', '1234abcd12ab34cd56ef1234567890ab'],
    ['mrk-1234abcd12ab34cd56ef1234567890ab', '1234abcd12ab34cd56ef1234567890ab'],
  ])('%s -> %s', (keyId, label) => expect(kmsKeyLabel(keyId)).toBe(label));

  it('digests a key id of another shape into 32 characters, one per key', () => {
    const a = kmsKeyLabel('some-future-key-id-format-that-is-long');
    expect(a).toMatch(/^sha256:[0-9a-f]{25}$/);
    expect(a).toHaveLength(32);
    expect(kmsKeyLabel('some-future-key-id-format-that-is-lonG')).not.toBe(a);
  });
});
