import { AppException, ErrorCode } from '../../core/errors/error-code';

export enum AuthorizationErrorCode {
  ROLE_NOT_FOUND = 'ROLE_NOT_FOUND',
  ROLE_EXISTS = 'ROLE_EXISTS',
  ROLE_IN_USE = 'ROLE_IN_USE',
  BUILT_IN_ROLE = 'BUILT_IN_ROLE',
  INVALID_RULE = 'INVALID_RULE',
  INHERITANCE_CYCLE = 'INHERITANCE_CYCLE',
  REVEAL_NOT_ALLOWED = 'REVEAL_NOT_ALLOWED',
  REVEAL_RATE_LIMITED = 'REVEAL_RATE_LIMITED',
}

function toErrorCode(code: AuthorizationErrorCode): ErrorCode {
  switch (code) {
    case AuthorizationErrorCode.ROLE_NOT_FOUND:
      return ErrorCode.NOT_FOUND;
    case AuthorizationErrorCode.ROLE_EXISTS:
    case AuthorizationErrorCode.ROLE_IN_USE:
      return ErrorCode.CONFLICT;
    case AuthorizationErrorCode.BUILT_IN_ROLE:
    case AuthorizationErrorCode.INVALID_RULE:
    case AuthorizationErrorCode.INHERITANCE_CYCLE:
      return ErrorCode.BAD_USER_INPUT;
    case AuthorizationErrorCode.REVEAL_NOT_ALLOWED:
      return ErrorCode.FORBIDDEN;
    case AuthorizationErrorCode.REVEAL_RATE_LIMITED:
      return ErrorCode.RATE_LIMITED;
  }
}

export class AuthorizationException extends AppException {
  constructor(code: AuthorizationErrorCode, message: string) {
    super(toErrorCode(code), code, message);
  }
}
