import { mask, PiiKind } from './mask';

/** Keys whose values are personal data, with how to mask them. */
const PII_KEYS: Record<string, PiiKind> = {
  email: 'email',
  phone: 'phone',
  phoneNumber: 'phone',
  to: 'text',
  from: 'text',
  ssn: 'ssn',
  firstName: 'name',
  lastName: 'name',
  fullName: 'name',
  displayName: 'name',
  name: 'name',
  addressLine: 'address',
  address: 'address',
  city: 'address',
  dateOfBirth: 'date',
  accountRef: 'account',
  accountNumber: 'account',
  notes: 'text',
  note: 'text',
  body: 'text',
  message: 'text',
  reason: 'text',
};

/** Keys whose values are secrets: never stored anywhere, not even masked. */
const SECRET_KEYS = new Set([
  'password',
  'currentPassword',
  'newPassword',
  'token',
  'refreshToken',
  'accessToken',
  'secret',
  'totpCode',
  'code',
  'backupCode',
  'apiKey',
  'otp',
]);

/** Keys whose values are safe to keep verbatim when they look like identifiers or enums. */
const SAFE_KEYS = new Set([
  'id',
  'ids',
  'customerId',
  'campaignId',
  'taskId',
  'userId',
  'roleId',
  'keyId',
  'purpose',
  'status',
  'channel',
  'role',
  'action',
  'subject',
  'field',
  'first',
  'after',
  'kind',
  'outcome',
  'state',
  'severity',
]);

const IDENTIFIER = /^[A-Za-z0-9_.:-]{1,64}$/;
const MAX_DEPTH = 6;

/**
 * Copy of `value` fit for an audit row or a log line, for data a client sent (untrusted input):
 * secrets are dropped, PII is masked by kind, and any other string survives only under a known
 * safe key and only when it looks like an identifier. Deny by default: an unknown field is kept by
 * name with `[omitted]`, so a new field never leaks until someone decides it is safe.
 */
export function sanitizeInput(value: unknown, key?: string, depth = 0): unknown {
  if (key && SECRET_KEYS.has(key)) return '[REDACTED]';
  if (value === null || value === undefined || typeof value === 'boolean') return value;
  if (typeof value === 'number') return key && PII_KEYS[key] ? '[omitted]' : value;
  if (depth >= MAX_DEPTH) return '[omitted]';
  if (Array.isArray(value)) return value.slice(0, 50).map((v) => sanitizeInput(v, key, depth + 1));
  if (typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => [
        k,
        sanitizeInput(v, k, depth + 1),
      ]),
    );
  }
  if (typeof value === 'string') {
    const kind = key ? PII_KEYS[key] : undefined;
    if (kind) return mask(kind, value);
    if (key && SAFE_KEYS.has(key) && IDENTIFIER.test(value)) return value;
    return '[omitted]';
  }
  return '[omitted]';
}

/**
 * For before/after snapshots a service builds itself (trusted shape): PII keys masked, secrets
 * dropped, everything else kept.
 */
export function sanitizeChanges(value: unknown, key?: string, depth = 0): unknown {
  if (key && SECRET_KEYS.has(key)) return '[REDACTED]';
  if (value === null || value === undefined || typeof value !== 'object') {
    const kind = key ? PII_KEYS[key] : undefined;
    if (kind && (typeof value === 'string' || typeof value === 'number')) {
      return mask(kind, String(value));
    }
    return value instanceof Date ? value.toISOString() : value;
  }
  if (depth >= MAX_DEPTH) return '[omitted]';
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((v) => sanitizeChanges(v, key, depth + 1));
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([k, v]) => [
      k,
      sanitizeChanges(v, k, depth + 1),
    ]),
  );
}
