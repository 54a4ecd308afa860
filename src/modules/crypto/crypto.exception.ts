import { ClientCodes, CodedException, ErrorCode } from '../../core/errors/error-code';

export enum CryptoErrorCode {
  DECRYPTION_FAILED = 'DECRYPTION_FAILED',
  MALFORMED_CIPHERTEXT = 'MALFORMED_CIPHERTEXT',
  KEY_NOT_FOUND = 'KEY_NOT_FOUND',
  KEY_DESTROYED = 'KEY_DESTROYED',
  KEY_NOT_LOADED = 'KEY_NOT_LOADED',
  KEY_STILL_IN_USE = 'KEY_STILL_IN_USE',
  KEY_NOT_RETIRABLE = 'KEY_NOT_RETIRABLE',
  /** A write encrypted under a key that stopped being active meanwhile and could not be redone. */
  KEY_NOT_ACTIVE = 'KEY_NOT_ACTIVE',
  /** Encrypted values are written only inside a transaction (the key check holds a lock until commit). */
  WRITE_OUTSIDE_TRANSACTION = 'WRITE_OUTSIDE_TRANSACTION',
  /** A re-encryption job's lease went to another process (this one stalled past it). */
  JOB_LEASE_LOST = 'JOB_LEASE_LOST',
  UNKNOWN_PURPOSE = 'UNKNOWN_PURPOSE',
  MASTER_KEY_UNAVAILABLE = 'MASTER_KEY_UNAVAILABLE',
  MISSING_ROW_ID = 'MISSING_ROW_ID',
  INVALID_VALUE = 'INVALID_VALUE',
}

const CLIENT_CODES = {
  [CryptoErrorCode.UNKNOWN_PURPOSE]: ErrorCode.BAD_USER_INPUT,
  [CryptoErrorCode.INVALID_VALUE]: ErrorCode.BAD_USER_INPUT,
  [CryptoErrorCode.KEY_NOT_FOUND]: ErrorCode.NOT_FOUND,
  [CryptoErrorCode.KEY_STILL_IN_USE]: ErrorCode.CONFLICT,
  [CryptoErrorCode.KEY_NOT_RETIRABLE]: ErrorCode.CONFLICT,
  [CryptoErrorCode.KEY_NOT_ACTIVE]: ErrorCode.CONFLICT,
  [CryptoErrorCode.JOB_LEASE_LOST]: ErrorCode.CONFLICT,
  [CryptoErrorCode.DECRYPTION_FAILED]: ErrorCode.INTERNAL_SERVER_ERROR,
  [CryptoErrorCode.MALFORMED_CIPHERTEXT]: ErrorCode.INTERNAL_SERVER_ERROR,
  [CryptoErrorCode.KEY_DESTROYED]: ErrorCode.INTERNAL_SERVER_ERROR,
  [CryptoErrorCode.KEY_NOT_LOADED]: ErrorCode.INTERNAL_SERVER_ERROR,
  [CryptoErrorCode.MASTER_KEY_UNAVAILABLE]: ErrorCode.INTERNAL_SERVER_ERROR,
  [CryptoErrorCode.MISSING_ROW_ID]: ErrorCode.INTERNAL_SERVER_ERROR,
  [CryptoErrorCode.WRITE_OUTSIDE_TRANSACTION]: ErrorCode.INTERNAL_SERVER_ERROR,
} satisfies ClientCodes<CryptoErrorCode>;

/** Crypto failures. Messages never include key material, plaintext or ciphertext. */
export class CryptoException extends CodedException<CryptoErrorCode>(CLIENT_CODES) {}
