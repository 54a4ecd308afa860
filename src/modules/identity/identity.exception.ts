import { AppException, ErrorCode } from '../../core/errors/error-code';

export enum IdentityErrorCode {
  INVALID_CREDENTIALS = 'INVALID_CREDENTIALS',
  ACCOUNT_DISABLED = 'ACCOUNT_DISABLED',
  /** Any sign-in lock (account, account on this address, or address): one answer for all. */
  TOO_MANY_ATTEMPTS = 'TOO_MANY_ATTEMPTS',
  HASHING_BUSY = 'HASHING_BUSY',
  INVALID_TOKEN = 'INVALID_TOKEN',
  TOKEN_EXPIRED = 'TOKEN_EXPIRED',
  SESSION_REVOKED = 'SESSION_REVOKED',
  REFRESH_TOKEN_REUSED = 'REFRESH_TOKEN_REUSED',
  INVALID_MFA_TOKEN = 'INVALID_MFA_TOKEN',
  INVALID_MFA_CODE = 'INVALID_MFA_CODE',
  MFA_NOT_ENROLLED = 'MFA_NOT_ENROLLED',
  MFA_ALREADY_ENABLED = 'MFA_ALREADY_ENABLED',
  MFA_REQUIRED_FOR_ROLE = 'MFA_REQUIRED_FOR_ROLE',
  MFA_ENROLLMENT_REQUIRED = 'MFA_ENROLLMENT_REQUIRED',
  STEP_UP_REQUIRED = 'STEP_UP_REQUIRED',
  PASSWORD_POLICY = 'PASSWORD_POLICY',
  INVALID_RESET_TOKEN = 'INVALID_RESET_TOKEN',
  EMAIL_TAKEN = 'EMAIL_TAKEN',
  UNKNOWN_ROLE = 'UNKNOWN_ROLE',
  OWN_ROLE = 'OWN_ROLE',
  USER_NOT_FOUND = 'USER_NOT_FOUND',
  SESSION_NOT_FOUND = 'SESSION_NOT_FOUND',
  API_KEY_NOT_FOUND = 'API_KEY_NOT_FOUND',
  INVALID_API_KEY = 'INVALID_API_KEY',
  SCOPE_EXCEEDED = 'SCOPE_EXCEEDED',
}

function toErrorCode(code: IdentityErrorCode): ErrorCode {
  switch (code) {
    case IdentityErrorCode.INVALID_CREDENTIALS:
    case IdentityErrorCode.INVALID_TOKEN:
    case IdentityErrorCode.TOKEN_EXPIRED:
    case IdentityErrorCode.SESSION_REVOKED:
    case IdentityErrorCode.REFRESH_TOKEN_REUSED:
    case IdentityErrorCode.INVALID_MFA_TOKEN:
    case IdentityErrorCode.INVALID_MFA_CODE:
    case IdentityErrorCode.INVALID_API_KEY:
      return ErrorCode.UNAUTHENTICATED;
    case IdentityErrorCode.ACCOUNT_DISABLED:
    case IdentityErrorCode.MFA_REQUIRED_FOR_ROLE:
    case IdentityErrorCode.MFA_ENROLLMENT_REQUIRED:
    case IdentityErrorCode.STEP_UP_REQUIRED:
    case IdentityErrorCode.OWN_ROLE:
    case IdentityErrorCode.SCOPE_EXCEEDED:
      return ErrorCode.FORBIDDEN;
    case IdentityErrorCode.TOO_MANY_ATTEMPTS:
    case IdentityErrorCode.HASHING_BUSY:
      return ErrorCode.RATE_LIMITED;
    case IdentityErrorCode.PASSWORD_POLICY:
    case IdentityErrorCode.INVALID_RESET_TOKEN:
    case IdentityErrorCode.UNKNOWN_ROLE:
    case IdentityErrorCode.MFA_NOT_ENROLLED:
      return ErrorCode.BAD_USER_INPUT;
    case IdentityErrorCode.EMAIL_TAKEN:
    case IdentityErrorCode.MFA_ALREADY_ENABLED:
      return ErrorCode.CONFLICT;
    case IdentityErrorCode.USER_NOT_FOUND:
    case IdentityErrorCode.SESSION_NOT_FOUND:
    case IdentityErrorCode.API_KEY_NOT_FOUND:
      return ErrorCode.NOT_FOUND;
  }
}

export class IdentityException extends AppException {
  constructor(
    readonly identityCode: IdentityErrorCode,
    message: string,
    details?: Record<string, string | number | boolean>,
  ) {
    super(toErrorCode(identityCode), identityCode, message, details);
  }
}
