import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { CryptoErrorCode, CryptoException } from '../crypto.exception';
import { FieldCipherService, FieldLocation } from './field-cipher.service';
import { KeyringService, LoadedKey } from './keyring.service';

/** An in-memory keyring: the cipher's only dependency. */
function fakeKeyring() {
  const keys = new Map<number, LoadedKey>();
  const add = (id: number, purpose: string, version: number) => {
    const k = { id, purpose, version, key: randomBytes(32) };
    keys.set(id, k);
    return k;
  };
  let active = add(1, 'pii', 1);
  add(2, 'blind-index', 1);
  const subject = add(3, 'subject:s1', 1);
  const keyring = {
    activeKey: (purpose: string) => (purpose === 'pii' ? active : keys.get(2)!),
    keyById: (id: number) => {
      const k = keys.get(id);
      if (!k) throw new CryptoException(CryptoErrorCode.KEY_NOT_LOADED, 'not loaded');
      return k;
    },
    subjectKeyIdSync: () => subject.id,
  } as unknown as KeyringService;
  return {
    keyring,
    rotate: () => {
      active = add(active.id + 10, 'pii', active.version + 1);
    },
    destroy: (id: number) => keys.delete(id),
  };
}

const here: FieldLocation = { table: 'customers', column: 'email', rowId: 'row-1' };

function expectCode(fn: () => unknown, code: CryptoErrorCode) {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(CryptoException);
    expect((e as CryptoException).reason).toBe(code);
    return;
  }
  throw new Error(`expected ${code}`);
}

describe('FieldCipherService', () => {
  const { keyring, rotate, destroy } = fakeKeyring();
  const cipher = new FieldCipherService(keyring);

  it('round-trips and uses a fresh nonce every time', () => {
    const a = cipher.encrypt('jane@example.com', here, { purpose: 'pii' });
    const b = cipher.encrypt('jane@example.com', here, { purpose: 'pii' });
    expect(a.equals(b)).toBe(false);
    expect(cipher.decrypt(a, here)).toBe('jane@example.com');
    expect(a.subarray(0, 7).toString('hex')).toBe('01000000010001'); // format 1, key 1, version 1
  });

  it('round-trips any string (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), (s) => {
        expect(cipher.decrypt(cipher.encrypt(s, here, { purpose: 'pii' }), here)).toBe(s);
      }),
    );
  });

  it('detects any flipped bit in the stored value (property)', () => {
    const stored = cipher.encrypt('+14155550142', here, { purpose: 'pii' });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: stored.length * 8 - 1 }), (bit) => {
        const tampered = Buffer.from(stored);
        tampered[bit >> 3] ^= 1 << (bit & 7);
        expect(() => cipher.decrypt(tampered, here)).toThrow(CryptoException);
      }),
    );
  });

  it.each([
    ['ciphertext', 19],
    ['tag', -1],
    ['nonce', 8],
  ])('fails with DECRYPTION_FAILED on a tampered %s', (_part, index) => {
    const stored = cipher.encrypt('123-45-6789', here, { purpose: 'pii' });
    const i = index < 0 ? stored.length + index : index;
    stored[i] ^= 0xff;
    expectCode(() => cipher.decrypt(stored, here), CryptoErrorCode.DECRYPTION_FAILED);
  });

  it.each([
    ['another row', { ...here, rowId: 'row-2' }],
    ['another column', { ...here, column: 'phone' }],
    ['another table', { ...here, table: 'users' }],
  ])('refuses a value copied to %s (AAD)', (_label, elsewhere) => {
    const stored = cipher.encrypt('jane@example.com', here, { purpose: 'pii' });
    expectCode(() => cipher.decrypt(stored, elsewhere), CryptoErrorCode.DECRYPTION_FAILED);
  });

  it('refuses a header whose key version was altered', () => {
    const stored = cipher.encrypt('x', here, { purpose: 'pii' });
    stored.writeUInt16BE(9, 5);
    expectCode(() => cipher.decrypt(stored, here), CryptoErrorCode.DECRYPTION_FAILED);
  });

  it('refuses a malformed value', () => {
    expectCode(
      () => cipher.decrypt(Buffer.from('plain text'), here),
      CryptoErrorCode.MALFORMED_CIPHERTEXT,
    );
  });

  it('decrypts old versions after rotation and re-encrypts to the new one', () => {
    const old = cipher.encrypt('555', here, { purpose: 'pii' });
    rotate();
    const moved = cipher.reencrypt(old, here, 'pii');
    expect(moved.readUInt32BE(1)).not.toBe(old.readUInt32BE(1));
    expect(cipher.decrypt(moved, here)).toBe('555');
    expect(cipher.decrypt(old, here)).toBe('555');
  });

  it('cannot decrypt once the subject key is gone (crypto-shredding)', () => {
    const stored = cipher.encrypt('1980-02-03', here, { subjectId: 's1' });
    expect(cipher.decrypt(stored, here)).toBe('1980-02-03');
    destroy(3);
    expectCode(() => cipher.decrypt(stored, here), CryptoErrorCode.KEY_NOT_LOADED);
  });

  it('computes blind indexes over normalized values', () => {
    expect(
      cipher
        .blindIndex('email', ' Jane@Example.COM ')!
        .equals(cipher.blindIndex('email', 'jane@example.com')!),
    ).toBe(true);
    expect(
      cipher
        .blindIndex('phone', '(415) 555-0142')!
        .equals(cipher.blindIndex('phone', '+1 415 555 0142')!),
    ).toBe(true);
    expect(
      cipher.blindIndex('ssn', '123-45-6789')!.equals(cipher.blindIndex('ssn', '123456789')!),
    ).toBe(true);
    expect(cipher.blindIndex('email', 'not an email')).toBeNull();
    // Kinds are domain-separated.
    expect(
      cipher
        .blindIndex('ssn', '123456789')!
        .equals(cipher.blindIndex('phone', '123456789') ?? Buffer.alloc(0)),
    ).toBe(false);
  });
});
