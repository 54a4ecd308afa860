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
  /** An evidence pack needs exactly one of customer, debt or phone (a phone that normalizes). */
  INVALID_SCOPE = 'INVALID_SCOPE',
  /** More contact attempts in the range than one pack holds: split the range. */
  PACK_TOO_LARGE = 'PACK_TOO_LARGE',
  PACK_NOT_FOUND = 'PACK_NOT_FOUND',
  /** The pack holds consent evidence this role may not read. */
  EVIDENCE_NOT_ALLOWED = 'EVIDENCE_NOT_ALLOWED',
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
  [ComplianceErrorCode.INVALID_SCOPE]: ErrorCode.BAD_USER_INPUT,
  [ComplianceErrorCode.PACK_TOO_LARGE]: ErrorCode.BAD_USER_INPUT,
  [ComplianceErrorCode.PACK_NOT_FOUND]: ErrorCode.NOT_FOUND,
  [ComplianceErrorCode.EVIDENCE_NOT_ALLOWED]: ErrorCode.FORBIDDEN,
} satisfies ClientCodes<ComplianceErrorCode>;

export class ComplianceException extends CodedException<ComplianceErrorCode>(CLIENT_CODES) {}
