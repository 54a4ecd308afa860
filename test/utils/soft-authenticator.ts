import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';

/**
 * A software WebAuthn authenticator (and the browser around it) for the e2e tests: an EC P-256 key
 * pair per credential, ES256 signatures, attestation format `none`, authenticator data with the RP
 * id hash, flags (UP, UV, BE), the signature counter and, at registration, the attested credential
 * data with the COSE public key. It answers the options the API returns with the JSON a browser's
 * `PublicKeyCredential.toJSON()` gives (base64url fields), so the server verifies it for real.
 * `forge` lets a test send what a genuine authenticator would not (another origin, RP id, key...).
 */

type Cbor = number | string | Uint8Array | Cbor[] | Map<Cbor, Cbor>;

/** The head of a CBOR data item: major type and argument (RFC 8949 §3). */
function head(major: number, n: number): Buffer {
  const type = major << 5;
  if (n < 24) return Buffer.from([type | n]);
  if (n < 0x100) return Buffer.from([type | 24, n]);
  if (n < 0x10000) {
    const b = Buffer.alloc(3);
    b[0] = type | 25;
    b.writeUInt16BE(n, 1);
    return b;
  }
  const b = Buffer.alloc(5);
  b[0] = type | 26;
  b.writeUInt32BE(n, 1);
  return b;
}

/** A minimal CBOR encoder: integers, byte and text strings, arrays and maps (what WebAuthn uses). */
export function cbor(value: Cbor): Buffer {
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw new Error('cbor: integers only');
    return value >= 0 ? head(0, value) : head(1, -1 - value);
  }
  if (typeof value === 'string') {
    const text = Buffer.from(value, 'utf8');
    return Buffer.concat([head(3, text.length), text]);
  }
  if (value instanceof Uint8Array) return Buffer.concat([head(2, value.length), value]);
  if (Array.isArray(value)) return Buffer.concat([head(4, value.length), ...value.map(cbor)]);
  const parts = [head(5, value.size)];
  for (const [k, v] of value) parts.push(cbor(k), cbor(v));
  return Buffer.concat(parts);
}

const b64url = (b: Uint8Array) => Buffer.from(b).toString('base64url');
const sha256 = (b: Uint8Array | string) => createHash('sha256').update(b).digest();

const FLAG_UP = 0x01;
const FLAG_UV = 0x04;
const FLAG_BE = 0x08;
const FLAG_BS = 0x10;
const FLAG_AT = 0x40;
const ES256 = -7;

/** What a test may change in a ceremony, to play an attacker or a broken authenticator. */
export interface Forge {
  /** clientDataJSON.origin (default: the authenticator's page origin). */
  origin?: string;
  /** The RP id whose hash goes in the authenticator data (default: the options'). */
  rpId?: string;
  /** clientDataJSON.challenge (default: the options'). */
  challenge?: string;
  /** clientDataJSON.type (default: webauthn.create / webauthn.get). */
  type?: string;
  /** The credential id the response names (default: this authenticator's). */
  credentialId?: string;
  /** Assertions: the counter to report instead of the next one. */
  counter?: number;
  /** Assertions: sign with this private key instead of the credential's. */
  signWith?: KeyObject;
}

interface CreationOptions {
  challenge: string;
  rp: { id?: string; name: string };
  user: { id: string };
  pubKeyCredParams: { alg: number; type: string }[];
  excludeCredentials?: { id: string }[];
  authenticatorSelection?: { userVerification?: string };
}

interface RequestOptions {
  challenge: string;
  rpId?: string;
  allowCredentials?: { id: string }[];
  userVerification?: string;
}

export class SoftAuthenticator {
  readonly credentialId = randomBytes(32);
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** The signature counter; every assertion adds one. */
  signCount = 0;
  private userHandle: string | undefined;

  /**
   * @param origin the origin of the page that runs the ceremonies (what a browser reports)
   * @param options `userVerification`: whether it verifies its user (PIN, biometrics), UV flag;
   *   `backupEligible`: a synced (multi-device) passkey, BE and BS flags
   */
  constructor(
    readonly origin: string,
    readonly options: { userVerification?: boolean; backupEligible?: boolean } = {},
  ) {
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    this.privateKey = pair.privateKey;
    this.publicKey = pair.publicKey;
  }

  /** The credential id as the API shows it (base64url). */
  get id(): string {
    return b64url(this.credentialId);
  }

  /** navigator.credentials.create(): the registration response JSON for the API's options JSON. */
  register(optionsJson: string, forge: Forge = {}): string {
    const options = JSON.parse(optionsJson) as CreationOptions;
    if (!options.pubKeyCredParams.some((p) => p.alg === ES256 && p.type === 'public-key'))
      throw new Error('NotSupportedError: ES256 is not offered');
    if (!forge.credentialId && options.excludeCredentials?.some((c) => c.id === this.id))
      throw new Error('InvalidStateError: this authenticator is already registered');
    this.userHandle = options.user.id;
    const rpId = forge.rpId ?? options.rp.id ?? new URL(this.origin).hostname;
    const credentialId = forge.credentialId
      ? Buffer.from(forge.credentialId, 'base64url')
      : this.credentialId;
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(credentialId.length);
    const authData = Buffer.concat([
      this.authDataHead(rpId, options.authenticatorSelection?.userVerification, FLAG_AT),
      Buffer.alloc(16), // AAGUID: none given (attestation `none`)
      idLength,
      credentialId,
      cbor(this.coseKey()),
    ]);
    const attestationObject = cbor(
      new Map<Cbor, Cbor>([
        ['fmt', 'none'],
        ['attStmt', new Map()],
        ['authData', authData],
      ]),
    );
    const clientDataJSON = this.clientData('webauthn.create', options.challenge, forge);
    return JSON.stringify({
      id: b64url(credentialId),
      rawId: b64url(credentialId),
      type: 'public-key',
      authenticatorAttachment: 'cross-platform',
      clientExtensionResults: {},
      response: {
        clientDataJSON: b64url(clientDataJSON),
        attestationObject: b64url(attestationObject),
        transports: ['usb', 'nfc'],
      },
    });
  }

  /** navigator.credentials.get(): the authentication response JSON for the API's options JSON. */
  authenticate(optionsJson: string, forge: Forge = {}): string {
    const options = JSON.parse(optionsJson) as RequestOptions;
    const allowed = options.allowCredentials ?? [];
    if (!forge.credentialId && allowed.length > 0 && !allowed.some((c) => c.id === this.id))
      throw new Error('NotAllowedError: no allowed credential on this authenticator');
    const rpId = forge.rpId ?? options.rpId ?? new URL(this.origin).hostname;
    if (forge.counter === undefined) this.signCount += 1;
    const authData = this.authDataHead(rpId, options.userVerification, 0, forge.counter);
    const clientDataJSON = this.clientData('webauthn.get', options.challenge, forge);
    const signature = sign(
      'sha256',
      Buffer.concat([authData, sha256(clientDataJSON)]),
      forge.signWith ?? this.privateKey,
    ); // DER, as ES256 assertions carry it
    const id = forge.credentialId ?? this.id;
    return JSON.stringify({
      id,
      rawId: id,
      type: 'public-key',
      authenticatorAttachment: 'cross-platform',
      clientExtensionResults: {},
      response: {
        clientDataJSON: b64url(clientDataJSON),
        authenticatorData: b64url(authData),
        signature: b64url(signature),
        ...(this.userHandle ? { userHandle: this.userHandle } : {}),
      },
    });
  }

  /** rpIdHash, flags and the signature counter (big-endian): the first 37 bytes of authData. */
  private authDataHead(
    rpId: string,
    userVerification: string | undefined,
    extraFlags: number,
    counter = this.signCount,
  ): Buffer {
    let flags = FLAG_UP | extraFlags;
    if (this.options.userVerification !== false && userVerification !== 'discouraged')
      flags |= FLAG_UV;
    if (this.options.backupEligible) flags |= FLAG_BE | FLAG_BS;
    const count = Buffer.alloc(4);
    count.writeUInt32BE(counter);
    return Buffer.concat([sha256(rpId), Buffer.from([flags]), count]);
  }

  private clientData(type: string, challenge: string, forge: Forge): Buffer {
    return Buffer.from(
      JSON.stringify({
        type: forge.type ?? type,
        challenge: forge.challenge ?? challenge,
        origin: forge.origin ?? this.origin,
        crossOrigin: false,
      }),
    );
  }

  /** The credential public key as a COSE_Key (RFC 9053): EC2, ES256, P-256, x, y. */
  private coseKey(): Map<Cbor, Cbor> {
    const jwk = this.publicKey.export({ format: 'jwk' });
    return new Map<Cbor, Cbor>([
      [1, 2], // kty: EC2
      [3, ES256], // alg
      [-1, 1], // crv: P-256
      [-2, Buffer.from(jwk.x!, 'base64url')],
      [-3, Buffer.from(jwk.y!, 'base64url')],
    ]);
  }
}
