import { ClientCodes, CodedException, ErrorCode } from '../../core/errors/error-code';

export enum IncidentsErrorCode {
  INCIDENT_NOT_FOUND = 'INCIDENT_NOT_FOUND',
  /** The status machine refuses the move (same status, or backward without a reopen reason). */
  INVALID_TRANSITION = 'INVALID_TRANSITION',
  REOPEN_NEEDS_REASON = 'REOPEN_NEEDS_REASON',
  INVALID_ADDRESS = 'INVALID_ADDRESS',
  /** The office allow-list is never blocked. */
  ADDRESS_ALLOW_LISTED = 'ADDRESS_ALLOW_LISTED',
  UNKNOWN_JURISDICTION = 'UNKNOWN_JURISDICTION',
  UNKNOWN_DEADLINE = 'UNKNOWN_DEADLINE',
  UNKNOWN_RULE = 'UNKNOWN_RULE',
  /** A rule may only take the actions whose targets its hits name. */
  ACTION_NOT_ALLOWED = 'ACTION_NOT_ALLOWED',
  ACTION_NOT_FOUND = 'ACTION_NOT_FOUND',
  ACTION_NOT_REVERSIBLE = 'ACTION_NOT_REVERSIBLE',
  ACTION_NOT_APPLIED = 'ACTION_NOT_APPLIED',
  /** The containment target does not exist (a user, key, campaign, key purpose). */
  TARGET_NOT_FOUND = 'TARGET_NOT_FOUND',
  AUDIT_EVENT_NOT_FOUND = 'AUDIT_EVENT_NOT_FOUND',
  USER_NOT_ASSIGNABLE = 'USER_NOT_ASSIGNABLE',
  SHIFT_NOT_FOUND = 'SHIFT_NOT_FOUND',
  INVALID_SHIFT = 'INVALID_SHIFT',
  INVALID_PERIOD = 'INVALID_PERIOD',
}

const CLIENT_CODES = {
  [IncidentsErrorCode.INCIDENT_NOT_FOUND]: ErrorCode.NOT_FOUND,
  [IncidentsErrorCode.INVALID_TRANSITION]: ErrorCode.CONFLICT,
  [IncidentsErrorCode.REOPEN_NEEDS_REASON]: ErrorCode.BAD_USER_INPUT,
  [IncidentsErrorCode.INVALID_ADDRESS]: ErrorCode.BAD_USER_INPUT,
  [IncidentsErrorCode.ADDRESS_ALLOW_LISTED]: ErrorCode.CONFLICT,
  [IncidentsErrorCode.UNKNOWN_JURISDICTION]: ErrorCode.BAD_USER_INPUT,
  [IncidentsErrorCode.UNKNOWN_DEADLINE]: ErrorCode.NOT_FOUND,
  [IncidentsErrorCode.UNKNOWN_RULE]: ErrorCode.NOT_FOUND,
  [IncidentsErrorCode.ACTION_NOT_ALLOWED]: ErrorCode.BAD_USER_INPUT,
  [IncidentsErrorCode.ACTION_NOT_FOUND]: ErrorCode.NOT_FOUND,
  [IncidentsErrorCode.ACTION_NOT_REVERSIBLE]: ErrorCode.CONFLICT,
  [IncidentsErrorCode.ACTION_NOT_APPLIED]: ErrorCode.CONFLICT,
  [IncidentsErrorCode.TARGET_NOT_FOUND]: ErrorCode.NOT_FOUND,
  [IncidentsErrorCode.AUDIT_EVENT_NOT_FOUND]: ErrorCode.NOT_FOUND,
  [IncidentsErrorCode.USER_NOT_ASSIGNABLE]: ErrorCode.BAD_USER_INPUT,
  [IncidentsErrorCode.SHIFT_NOT_FOUND]: ErrorCode.NOT_FOUND,
  [IncidentsErrorCode.INVALID_SHIFT]: ErrorCode.BAD_USER_INPUT,
  [IncidentsErrorCode.INVALID_PERIOD]: ErrorCode.BAD_USER_INPUT,
} satisfies ClientCodes<IncidentsErrorCode>;

export class IncidentsException extends CodedException<IncidentsErrorCode>(CLIENT_CODES) {}
