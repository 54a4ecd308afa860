import { ClientCodes, CodedException, ErrorCode } from '../../core/errors/error-code';

export enum ComplianceErrorCode {
  CONTACT_NOT_ALLOWED = 'CONTACT_NOT_ALLOWED',
  INVALID_ADDRESS = 'INVALID_ADDRESS',
  INVALID_SIGNATURE = 'INVALID_SIGNATURE',
  STALE_REQUEST = 'STALE_REQUEST',
  INVALID_RULES = 'INVALID_RULES',
  INVALID_REGISTRATION = 'INVALID_REGISTRATION',
  REGISTRATION_CONFLICT = 'REGISTRATION_CONFLICT',
  INVALID_CEASE_REQUEST = 'INVALID_CEASE_REQUEST',
  /** A brand or messaging campaign that does not exist. */
  NOT_FOUND = 'NOT_FOUND',
  /** No kept decision for that contact attempt. */
  DECISION_NOT_FOUND = 'DECISION_NOT_FOUND',
  INVALID_RANGE = 'INVALID_RANGE',
}

const CLIENT_CODES = {
  [ComplianceErrorCode.CONTACT_NOT_ALLOWED]: ErrorCode.FORBIDDEN,
  [ComplianceErrorCode.INVALID_ADDRESS]: ErrorCode.BAD_USER_INPUT,
  [ComplianceErrorCode.INVALID_RULES]: ErrorCode.BAD_USER_INPUT,
  [ComplianceErrorCode.INVALID_REGISTRATION]: ErrorCode.BAD_USER_INPUT,
  [ComplianceErrorCode.INVALID_CEASE_REQUEST]: ErrorCode.BAD_USER_INPUT,
  [ComplianceErrorCode.REGISTRATION_CONFLICT]: ErrorCode.CONFLICT,
  [ComplianceErrorCode.INVALID_SIGNATURE]: ErrorCode.UNAUTHENTICATED,
  [ComplianceErrorCode.STALE_REQUEST]: ErrorCode.UNAUTHENTICATED,
  [ComplianceErrorCode.NOT_FOUND]: ErrorCode.NOT_FOUND,
  [ComplianceErrorCode.DECISION_NOT_FOUND]: ErrorCode.NOT_FOUND,
  [ComplianceErrorCode.INVALID_RANGE]: ErrorCode.BAD_USER_INPUT,
} satisfies ClientCodes<ComplianceErrorCode>;

export class ComplianceException extends CodedException<ComplianceErrorCode>(CLIENT_CODES) {}
