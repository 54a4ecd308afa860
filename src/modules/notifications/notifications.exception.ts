import { ClientCodes, CodedException, ErrorCode } from '../../core/errors/error-code';

export enum NotificationsErrorCode {
  REVIEW_NOT_FOUND = 'REVIEW_NOT_FOUND',
  /** The review was approved or rejected already (by someone else, or twice). */
  REVIEW_ALREADY_DECIDED = 'REVIEW_ALREADY_DECIDED',
  /** A delivery receipt (status callback) without a valid provider signature. */
  INVALID_SIGNATURE = 'INVALID_SIGNATURE',
  /** A signed delivery receipt that lacks MessageSid or MessageStatus. */
  INVALID_RECEIPT = 'INVALID_RECEIPT',
}

const CLIENT_CODES = {
  [NotificationsErrorCode.REVIEW_NOT_FOUND]: ErrorCode.NOT_FOUND,
  [NotificationsErrorCode.REVIEW_ALREADY_DECIDED]: ErrorCode.CONFLICT,
  // 403, as Twilio's own webhook middleware answers a request it cannot trust.
  [NotificationsErrorCode.INVALID_SIGNATURE]: ErrorCode.FORBIDDEN,
  [NotificationsErrorCode.INVALID_RECEIPT]: ErrorCode.BAD_USER_INPUT,
} satisfies ClientCodes<NotificationsErrorCode>;

export class NotificationsException extends CodedException<NotificationsErrorCode>(CLIENT_CODES) {}
