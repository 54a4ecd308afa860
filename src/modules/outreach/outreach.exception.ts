import { AppException, ErrorCode } from '../../core/errors/error-code';

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
}

function toErrorCode(code: OutreachErrorCode): ErrorCode {
  switch (code) {
    case OutreachErrorCode.INVALID_TRANSITION:
    case OutreachErrorCode.NOT_EDITABLE:
    case OutreachErrorCode.INVALID_TASK_STATE:
      return ErrorCode.CONFLICT;
    case OutreachErrorCode.INVALID_TEMPLATE:
    case OutreachErrorCode.INVALID_AUDIENCE:
    case OutreachErrorCode.INVALID_ASSIGNEE:
    case OutreachErrorCode.INVALID_CUSTOMER:
    case OutreachErrorCode.INVALID_SENDER:
      return ErrorCode.BAD_USER_INPUT;
    case OutreachErrorCode.CONTACT_NOT_ALLOWED:
    case OutreachErrorCode.SENDER_NOT_ACTIVE:
      return ErrorCode.FORBIDDEN;
  }
}

export class OutreachException extends AppException {
  constructor(
    code: OutreachErrorCode,
    message: string,
    details?: Record<string, string | number | boolean>,
  ) {
    super(toErrorCode(code), code, message, details);
  }
}
