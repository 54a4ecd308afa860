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
  /** No customer matches the email, phone or id given (or the caller may not see it). */
  SUBJECT_NOT_FOUND = 'SUBJECT_NOT_FOUND',
  /** Several customers share the address: name the customer by id. */
  SUBJECT_AMBIGUOUS = 'SUBJECT_AMBIGUOUS',
  /** Give exactly one of customerId, email or phone. */
  INVALID_SUBJECT = 'INVALID_SUBJECT',
  /** The request type does not exist under the regime (e.g. restriction under the CCPA). */
  TYPE_NOT_IN_REGIME = 'TYPE_NOT_IN_REGIME',
  /** The step needs the subject's identity verified first (status in_progress). */
  NOT_VERIFIED = 'NOT_VERIFIED',
  ALREADY_VERIFIED = 'ALREADY_VERIFIED',
  NO_CONTACT_ON_FILE = 'NO_CONTACT_ON_FILE',
  TOO_MANY_CODES = 'TOO_MANY_CODES',
  WRONG_CODE = 'WRONG_CODE',
  CODE_EXPIRED = 'CODE_EXPIRED',
  /** Too many wrong codes: send a new one. */
  CODE_LOCKED = 'CODE_LOCKED',
  /** Rectification completes through completeRectification with the corrected values. */
  WRONG_COMPLETION = 'WRONG_COMPLETION',
  NOTHING_TO_CHANGE = 'NOTHING_TO_CHANGE',
  INVALID_VALUE = 'INVALID_VALUE',
  /** Only a completed rectification or restriction can be reversed, once. */
  NOT_REVERSIBLE = 'NOT_REVERSIBLE',
  /** An access or portability request completes once its export is ready. */
  EXPORT_NOT_READY = 'EXPORT_NOT_READY',
  /** Only access and portability requests are exported. */
  EXPORT_WRONG_TYPE = 'EXPORT_WRONG_TYPE',
  EXPORT_NOT_FOUND = 'EXPORT_NOT_FOUND',
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
  [PrivacyErrorCode.SUBJECT_NOT_FOUND]: ErrorCode.NOT_FOUND,
  [PrivacyErrorCode.SUBJECT_AMBIGUOUS]: ErrorCode.CONFLICT,
  [PrivacyErrorCode.INVALID_SUBJECT]: ErrorCode.BAD_USER_INPUT,
  [PrivacyErrorCode.TYPE_NOT_IN_REGIME]: ErrorCode.BAD_USER_INPUT,
  [PrivacyErrorCode.NOT_VERIFIED]: ErrorCode.CONFLICT,
  [PrivacyErrorCode.ALREADY_VERIFIED]: ErrorCode.CONFLICT,
  [PrivacyErrorCode.NO_CONTACT_ON_FILE]: ErrorCode.CONFLICT,
  [PrivacyErrorCode.TOO_MANY_CODES]: ErrorCode.CONFLICT,
  [PrivacyErrorCode.WRONG_CODE]: ErrorCode.BAD_USER_INPUT,
  [PrivacyErrorCode.CODE_EXPIRED]: ErrorCode.CONFLICT,
  [PrivacyErrorCode.CODE_LOCKED]: ErrorCode.CONFLICT,
  [PrivacyErrorCode.WRONG_COMPLETION]: ErrorCode.CONFLICT,
  [PrivacyErrorCode.NOTHING_TO_CHANGE]: ErrorCode.BAD_USER_INPUT,
  [PrivacyErrorCode.INVALID_VALUE]: ErrorCode.BAD_USER_INPUT,
  [PrivacyErrorCode.NOT_REVERSIBLE]: ErrorCode.CONFLICT,
  [PrivacyErrorCode.EXPORT_NOT_READY]: ErrorCode.CONFLICT,
  [PrivacyErrorCode.EXPORT_WRONG_TYPE]: ErrorCode.BAD_USER_INPUT,
  [PrivacyErrorCode.EXPORT_NOT_FOUND]: ErrorCode.NOT_FOUND,
} satisfies ClientCodes<PrivacyErrorCode>;

export class PrivacyException extends CodedException<PrivacyErrorCode>(CLIENT_CODES) {}
