import { AppException, ErrorCode } from '../../core/errors/error-code';

export enum PrivacyErrorCode {
  REQUEST_ALREADY_OPEN = 'REQUEST_ALREADY_OPEN',
  REQUEST_CLOSED = 'REQUEST_CLOSED',
  ALREADY_ERASED = 'ALREADY_ERASED',
}

export class PrivacyException extends AppException {
  constructor(code: PrivacyErrorCode, message: string) {
    super(ErrorCode.CONFLICT, code, message);
  }
}
