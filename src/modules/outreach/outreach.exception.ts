import { ClientCodes, CodedException, ErrorCode } from '../../core/errors/error-code';

export enum OutreachErrorCode {
  INVALID_TRANSITION = 'INVALID_TRANSITION',
  INVALID_TEMPLATE = 'INVALID_TEMPLATE',
  INVALID_AUDIENCE = 'INVALID_AUDIENCE',
  NOT_EDITABLE = 'NOT_EDITABLE',
  CONTACT_NOT_ALLOWED = 'CONTACT_NOT_ALLOWED',
  INVALID_TASK_STATE = 'INVALID_TASK_STATE',
  INVALID_ASSIGNEE = 'INVALID_ASSIGNEE',
  INVALID_CUSTOMER = 'INVALID_CUSTOMER',
  INVALID_SENDER = 'INVALID_SENDER',
  SENDER_NOT_ACTIVE = 'SENDER_NOT_ACTIVE',
  /** Content screening found what must never leave by text or email (details name the rules). */
  CONTENT_BLOCKED = 'CONTENT_BLOCKED',
  /** A campaign for a team the caller's rules do not cover: a permission, checked before the input. */
  FOREIGN_TEAM = 'FOREIGN_TEAM',
  /** A task or campaign that does not exist or that the caller may not see (one answer for both). */
  NOT_FOUND = 'NOT_FOUND',
}

const CLIENT_CODES = {
  [OutreachErrorCode.INVALID_TRANSITION]: ErrorCode.CONFLICT,
  [OutreachErrorCode.NOT_EDITABLE]: ErrorCode.CONFLICT,
  [OutreachErrorCode.INVALID_TASK_STATE]: ErrorCode.CONFLICT,
  [OutreachErrorCode.INVALID_TEMPLATE]: ErrorCode.BAD_USER_INPUT,
  [OutreachErrorCode.INVALID_AUDIENCE]: ErrorCode.BAD_USER_INPUT,
  [OutreachErrorCode.INVALID_ASSIGNEE]: ErrorCode.BAD_USER_INPUT,
  [OutreachErrorCode.INVALID_CUSTOMER]: ErrorCode.BAD_USER_INPUT,
  [OutreachErrorCode.INVALID_SENDER]: ErrorCode.BAD_USER_INPUT,
  [OutreachErrorCode.CONTACT_NOT_ALLOWED]: ErrorCode.FORBIDDEN,
  [OutreachErrorCode.SENDER_NOT_ACTIVE]: ErrorCode.FORBIDDEN,
  [OutreachErrorCode.CONTENT_BLOCKED]: ErrorCode.BAD_USER_INPUT,
  [OutreachErrorCode.FOREIGN_TEAM]: ErrorCode.FORBIDDEN,
  [OutreachErrorCode.NOT_FOUND]: ErrorCode.NOT_FOUND,
} satisfies ClientCodes<OutreachErrorCode>;

export class OutreachException extends CodedException<OutreachErrorCode>(CLIENT_CODES) {}
