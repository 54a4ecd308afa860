import { ClientCodes, CodedException, ErrorCode } from '../../core/errors/error-code';

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

const CLIENT_CODES = {
  [AuthorizationErrorCode.ROLE_NOT_FOUND]: ErrorCode.NOT_FOUND,
  [AuthorizationErrorCode.ROLE_EXISTS]: ErrorCode.CONFLICT,
  [AuthorizationErrorCode.ROLE_IN_USE]: ErrorCode.CONFLICT,
  [AuthorizationErrorCode.BUILT_IN_ROLE]: ErrorCode.BAD_USER_INPUT,
  [AuthorizationErrorCode.INVALID_RULE]: ErrorCode.BAD_USER_INPUT,
  [AuthorizationErrorCode.INHERITANCE_CYCLE]: ErrorCode.BAD_USER_INPUT,
  [AuthorizationErrorCode.REVEAL_NOT_ALLOWED]: ErrorCode.FORBIDDEN,
  [AuthorizationErrorCode.REVEAL_RATE_LIMITED]: ErrorCode.RATE_LIMITED,
} satisfies ClientCodes<AuthorizationErrorCode>;

export class AuthorizationException extends CodedException<AuthorizationErrorCode>(CLIENT_CODES) {}
