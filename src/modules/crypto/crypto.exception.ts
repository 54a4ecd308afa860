import { AppException, ErrorCode } from '../../core/errors/error-code';

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

function toErrorCode(code: CryptoErrorCode): ErrorCode {
  switch (code) {
    case CryptoErrorCode.UNKNOWN_PURPOSE:
    case CryptoErrorCode.INVALID_VALUE:
      return ErrorCode.BAD_USER_INPUT;
    case CryptoErrorCode.KEY_NOT_FOUND:
      return ErrorCode.NOT_FOUND;
    case CryptoErrorCode.KEY_STILL_IN_USE:
    case CryptoErrorCode.KEY_NOT_RETIRABLE:
    case CryptoErrorCode.KEY_NOT_ACTIVE:
    case CryptoErrorCode.JOB_LEASE_LOST:
      return ErrorCode.CONFLICT;
    case CryptoErrorCode.DECRYPTION_FAILED:
    case CryptoErrorCode.MALFORMED_CIPHERTEXT:
    case CryptoErrorCode.KEY_DESTROYED:
    case CryptoErrorCode.KEY_NOT_LOADED:
    case CryptoErrorCode.MASTER_KEY_UNAVAILABLE:
    case CryptoErrorCode.MISSING_ROW_ID:
    case CryptoErrorCode.WRITE_OUTSIDE_TRANSACTION:
      return ErrorCode.INTERNAL_SERVER_ERROR;
  }
}

/** Crypto failures. Messages never include key material, plaintext or ciphertext. */
export class CryptoException extends AppException {
  constructor(
    readonly cryptoCode: CryptoErrorCode,
    message: string,
  ) {
    super(toErrorCode(cryptoCode), cryptoCode, message);
  }
}
