import { AppException, ErrorCode } from '../../core/errors/error-code';

export enum ComplianceErrorCode {
  CONTACT_NOT_ALLOWED = 'CONTACT_NOT_ALLOWED',
  INVALID_ADDRESS = 'INVALID_ADDRESS',
  INVALID_SIGNATURE = 'INVALID_SIGNATURE',
  STALE_REQUEST = 'STALE_REQUEST',
  INVALID_RULES = 'INVALID_RULES',
  INVALID_REGISTRATION = 'INVALID_REGISTRATION',
  REGISTRATION_CONFLICT = 'REGISTRATION_CONFLICT',
  INVALID_CEASE_REQUEST = 'INVALID_CEASE_REQUEST',
}

function toErrorCode(code: ComplianceErrorCode): ErrorCode {
  switch (code) {
    case ComplianceErrorCode.CONTACT_NOT_ALLOWED:
      return ErrorCode.FORBIDDEN;
    case ComplianceErrorCode.INVALID_ADDRESS:
    case ComplianceErrorCode.INVALID_RULES:
    case ComplianceErrorCode.INVALID_REGISTRATION:
    case ComplianceErrorCode.INVALID_CEASE_REQUEST:
      return ErrorCode.BAD_USER_INPUT;
    case ComplianceErrorCode.REGISTRATION_CONFLICT:
      return ErrorCode.CONFLICT;
    case ComplianceErrorCode.INVALID_SIGNATURE:
    case ComplianceErrorCode.STALE_REQUEST:
      return ErrorCode.UNAUTHENTICATED;
  }
}

export class ComplianceException extends AppException {
  constructor(
    code: ComplianceErrorCode,
    message: string,
    details?: Record<string, string | number | boolean>,
  ) {
    super(toErrorCode(code), code, message, details);
  }
}
