import { createHash } from 'node:crypto';
import {
  DecryptCommand,
  DescribeKeyCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  KMSClient,
  type KMSClientConfig,
} from '@aws-sdk/client-kms';
import { Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { ConfigError } from '../../../core/config/environment';
import { CryptoErrorCode, CryptoException } from '../crypto.exception';
import { KEY_BYTES } from '../utils/aes-gcm';
import { KmsProvider, WrapContext } from './kms-provider';

export interface AwsKmsOptions {
  /** AWS_KMS_KEY_ID: the key new data keys are wrapped under (key id, key ARN, alias or alias ARN). */
  keyId: string;
  /** AWS_KMS_PREVIOUS_KEY_ID: after a switch of keys, the old one, still used to unwrap. */
  previousKeyId?: string;
  region: string;
  /** AWS_KMS_ENDPOINT: an endpoint override (a VPC endpoint, LocalStack, a test's fake). */
  endpoint?: string;
  /**
   * Unwraps the data keys whose master key version is none of the AWS keys: the local master key
   * while moving from `local` to `aws`, until `crypto:rewrap` has re-wrapped them all.
   */
  fallback?: KmsProvider;
  /** Tests only. Unset, the SDK's default chain finds the credentials (env, profile, role). */
  credentials?: KMSClientConfig['credentials'];
}

/**
 * The encryption-context value of `subject` for a key of no subject (the shared purpose keys).
 * Subject ids are UUIDs, so no subject can be called this.
 */
export const NO_SUBJECT = 'none';

/**
 * The encryption context of a wrap: what the data key is for, bound into the ciphertext by KMS (a
 * wrapped key copied to another row does not decrypt) and readable by IAM conditions
 * (`kms:EncryptionContext:purpose`) and in CloudTrail. Values are strings, as KMS requires.
 */
export function encryptionContextOf(context: WrapContext): Record<string, string> {
  return {
    purpose: context.purpose,
    version: String(context.version),
    subject: context.subjectId ?? NO_SUBJECT,
  };
}

/**
 * The master key version recorded with each data key wrapped under a KMS key: the key's own id
 * (what DescribeKey answers, however AWS_KMS_KEY_ID names it) without dashes and without the
 * `mrk-` of a multi-Region key: 32 hex digits, which fit `crypto_keys.master_key_version`
 * (32 characters; an ARN or a dashed key id would not). The label follows the key, not its name:
 * an alias moved to another key gives a new label, so `crypto:rewrap` sees what is left to move.
 */
export function kmsKeyLabel(keyId: string): string {
  const hex = keyId.replace(/^mrk-/, '').replaceAll('-', '');
  if (/^[0-9a-f]{32}$/.test(hex)) return hex;
  // Not a key id format we know: a digest keeps the label short and still one per key.
  return `sha256:${createHash('sha256').update(keyId).digest('hex').slice(0, 25)}`;
}

/** What `crypto_keys.wrapped_key` holds (varbinary 255). KMS answers ~184 bytes for a 32-byte key. */
const MAX_WRAPPED_BYTES = 255;

/** Errors that say the service could not answer now: worth a retry later, not a configuration fix. */
const TRANSIENT = new Set([
  'ThrottlingException',
  'LimitExceededException',
  'KMSInternalException',
  'DependencyTimeoutException',
  'KeyUnavailableException',
  'ServiceUnavailable',
  'TimeoutError',
  'RequestTimeout',
]);

/** Errors that say the credentials (the SDK's default chain) are missing or wrong. */
const CREDENTIALS = new Set([
  'CredentialsProviderError',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'IncompleteSignatureException',
  'MissingAuthenticationTokenException',
  'ExpiredTokenException',
  'InvalidClientTokenId',
]);

interface KmsKey {
  /** The variable that names it, for messages. */
  variable: 'AWS_KMS_KEY_ID' | 'AWS_KMS_PREVIOUS_KEY_ID';
  /** The key's ARN, from DescribeKey: every call names the key by it. */
  arn: string;
  label: string;
}

type Operation = 'Encrypt' | 'Decrypt' | 'GenerateDataKey' | 'DescribeKey';

/**
 * AWS KMS as the master key store: data keys are wrapped with `Encrypt` (or made by
 * `GenerateDataKey`) under AWS_KMS_KEY_ID and unwrapped with `Decrypt` pinned to the key that
 * wrapped them, always with the wrap context as encryption context. AWS_KMS_PREVIOUS_KEY_ID, during
 * a switch of keys, still unwraps. At start (`onModuleInit`) both keys are resolved with
 * DescribeKey: a wrong key id, a key in another region, a disabled or asymmetric key, missing
 * credentials or a denied DescribeKey stop the boot with one line naming the variable (exit 78)
 * rather than failing the first request that needs a key. (The keyring then unwraps the active
 * data keys, which proves Decrypt under their contexts; Encrypt is proved by the first new key.)
 * Errors never carry key material or the service's own message, only its error name.
 */
export class AwsKmsProvider implements KmsProvider, OnModuleInit, OnModuleDestroy {
  readonly name = 'aws';
  private readonly logger = new Logger(AwsKmsProvider.name);
  private readonly client: KMSClient;
  private readonly keys = new Map<string, KmsKey>();
  private current?: KmsKey;

  constructor(private readonly options: AwsKmsOptions) {
    this.client = new KMSClient({
      region: options.region,
      endpoint: options.endpoint,
      credentials: options.credentials,
      maxAttempts: 3,
      // A KMS that does not answer fails the request (and is retried) instead of holding it.
      requestHandler: { connectionTimeout: 3_000, requestTimeout: 10_000 },
    });
  }

  async onModuleInit(): Promise<void> {
    const current = await this.describe('AWS_KMS_KEY_ID', this.options.keyId);
    const previous = this.options.previousKeyId
      ? await this.describe('AWS_KMS_PREVIOUS_KEY_ID', this.options.previousKeyId)
      : undefined;
    if (previous && previous.label === current.label)
      throw new ConfigError(
        `Invalid configuration: AWS_KMS_PREVIOUS_KEY_ID names the same KMS key as AWS_KMS_KEY_ID (${current.arn})`,
      );
    for (const key of [current, previous]) {
      if (key && this.options.fallback?.canUnwrap(key.label))
        throw new ConfigError(
          `Invalid configuration: the version label of ${key.variable} (${key.label}) is also a local master key version`,
        );
    }
    this.keys.clear();
    for (const key of [current, previous]) if (key) this.keys.set(key.label, key);
    this.current = current;
    this.logger.log(
      `AWS KMS: new data keys under ${current.arn} (version ${current.label})` +
        (previous ? `; ${previous.arn} (version ${previous.label}) still unwraps` : ''),
    );
  }

  onModuleDestroy(): void {
    this.client.destroy();
  }

  currentVersion(): string {
    return this.currentKey().label;
  }

  canUnwrap(masterKeyVersion: string): boolean {
    return this.keys.has(masterKeyVersion) || !!this.options.fallback?.canUnwrap(masterKeyVersion);
  }

  async wrap(plainKey: Buffer, context: WrapContext): Promise<Buffer> {
    const key = this.currentKey();
    const out = await this.call('Encrypt', key, context, () =>
      this.client.send(
        new EncryptCommand({
          KeyId: key.arn,
          Plaintext: plainKey,
          EncryptionContext: encryptionContextOf(context),
        }),
      ),
    );
    return this.wrappedOf(out.CiphertextBlob, 'Encrypt', key);
  }

  async generateDataKey(context: WrapContext): Promise<{ plainKey: Buffer; wrapped: Buffer }> {
    const key = this.currentKey();
    const out = await this.call('GenerateDataKey', key, context, () =>
      this.client.send(
        new GenerateDataKeyCommand({
          KeyId: key.arn,
          KeySpec: 'AES_256',
          EncryptionContext: encryptionContextOf(context),
        }),
      ),
    );
    const wrapped = this.wrappedOf(out.CiphertextBlob, 'GenerateDataKey', key);
    return { plainKey: plainKeyOf(out.Plaintext, 'GenerateDataKey', key), wrapped };
  }

  async unwrap(wrapped: Buffer, masterKeyVersion: string, context: WrapContext): Promise<Buffer> {
    this.currentKey();
    const key = this.keys.get(masterKeyVersion);
    if (!key) {
      const fallback = this.options.fallback;
      if (fallback?.canUnwrap(masterKeyVersion))
        return fallback.unwrap(wrapped, masterKeyVersion, context);
      throw new CryptoException(
        CryptoErrorCode.MASTER_KEY_UNAVAILABLE,
        `A data key (${context.purpose} v${context.version}) is wrapped under master key ${masterKeyVersion}, which is neither AWS_KMS_KEY_ID nor AWS_KMS_PREVIOUS_KEY_ID (nor a local master key)`,
      );
    }
    const out = await this.call('Decrypt', key, context, () =>
      this.client.send(
        new DecryptCommand({
          // Pinned: KMS refuses a ciphertext of any other key (IncorrectKeyException).
          KeyId: key.arn,
          CiphertextBlob: wrapped,
          EncryptionContext: encryptionContextOf(context),
        }),
      ),
    );
    return plainKeyOf(out.Plaintext, 'Decrypt', key);
  }

  private currentKey(): KmsKey {
    if (!this.current)
      throw new CryptoException(
        CryptoErrorCode.MASTER_KEY_UNAVAILABLE,
        'The AWS KMS provider is not started (its keys are resolved when the module starts)',
      );
    return this.current;
  }

  /** DescribeKey at start: the key exists, is enabled and symmetric; its ARN and label. */
  private async describe(variable: KmsKey['variable'], keyId: string): Promise<KmsKey> {
    const named = `${variable} (${keyId})`;
    let out;
    try {
      out = await this.client.send(new DescribeKeyCommand({ KeyId: keyId }));
    } catch (e) {
      const name = errorName(e);
      if (name === 'NotFoundException')
        throw new ConfigError(
          `Refusing to start: ${named} names no KMS key in ${this.options.region} (NotFoundException)`,
        );
      if (name === 'AccessDeniedException')
        throw new ConfigError(
          `Refusing to start: AWS KMS denied kms:DescribeKey on ${named} (AccessDeniedException): grant kms:DescribeKey, kms:Encrypt, kms:Decrypt and kms:GenerateDataKey on it`,
        );
      if (CREDENTIALS.has(name))
        throw new ConfigError(
          `Refusing to start: AWS KMS refused the credentials (${name}): the SDK's default chain (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or the instance or task role) found none that KMS accepts`,
        );
      const failure = kmsFailure(e, 'DescribeKey', named);
      this.logger.error(failure.message);
      throw failure;
    }
    const meta = out.KeyMetadata;
    if (!meta?.Arn || !meta.KeyId)
      throw new CryptoException(
        CryptoErrorCode.MASTER_KEY_UNAVAILABLE,
        `AWS KMS answered DescribeKey for ${named} without the key's ARN`,
      );
    if (meta.KeyState !== 'Enabled')
      throw new ConfigError(
        `Refusing to start: ${named} is KMS key ${meta.Arn}, whose state is ${meta.KeyState ?? 'unknown'}: it must be Enabled to encrypt and decrypt`,
      );
    if (meta.KeyUsage !== 'ENCRYPT_DECRYPT' || meta.KeySpec !== 'SYMMETRIC_DEFAULT')
      throw new ConfigError(
        `Refusing to start: ${named} is KMS key ${meta.Arn} (${meta.KeySpec ?? '?'}, ${meta.KeyUsage ?? '?'}): it must be a SYMMETRIC_DEFAULT ENCRYPT_DECRYPT key`,
      );
    return { variable, arn: meta.Arn, label: kmsKeyLabel(meta.KeyId) };
  }

  private async call<T>(
    operation: Operation,
    key: KmsKey,
    context: WrapContext,
    send: () => Promise<T>,
  ): Promise<T> {
    try {
      return await send();
    } catch (e) {
      throw kmsFailure(e, operation, `KMS key ${key.arn}`, context);
    }
  }

  private wrappedOf(blob: Uint8Array | undefined, operation: Operation, key: KmsKey): Buffer {
    if (!blob?.length)
      throw new CryptoException(
        CryptoErrorCode.MASTER_KEY_UNAVAILABLE,
        `AWS KMS answered ${operation} on ${key.arn} without a ciphertext`,
      );
    if (blob.length > MAX_WRAPPED_BYTES)
      throw new CryptoException(
        CryptoErrorCode.MASTER_KEY_UNAVAILABLE,
        `AWS KMS answered ${operation} on ${key.arn} with a ${blob.length}-byte ciphertext, more than a wrapped key may hold (${MAX_WRAPPED_BYTES})`,
      );
    return Buffer.from(blob);
  }
}

/** The plaintext key out of a response: copied, and the SDK's buffer wiped. */
function plainKeyOf(plaintext: Uint8Array | undefined, operation: Operation, key: KmsKey): Buffer {
  if (plaintext?.length !== KEY_BYTES) {
    plaintext?.fill(0);
    throw new CryptoException(
      CryptoErrorCode.MASTER_KEY_UNAVAILABLE,
      `AWS KMS answered ${operation} on ${key.arn} without a ${KEY_BYTES}-byte key`,
    );
  }
  const copy = Buffer.from(plaintext);
  plaintext.fill(0);
  return copy;
}

/**
 * The SDK's error name (its exception class, or the `__type` KMS answered), or for a network error
 * its code (ECONNREFUSED, ENOTFOUND: the SDK may wrap such an error, whose code is then only in the
 * message).
 */
function errorName(e: unknown): string {
  if (!(e instanceof Error)) return 'UnknownError';
  if (e.name !== 'Error') return e.name;
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  return /\b(E[A-Z]{2,}[A-Z_]*)\b/.exec(e.message)?.[1] ?? 'Error';
}

/** No HTTP answer at all (refused, reset, DNS, timeout) or a 5xx: the service is out of reach. */
function unreachable(e: unknown): boolean {
  const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return status === undefined || status >= 500;
}

/** A clear, safe CryptoException for a failed KMS call (the error name, never its message). */
function kmsFailure(
  e: unknown,
  operation: Operation,
  key: string,
  context?: WrapContext,
): CryptoException {
  const name = errorName(e);
  const dataKey = context ? `a data key (${context.purpose} v${context.version})` : 'a data key';
  const DataKey = `A${dataKey.slice(1)}`;
  const fail = (message: string) =>
    new CryptoException(CryptoErrorCode.MASTER_KEY_UNAVAILABLE, message);
  switch (name) {
    case 'NotFoundException':
      return fail(
        `${key} was not found (${operation}: NotFoundException): deleted, or not in this region?`,
      );
    case 'InvalidCiphertextException':
      return fail(
        `${DataKey} does not decrypt under ${key} with its encryption context (InvalidCiphertextException): it was wrapped for another key row, or is damaged`,
      );
    case 'IncorrectKeyException':
      return fail(`${DataKey} was not wrapped under ${key} (IncorrectKeyException)`);
    case 'AccessDeniedException':
      return fail(
        `AWS KMS denied kms:${operation} on ${key} for ${dataKey} (AccessDeniedException): see the key policy, the IAM policy and their encryption-context conditions`,
      );
    case 'DisabledException':
      return fail(`${key} is disabled (${operation}: DisabledException)`);
    case 'KMSInvalidStateException':
      return fail(
        `${key} is not usable (${operation}: KMSInvalidStateException): pending deletion, pending import or unavailable`,
      );
    case 'InvalidKeyUsageException':
      return fail(
        `${key} is not a symmetric encryption key (${operation}: InvalidKeyUsageException)`,
      );
  }
  if (CREDENTIALS.has(name))
    return fail(`AWS KMS refused the credentials for ${operation} (${name})`);
  if (TRANSIENT.has(name) || unreachable(e))
    return fail(`AWS KMS is unavailable: ${operation} on ${key} failed (${name}); try again later`);
  return fail(`AWS KMS ${operation} on ${key} failed (${name})`);
}
