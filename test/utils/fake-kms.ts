import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  randomBytes,
  randomUUID,
  timingSafeEqual,
} from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LocalHttpFake } from './local-http-fake';

/** A customer managed key of the fake, as a test sees and steers it. */
export interface FakeCmk {
  keyId: string;
  arn: string;
  /** Alias names (`alias/...`) that point at it. */
  aliases: string[];
  state: 'Enabled' | 'Disabled' | 'PendingDeletion';
  /** Refuse every request on the key with AccessDeniedException, as a key policy without us would. */
  denied: boolean;
  /**
   * An encryption-context condition, as an IAM policy would set it: a request whose context it
   * refuses gets AccessDeniedException. Unset: every (non-empty) context is allowed.
   */
  allowContext?: (context: Record<string, string>) => boolean;
  /** Key material versions (automatic rotation adds one); new ciphertexts use the last. */
  materials: Buffer[];
}

/** A request the fake answered, in order. */
export interface FakeKmsRequest {
  /** The operation (`Encrypt`, `Decrypt`, `GenerateDataKey`, `DescribeKey`) or the raw target. */
  operation: string;
  /** The KeyId as sent (Decrypt may omit it). */
  keyId?: string;
  /** The ARN of the key the request used, when the fake resolved one. */
  keyArn?: string;
  encryptionContext?: Record<string, string>;
  status: number;
  /** The error `__type` when it failed. */
  error?: string;
}

const TARGET = /^TrentService\.([A-Za-z]+)$/;
const OPERATIONS = new Set(['Encrypt', 'Decrypt', 'GenerateDataKey', 'DescribeKey']);
const CREDENTIAL =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/;
const BLOB_VERSION = 1;
const MAX_SKEW_MS = 5 * 60_000;

class KmsError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

/**
 * A local stand-in for AWS KMS, for the official SDK pointed at it (the client's `endpoint`, our
 * AWS_KMS_ENDPOINT). It speaks the KMS JSON 1.1 protocol as the SDK does (POST /,
 * `Content-Type: application/x-amz-json-1.1`, `X-Amz-Target: TrentService.<Operation>`, blobs in
 * base64, timestamps in epoch seconds, errors as `{"__type": ..., "message": ...}` with HTTP 400)
 * and checks each request: a SigV4 signature made with the configured access key, for the
 * configured region and the `kms` service, over the exact body; a known key (key id, key ARN, alias
 * name or alias ARN: NotFoundException otherwise) that is enabled (DisabledException,
 * KMSInvalidStateException) and not denied (AccessDeniedException); and, for Encrypt,
 * GenerateDataKey and Decrypt, an encryption context (its key policy requires one:
 * AccessDeniedException without). It keeps its own AES-256-GCM material per key, binds the
 * encryption context into every ciphertext as AAD (Decrypt under another context:
 * InvalidCiphertextException; under another key: IncorrectKeyException), and records every request
 * in `requests`.
 */
export class FakeKms extends LocalHttpFake {
  readonly requests: FakeKmsRequest[] = [];
  /** Answer the next `times` requests with this error (throttling, an outage). */
  failNext?: { type: string; status: number; times: number };
  private readonly keys = new Map<string, FakeCmk>();

  constructor(
    readonly credentials: { accessKeyId: string; secretAccessKey: string },
    readonly region = 'us-east-1',
    readonly accountId = '111122223333',
  ) {
    super();
  }

  /** A new enabled symmetric key (optionally with an alias). */
  createKey(alias?: string): FakeCmk {
    const keyId = randomUUID();
    const key: FakeCmk = {
      keyId,
      arn: `arn:aws:kms:${this.region}:${this.accountId}:key/${keyId}`,
      aliases: alias ? [alias] : [],
      state: 'Enabled',
      denied: false,
      materials: [randomBytes(32)],
    };
    this.keys.set(keyId, key);
    return key;
  }

  /** Automatic key rotation: new material for new ciphertexts, old ciphertexts still decrypt. */
  rotateKeyMaterial(key: FakeCmk): void {
    key.materials.push(randomBytes(32));
  }

  /** Deletes a key at once (the real service waits 7-30 days; tests need not). */
  deleteKey(key: FakeCmk): void {
    this.keys.delete(key.keyId);
  }

  /** The successful requests of one operation. */
  calls(operation: string): FakeKmsRequest[] {
    return this.requests.filter((r) => r.operation === operation && r.status === 200);
  }

  protected answer(req: IncomingMessage, res: ServerResponse, body: Buffer): void {
    const target = String(req.headers['x-amz-target'] ?? '');
    const record: FakeKmsRequest = { operation: TARGET.exec(target)?.[1] ?? target, status: 200 };
    const send = (status: number, payload: unknown) => {
      record.status = status;
      this.requests.push(record);
      res
        .writeHead(status, {
          'content-type': 'application/x-amz-json-1.1',
          'x-amzn-requestid': randomUUID(),
        })
        .end(JSON.stringify(payload));
    };
    try {
      const input = this.checkRequest(req, body);
      record.keyId = typeof input.KeyId === 'string' ? input.KeyId : undefined;
      if (isContext(input.EncryptionContext)) record.encryptionContext = input.EncryptionContext;
      if (this.failNext && this.failNext.times > 0) {
        this.failNext.times--;
        const { type, status } = this.failNext;
        throw new KmsError(type, `${type} (injected by the test)`, status);
      }
      send(200, this.operate(record, input));
    } catch (e) {
      const error = e instanceof KmsError ? e : new KmsError('KMSInternalException', '', 500);
      record.error = error.type;
      send(error.status, { __type: error.type, message: error.message });
    }
  }

  /** Protocol and SigV4 checks; returns the parsed JSON input. */
  private checkRequest(req: IncomingMessage, body: Buffer): Record<string, unknown> {
    if (req.method !== 'POST' || (req.url ?? '') !== '/')
      throw new KmsError('UnknownOperationException', `${req.method} ${req.url} is not a KMS call`);
    if (req.headers['content-type'] !== 'application/x-amz-json-1.1')
      throw new KmsError(
        'SerializationException',
        'Content-Type must be application/x-amz-json-1.1',
      );
    const operation = TARGET.exec(String(req.headers['x-amz-target'] ?? ''))?.[1];
    if (!operation || !OPERATIONS.has(operation))
      throw new KmsError('UnknownOperationException', 'Unknown X-Amz-Target');
    this.checkSignature(req, body);
    try {
      const input: unknown = JSON.parse(body.toString('utf8'));
      if (input && typeof input === 'object' && !Array.isArray(input))
        return input as Record<string, unknown>;
    } catch {
      // answered below
    }
    throw new KmsError('SerializationException', 'The body is not a JSON object');
  }

  private checkSignature(req: IncomingMessage, body: Buffer): void {
    const auth = String(req.headers.authorization ?? '');
    if (!auth)
      throw new KmsError('MissingAuthenticationTokenException', 'Missing Authentication Token');
    const m = CREDENTIAL.exec(auth);
    if (!m) throw new KmsError('IncompleteSignatureException', 'Authorization header is malformed');
    const [, accessKeyId, day, region, service, signedHeaders, signature] = m;
    if (accessKeyId !== this.credentials.accessKeyId)
      throw new KmsError(
        'UnrecognizedClientException',
        'The security token included in the request is invalid.',
      );
    if (region !== this.region || service !== 'kms')
      throw new KmsError(
        'InvalidSignatureException',
        `Credential should be scoped to region '${this.region}' and service 'kms'`,
      );
    const amzDate = String(req.headers['x-amz-date'] ?? '');
    const when = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
    if (!when || !amzDate.startsWith(day))
      throw new KmsError('IncompleteSignatureException', 'X-Amz-Date is missing or malformed');
    const at = Date.UTC(+when[1], +when[2] - 1, +when[3], +when[4], +when[5], +when[6]);
    if (Math.abs(Date.now() - at) > MAX_SKEW_MS)
      throw new KmsError('InvalidSignatureException', 'Signature expired');
    const names = signedHeaders.split(';');
    if (!['host', 'x-amz-date', 'x-amz-target', 'content-type'].every((h) => names.includes(h)))
      throw new KmsError('InvalidSignatureException', 'Required headers are not signed');
    const payloadHash = createHash('sha256').update(body).digest('hex');
    const declared = req.headers['x-amz-content-sha256'];
    if (declared !== undefined && declared !== payloadHash)
      throw new KmsError('InvalidSignatureException', 'The body does not match its hash');
    const canonical = [
      'POST',
      '/',
      '',
      ...names.map(
        (h) =>
          `${h}:${String(req.headers[h] ?? '')
            .trim()
            .replace(/\s+/g, ' ')}`,
      ),
      '',
      signedHeaders,
      payloadHash,
    ].join('\n');
    const scope = `${day}/${region}/kms/aws4_request`;
    const toSign = [
      'AWS4-HMAC-SHA256',
      amzDate,
      scope,
      createHash('sha256').update(canonical).digest('hex'),
    ].join('\n');
    let key = hmac(`AWS4${this.credentials.secretAccessKey}`, day);
    for (const part of [region, 'kms', 'aws4_request']) key = hmac(key, part);
    const expected = createHmac('sha256', key).update(toSign).digest();
    if (!timingSafeEqual(expected, Buffer.from(signature, 'hex')))
      throw new KmsError(
        'InvalidSignatureException',
        'The request signature we calculated does not match the signature you provided.',
      );
  }

  private operate(record: FakeKmsRequest, input: Record<string, unknown>): unknown {
    switch (record.operation) {
      case 'DescribeKey': {
        const key = this.resolve(input.KeyId, record);
        this.authorize(key, record);
        return {
          KeyMetadata: {
            AWSAccountId: this.accountId,
            KeyId: key.keyId,
            Arn: key.arn,
            CreationDate: Math.floor(Date.now() / 1000),
            Enabled: key.state === 'Enabled',
            Description: 'fake-kms test key',
            KeyUsage: 'ENCRYPT_DECRYPT',
            KeyState: key.state,
            Origin: 'AWS_KMS',
            KeyManager: 'CUSTOMER',
            CustomerMasterKeySpec: 'SYMMETRIC_DEFAULT',
            KeySpec: 'SYMMETRIC_DEFAULT',
            EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'],
            MultiRegion: false,
          },
        };
      }
      case 'Encrypt': {
        const key = this.usableKey(input, record);
        const plaintext = base64Field(input.Plaintext, 'Plaintext');
        if (plaintext.length < 1 || plaintext.length > 4096)
          throw new KmsError('ValidationException', 'Plaintext must be 1 to 4096 bytes');
        return {
          CiphertextBlob: seal(key, plaintext, record.encryptionContext!).toString('base64'),
          KeyId: key.arn,
          EncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
        };
      }
      case 'GenerateDataKey': {
        const key = this.usableKey(input, record);
        const bytes =
          input.KeySpec === 'AES_256'
            ? 32
            : input.KeySpec === 'AES_128'
              ? 16
              : typeof input.NumberOfBytes === 'number'
                ? input.NumberOfBytes
                : 0;
        if (bytes < 1 || bytes > 1024)
          throw new KmsError('ValidationException', 'Give KeySpec or NumberOfBytes (1-1024)');
        const plaintext = randomBytes(bytes);
        return {
          CiphertextBlob: seal(key, plaintext, record.encryptionContext!).toString('base64'),
          Plaintext: plaintext.toString('base64'),
          KeyId: key.arn,
        };
      }
      case 'Decrypt': {
        const named = input.KeyId === undefined ? undefined : this.resolve(input.KeyId, record);
        const blob = base64Field(input.CiphertextBlob, 'CiphertextBlob');
        const owner = blobKeyId(blob);
        const key = owner ? this.keys.get(owner) : undefined;
        if (!key) throw new KmsError('InvalidCiphertextException', '');
        if (named && named.keyId !== key.keyId)
          throw new KmsError(
            'IncorrectKeyException',
            'The key ID in the request does not identify a CMK that can perform this operation.',
          );
        record.keyArn = key.arn;
        this.authorize(key, record);
        this.checkUsable(key);
        const context = this.requireContext(record);
        const plaintext = open(key, blob, context);
        if (!plaintext) throw new KmsError('InvalidCiphertextException', '');
        return {
          KeyId: key.arn,
          Plaintext: plaintext.toString('base64'),
          EncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
        };
      }
      default:
        throw new KmsError('UnknownOperationException', 'Unknown operation');
    }
  }

  /** Resolves a key, checks policy and state, and requires an encryption context. */
  private usableKey(input: Record<string, unknown>, record: FakeKmsRequest): FakeCmk {
    const key = this.resolve(input.KeyId, record);
    this.authorize(key, record);
    this.checkUsable(key);
    this.requireContext(record);
    return key;
  }

  private resolve(keyId: unknown, record: FakeKmsRequest): FakeCmk {
    if (typeof keyId !== 'string' || keyId === '')
      throw new KmsError('ValidationException', 'KeyId is required');
    const prefix = `arn:aws:kms:${this.region}:${this.accountId}:`;
    const local = keyId.startsWith(prefix) ? keyId.slice(prefix.length) : keyId;
    const byId = local.startsWith('key/') ? this.keys.get(local.slice(4)) : this.keys.get(local);
    const key =
      byId ??
      (local.startsWith('alias/')
        ? [...this.keys.values()].find((k) => k.aliases.includes(local))
        : undefined);
    if (!key) {
      const what = local.startsWith('alias/')
        ? `Alias ${prefix}${local}`
        : `Key '${prefix}${local}'`;
      throw new KmsError('NotFoundException', `${what} does not exist`);
    }
    record.keyArn = key.arn;
    return key;
  }

  private authorize(key: FakeCmk, record: FakeKmsRequest): void {
    const denied =
      key.denied ||
      (record.operation !== 'DescribeKey' &&
        key.allowContext !== undefined &&
        !key.allowContext(record.encryptionContext ?? {}));
    if (denied)
      throw new KmsError(
        'AccessDeniedException',
        `User: arn:aws:iam::${this.accountId}:user/callwarden is not authorized to perform: kms:${record.operation} on resource: ${key.arn} because no identity-based policy allows the kms:${record.operation} action`,
      );
  }

  private checkUsable(key: FakeCmk): void {
    if (key.state === 'Disabled')
      throw new KmsError('DisabledException', `${key.arn} is disabled.`);
    if (key.state === 'PendingDeletion')
      throw new KmsError('KMSInvalidStateException', `${key.arn} is pending deletion.`);
  }

  /** This fake's key policy requires an encryption context on every cryptographic operation. */
  private requireContext(record: FakeKmsRequest): Record<string, string> {
    const context = record.encryptionContext;
    if (!context || Object.keys(context).length === 0)
      throw new KmsError(
        'AccessDeniedException',
        `kms:${record.operation} without an encryption context is denied by the key policy`,
      );
    return context;
  }
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

function isContext(value: unknown): value is Record<string, string> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((v) => typeof v === 'string')
  );
}

function base64Field(value: unknown, name: string): Buffer {
  if (typeof value !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(value))
    throw new KmsError('SerializationException', `${name} must be base64`);
  return Buffer.from(value, 'base64');
}

/** The context as AAD: sorted, so the order of the JSON members does not matter (as in KMS). */
function aad(key: FakeCmk, context: Record<string, string>): Buffer {
  const sorted = Object.keys(context)
    .sort()
    .map((k) => [k, context[k]]);
  return Buffer.from(`${key.keyId}|${JSON.stringify(sorted)}`, 'utf8');
}

/** Blob: [version 1][key id: 16 bytes][material index][nonce 12][ciphertext][tag 16]. */
function seal(key: FakeCmk, plaintext: Buffer, context: Record<string, string>): Buffer {
  const index = key.materials.length - 1;
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key.materials[index], nonce);
  cipher.setAAD(aad(key, context));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const id = Buffer.from(key.keyId.replaceAll('-', ''), 'hex');
  return Buffer.concat([
    Buffer.from([BLOB_VERSION]),
    id,
    Buffer.from([index]),
    nonce,
    body,
    cipher.getAuthTag(),
  ]);
}

function blobKeyId(blob: Buffer): string | undefined {
  if (blob.length < 1 + 16 + 1 + 12 + 16 || blob[0] !== BLOB_VERSION) return undefined;
  const hex = blob.subarray(1, 17).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function open(key: FakeCmk, blob: Buffer, context: Record<string, string>): Buffer | undefined {
  const material = key.materials[blob[17]];
  if (!material) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', material, blob.subarray(18, 30));
    decipher.setAAD(aad(key, context));
    decipher.setAuthTag(blob.subarray(blob.length - 16));
    return Buffer.concat([decipher.update(blob.subarray(30, blob.length - 16)), decipher.final()]);
  } catch {
    return undefined;
  }
}
