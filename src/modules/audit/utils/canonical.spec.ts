import fc from 'fast-check';
import { canonicalJson, chainHash, GENESIS_HASH } from './canonical';

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
  const entry = {
    seq: '1',
    occurredAt: new Date('2026-01-01T00:00:00.000Z'),
    actorType: 'system',
    actorId: 'job',
    actorRole: null,
    action: 'test',
    resourceType: null,
    resourceId: null,
    result: 'success',
    errorCode: null,
    ip: null,
    userAgent: null,
    requestId: null,
    durationMs: null,
    changes: { a: 1 },
  };

  it('changes when any field or the previous hash changes', () => {
    const h = chainHash(GENESIS_HASH, entry);
    expect(chainHash(GENESIS_HASH, { ...entry }).equals(h)).toBe(true);
    expect(chainHash(GENESIS_HASH, { ...entry, action: 'tesu' }).equals(h)).toBe(false);
    expect(chainHash(GENESIS_HASH, { ...entry, changes: { a: 2 } }).equals(h)).toBe(false);
    expect(chainHash(Buffer.alloc(32, 1), entry).equals(h)).toBe(false);
  });
});
