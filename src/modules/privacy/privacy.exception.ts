import { ClientCodes, CodedException, ErrorCode } from '../../core/errors/error-code';

export enum PrivacyErrorCode {
  REQUEST_ALREADY_OPEN = 'REQUEST_ALREADY_OPEN',
  REQUEST_CLOSED = 'REQUEST_CLOSED',
  ALREADY_ERASED = 'ALREADY_ERASED',
  NOT_FOUND = 'NOT_FOUND',
}

const CLIENT_CODES = {
  [PrivacyErrorCode.REQUEST_ALREADY_OPEN]: ErrorCode.CONFLICT,
  [PrivacyErrorCode.REQUEST_CLOSED]: ErrorCode.CONFLICT,
  [PrivacyErrorCode.ALREADY_ERASED]: ErrorCode.CONFLICT,
  [PrivacyErrorCode.NOT_FOUND]: ErrorCode.NOT_FOUND,
} satisfies ClientCodes<PrivacyErrorCode>;

export class PrivacyException extends CodedException<PrivacyErrorCode>(CLIENT_CODES) {}
