import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';

/** The longest passkey response (JSON text) the API takes: a `none` attestation is ~1 kB. */
export const MAX_PASSKEY_RESPONSE_LENGTH = 16_384;

/** Key algorithms a passkey may use (COSE): EdDSA, ES256, RS256. Offered and checked alike. */
export const PASSKEY_ALGORITHMS = [-8, -7, -257];

/** A credential id is at most 1,023 bytes (WebAuthn): 1,364 base64url characters. */
const MAX_CREDENTIAL_ID_LENGTH = 1364;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const TRANSPORTS: ReadonlySet<string> = new Set([
  'ble',
  'cable',
  'hybrid',
  'internal',
  'nfc',
  'smart-card',
  'usb',
]);

/** What a response's clientDataJSON says (before the library checks it). */
export interface ClientData {
  type: string;
  challenge: string;
  origin: string;
}

export interface Parsed<T> {
  response: T;
  clientData: ClientData;
}

/** Why a passkey response was refused, for the audit log (never the response itself). */
export type PasskeyRefusalCause =
  | 'malformed'
  | 'challenge'
  | 'unknown_credential'
  | 'duplicate_credential'
  | 'origin'
  | 'rp_id'
  | 'signature'
  | 'counter_regressed'
  | 'verification'
  | 'race';

const isB64 = (v: unknown, max = MAX_PASSKEY_RESPONSE_LENGTH): v is string =>
  typeof v === 'string' && v.length > 0 && v.length <= max && BASE64URL.test(v);

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function parseJson(json: string): unknown {
  if (json.length > MAX_PASSKEY_RESPONSE_LENGTH) return null;
  try {
    return JSON.parse(json);
  } catch {
    return null;
  }
}

function clientDataOf(encoded: string): ClientData | null {
  let data: unknown;
  try {
    data = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (!isObject(data)) return null;
  const { type, challenge, origin } = data;
  if (typeof type !== 'string' || typeof challenge !== 'string' || typeof origin !== 'string')
    return null;
  return { type, challenge, origin };
}

/** The common envelope of both responses: `{ id, rawId, type: 'public-key', response: {...} }`. */
function envelope(
  json: string,
): { body: Record<string, unknown>; inner: Record<string, unknown> } | null {
  const body = parseJson(json);
  if (!isObject(body) || !isObject(body.response)) return null;
  if (!isB64(body.id, MAX_CREDENTIAL_ID_LENGTH) || body.rawId !== body.id) return null;
  if (body.type !== 'public-key') return null;
  if (body.clientExtensionResults !== undefined && !isObject(body.clientExtensionResults))
    return null;
  if (!isB64(body.response.clientDataJSON)) return null;
  return { body, inner: body.response };
}

/** A registration response (navigator.credentials.create, as JSON), or null if it is malformed. */
export function parseRegistrationResponse(json: string): Parsed<RegistrationResponseJSON> | null {
  const parts = envelope(json);
  if (!parts || !isB64(parts.inner.attestationObject)) return null;
  const clientData = clientDataOf(parts.inner.clientDataJSON as string);
  if (!clientData) return null;
  const transports = transportsOf(parts.inner.transports);
  const response = {
    ...parts.body,
    clientExtensionResults: parts.body.clientExtensionResults ?? {},
    response: { ...parts.inner, transports },
  } as unknown as RegistrationResponseJSON;
  return { response, clientData };
}

/** An authentication response (navigator.credentials.get, as JSON), or null if it is malformed. */
export function parseAuthenticationResponse(
  json: string,
): Parsed<AuthenticationResponseJSON> | null {
  const parts = envelope(json);
  if (!parts || !isB64(parts.inner.authenticatorData) || !isB64(parts.inner.signature)) return null;
  const handle = parts.inner.userHandle;
  if (handle !== undefined && handle !== null && !isB64(handle, 128)) return null;
  const clientData = clientDataOf(parts.inner.clientDataJSON as string);
  if (!clientData) return null;
  const response = {
    ...parts.body,
    clientExtensionResults: parts.body.clientExtensionResults ?? {},
  } as unknown as AuthenticationResponseJSON;
  return { response, clientData };
}

/** The transports worth keeping from what a browser reported: known names, each once. */
export function transportsOf(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  return [...new Set(value.filter((t): t is string => typeof t === 'string' && TRANSPORTS.has(t)))];
}

/**
 * The signature counter rule (WebAuthn §7.2 step 21): when either the stored or the received
 * counter is non-zero, the received one must be greater. Otherwise the authenticator may have
 * been cloned, and the assertion is refused. Authenticators that keep no counter send 0 forever.
 */
export function counterAccepted(stored: number, received: number): boolean {
  if (stored === 0 && received === 0) return true;
  return received > stored;
}

/**
 * The `amr` value (RFC 8176) a passkey sign-in adds: a single-device credential is a hardware-
 * bound key (`hwk`), a synced one a software-held key (`swk`).
 */
export function amrOf(deviceType: string): 'hwk' | 'swk' {
  return deviceType === 'singleDevice' ? 'hwk' : 'swk';
}

/** The cause of a library refusal, by its error code (the message, which quotes values, is dropped). */
export function causeOf(e: unknown): PasskeyRefusalCause {
  const code = (e as { code?: unknown } | null)?.code;
  if (code === 'UNEXPECTED_ORIGIN') return 'origin';
  if (code === 'UNEXPECTED_RP_ID') return 'rp_id';
  return 'verification';
}
