import { createHmac, randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { CryptoErrorCode, CryptoException } from '../crypto.exception';
import { gcmOpen, gcmSeal, NONCE_BYTES } from '../utils/aes-gcm';
import { decodeCiphertext, encodeCiphertext, encodeHeader } from '../utils/ciphertext-format';
import { BlindIndexKind, normalizeFor } from '../utils/normalize';
import { DataKeyPurpose, KeyringService, LoadedKey } from './keyring.service';

/** Where a value lives: the AAD binds its ciphertext to exactly this place. */
export interface FieldLocation {
  table: string;
  column: string;
  rowId: string;
}

export type KeySelector = { purpose: DataKeyPurpose } | { subjectId: string };

/**
 * Synchronous field encryption (AES-256-GCM, random 96-bit nonce, AAD = header + location) and
 * blind indexes (HMAC-SHA256 over a normalized value). Keys come from the keyring's memory.
 */
@Injectable()
export class FieldCipherService {
  constructor(private readonly keyring: KeyringService) {}

  encrypt(plaintext: string, where: FieldLocation, selector: KeySelector): Buffer {
    return this.encryptBytes(Buffer.from(plaintext, 'utf8'), where, selector);
  }

  decrypt(stored: Buffer, where: FieldLocation): string {
    return this.decryptBytes(stored, where).toString('utf8');
  }

  /** The same format and AAD for bytes (e.g. an export archive). */
  encryptBytes(plaintext: Buffer, where: FieldLocation, selector: KeySelector): Buffer {
    const key = this.keyFor(selector);
    const header = encodeHeader(key.id, key.version);
    const nonce = randomBytes(NONCE_BYTES);
    const { ciphertext, tag } = gcmSeal(key.key, nonce, plaintext, aadOf(header, where));
    return encodeCiphertext(header, nonce, ciphertext, tag);
  }

  decryptBytes(stored: Buffer, where: FieldLocation): Buffer {
    const parts = decodeCiphertext(stored);
    const key = this.keyring.keyById(parts.keyId);
    if (key.version !== parts.keyVersion) {
      throw new CryptoException(
        CryptoErrorCode.DECRYPTION_FAILED,
        'Stored value names a key version that does not match',
      );
    }
    try {
      return gcmOpen(key.key, parts.nonce, parts.ciphertext, parts.tag, aadOf(parts.header, where));
    } catch {
      throw new CryptoException(
        CryptoErrorCode.DECRYPTION_FAILED,
        `Value in ${where.table}.${where.column} failed authentication`,
      );
    }
  }

  /** Re-encrypts a stored value (text or bytes) under the active key of its purpose (rotation). */
  reencrypt(stored: Buffer, where: FieldLocation, purpose: DataKeyPurpose): Buffer {
    return this.encryptBytes(this.decryptBytes(stored, where), where, { purpose });
  }

  /** HMAC-SHA256 of the normalized value under the blind-index key; null when it does not normalize. */
  blindIndex(kind: BlindIndexKind, value: string): Buffer | null {
    const normalized = normalizeFor(kind, value);
    if (normalized === null) return null;
    return createHmac('sha256', this.keyring.activeKey('blind-index').key)
      .update(`${kind}:${normalized}`)
      .digest();
  }

  private keyFor(selector: KeySelector): LoadedKey {
    if ('purpose' in selector) return this.keyring.activeKey(selector.purpose);
    return this.keyring.keyById(this.keyring.subjectKeyIdSync(selector.subjectId));
  }
}

function aadOf(header: Buffer, where: FieldLocation): Buffer {
  return Buffer.concat([
    header,
    Buffer.from(`|${where.table}|${where.column}|${where.rowId}`, 'utf8'),
  ]);
}
