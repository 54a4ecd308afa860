import { ClientCodes, CodedException, ErrorCode } from '../../core/errors/error-code';

export enum PrivacyErrorCode {
  REQUEST_ALREADY_OPEN = 'REQUEST_ALREADY_OPEN',
  REQUEST_CLOSED = 'REQUEST_CLOSED',
  ALREADY_ERASED = 'ALREADY_ERASED',
  NOT_FOUND = 'NOT_FOUND',
  /** An active legal hold covers the customer: no erasure, no purge. */
  LEGAL_HOLD = 'LEGAL_HOLD',
  HOLD_NOT_FOUND = 'HOLD_NOT_FOUND',
  HOLD_RELEASED = 'HOLD_RELEASED',
  INVALID_EXPIRY = 'INVALID_EXPIRY',
  ALREADY_EXTENDED = 'ALREADY_EXTENDED',
  PAST_DUE = 'PAST_DUE',
}

const CLIENT_CODES = {
  [PrivacyErrorCode.REQUEST_ALREADY_OPEN]: ErrorCode.CONFLICT,
  [PrivacyErrorCode.REQUEST_CLOSED]: ErrorCode.CONFLICT,
  [PrivacyErrorCode.ALREADY_ERASED]: ErrorCode.CONFLICT,
  [PrivacyErrorCode.NOT_FOUND]: ErrorCode.NOT_FOUND,
  [PrivacyErrorCode.LEGAL_HOLD]: ErrorCode.CONFLICT,
  [PrivacyErrorCode.HOLD_NOT_FOUND]: ErrorCode.NOT_FOUND,
  [PrivacyErrorCode.HOLD_RELEASED]: ErrorCode.CONFLICT,
  [PrivacyErrorCode.INVALID_EXPIRY]: ErrorCode.BAD_USER_INPUT,
  [PrivacyErrorCode.ALREADY_EXTENDED]: ErrorCode.CONFLICT,
  [PrivacyErrorCode.PAST_DUE]: ErrorCode.CONFLICT,
} satisfies ClientCodes<PrivacyErrorCode>;

export class PrivacyException extends CodedException<PrivacyErrorCode>(CLIENT_CODES) {}
