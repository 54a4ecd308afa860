import { NONCE_BYTES, TAG_BYTES } from './aes-gcm';
import { CryptoErrorCode, CryptoException } from '../crypto.exception';

/**
 * Stored form of an encrypted field, version 1 (binary, 35 bytes of overhead):
 *
 *   [0]      format version (1)
 *   [1..4]   data key id (uint32 BE)   - row of crypto_keys
 *   [5..6]   data key version (uint16 BE)
 *   [7..18]  nonce (96 bits, random)
 *   [19..n]  ciphertext
 *   [n..+16] GCM tag
 *
 * The header is part of the AAD, so neither key id nor version can be altered without detection.
 */
export const FORMAT_V1 = 1;
export const HEADER_BYTES = 7;
const MIN_LENGTH = HEADER_BYTES + NONCE_BYTES + TAG_BYTES;

export interface CiphertextParts {
  keyId: number;
  keyVersion: number;
  header: Buffer;
  nonce: Buffer;
  ciphertext: Buffer;
  tag: Buffer;
}

export function encodeHeader(keyId: number, keyVersion: number): Buffer {
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt8(FORMAT_V1, 0);
  header.writeUInt32BE(keyId, 1);
  header.writeUInt16BE(keyVersion, 5);
  return header;
}

export function encodeCiphertext(
  header: Buffer,
  nonce: Buffer,
  ciphertext: Buffer,
  tag: Buffer,
): Buffer {
  return Buffer.concat([header, nonce, ciphertext, tag]);
}

export function decodeCiphertext(stored: Buffer): CiphertextParts {
  if (stored.length < MIN_LENGTH || stored.readUInt8(0) !== FORMAT_V1) {
    throw new CryptoException(
      CryptoErrorCode.MALFORMED_CIPHERTEXT,
      'Stored ciphertext is malformed',
    );
  }
  return {
    keyId: stored.readUInt32BE(1),
    keyVersion: stored.readUInt16BE(5),
    header: stored.subarray(0, HEADER_BYTES),
    nonce: stored.subarray(HEADER_BYTES, HEADER_BYTES + NONCE_BYTES),
    ciphertext: stored.subarray(HEADER_BYTES + NONCE_BYTES, stored.length - TAG_BYTES),
    tag: stored.subarray(stored.length - TAG_BYTES),
  };
}

/** Key id of a stored value without decrypting it (rotation, retirement checks). */
export function keyIdOf(stored: Buffer): number {
  return decodeCiphertext(stored).keyId;
}
