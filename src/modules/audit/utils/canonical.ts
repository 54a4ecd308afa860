import { createHash } from 'node:crypto';

/** JSON with object keys sorted at every level: the same entry always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export const GENESIS_HASH = Buffer.alloc(32);

/** The fields an entry's hash covers, in canonical form. */
export interface ChainedFields {
  seq: string;
  occurredAt: Date;
  actorType: string;
  actorId: string | null;
  actorRole: string | null;
  action: string;
  resourceType: string | null;
  resourceId: string | null;
  result: string;
  errorCode: string | null;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
  durationMs: number | null;
  changes: unknown;
}

/** hash = SHA-256(prev_hash || canonical(entry)) */
export function chainHash(prev: Buffer, e: ChainedFields): Buffer {
  return createHash('sha256').update(prev).update(canonicalEntry(e), 'utf8').digest();
}

/** The exact text an entry's hash covers (what a verifier outside the system recomputes). */
export function canonicalEntry(e: ChainedFields): string {
  return canonicalJson({
    seq: String(e.seq),
    occurredAt: e.occurredAt.toISOString(),
    actorType: e.actorType,
    actorId: e.actorId,
    actorRole: e.actorRole,
    action: e.action,
    resourceType: e.resourceType,
    resourceId: e.resourceId,
    result: e.result,
    errorCode: e.errorCode,
    ip: e.ip,
    userAgent: e.userAgent,
    requestId: e.requestId,
    durationMs: e.durationMs,
    changes: e.changes ?? null,
  });
}
