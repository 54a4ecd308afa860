import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { canonicalJson, chainHash, type ChainedFields, GENESIS_HASH } from './canonical';

describe('canonicalJson', () => {
  it('is independent of key order (property)', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (obj) => {
        const reversed = Object.fromEntries(Object.entries(obj).reverse());
        expect(canonicalJson(reversed)).toBe(canonicalJson(obj));
      }),
    );
  });
});

describe('chainHash', () => {
  const entry: ChainedFields = {
    seq: '41',
    occurredAt: new Date('2026-01-01T00:00:00.000Z'),
    actorType: 'user',
    actorId: 'u-1',
    actorRole: 'agent',
    action: 'customer.updated',
    resourceType: 'Customer',
    resourceId: 'c-1',
    result: 'success',
    errorCode: 'NONE',
    ip: '10.0.0.1',
    userAgent: 'curl/8.0',
    requestId: 'req-1',
    durationMs: 12,
    changes: { a: 1 },
  };
  /**
   * One other value for every field the hash covers. Typed by ChainedFields, so a field added there
   * without an entry here does not compile.
   */
  const changed: { [K in keyof ChainedFields]-?: ChainedFields[K] } = {
    seq: '42',
    occurredAt: new Date('2026-01-01T00:00:00.001Z'),
    actorType: 'system',
    actorId: 'u-2',
    actorRole: 'manager',
    action: 'customer.deleted',
    resourceType: 'Task',
    resourceId: 'c-2',
    result: 'failure',
    errorCode: 'FORBIDDEN',
    ip: '10.0.0.2',
    userAgent: 'curl/8.1',
    requestId: 'req-2',
    durationMs: 13,
    changes: { a: 2 },
  };
  const fields = Object.keys(changed) as (keyof ChainedFields)[];
  /** The fields that may be null: null must hash differently from any value. */
  const nullable: (keyof ChainedFields)[] = [
    'actorId',
    'actorRole',
    'resourceType',
    'resourceId',
    'errorCode',
    'ip',
    'userAgent',
    'requestId',
    'durationMs',
    'changes',
  ];

  it('covers all 15 fields of an entry', () => {
    expect(fields).toHaveLength(15);
    expect([...fields].sort()).toEqual(Object.keys(entry).sort());
  });

  it('is the same for the same entry and previous hash', () => {
    expect(chainHash(GENESIS_HASH, { ...entry }).equals(chainHash(GENESIS_HASH, entry))).toBe(true);
  });

  it.each(fields)('changes when %s alone changes', (field) => {
    const h = chainHash(GENESIS_HASH, entry);
    expect(chainHash(GENESIS_HASH, { ...entry, [field]: changed[field] }).equals(h)).toBe(false);
  });

  it.each(nullable)('changes when %s becomes null', (field) => {
    const h = chainHash(GENESIS_HASH, entry);
    expect(chainHash(GENESIS_HASH, { ...entry, [field]: null }).equals(h)).toBe(false);
  });

  it('changes when the previous hash changes, even by one bit', () => {
    const h = chainHash(GENESIS_HASH, entry);
    const prev = Buffer.from(GENESIS_HASH);
    prev[31] ^= 1;
    expect(chainHash(prev, entry).equals(h)).toBe(false);
    expect(chainHash(Buffer.alloc(32, 1), entry).equals(h)).toBe(false);
  });

  it('is SHA-256 over the previous hash and the canonical entry', () => {
    const canonical = canonicalJson({ ...entry, occurredAt: entry.occurredAt.toISOString() });
    const expected = createHash('sha256').update(GENESIS_HASH).update(canonical).digest();
    expect(chainHash(GENESIS_HASH, entry).equals(expected)).toBe(true);
  });
});
