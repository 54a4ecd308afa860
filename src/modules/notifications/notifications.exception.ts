import { ClientCodes, CodedException, ErrorCode } from '../../core/errors/error-code';

export enum NotificationsErrorCode {
  REVIEW_NOT_FOUND = 'REVIEW_NOT_FOUND',
  /** The review was approved or rejected already (by someone else, or twice). */
  REVIEW_ALREADY_DECIDED = 'REVIEW_ALREADY_DECIDED',
}

const CLIENT_CODES = {
  [NotificationsErrorCode.REVIEW_NOT_FOUND]: ErrorCode.NOT_FOUND,
  [NotificationsErrorCode.REVIEW_ALREADY_DECIDED]: ErrorCode.CONFLICT,
} satisfies ClientCodes<NotificationsErrorCode>;

export class NotificationsException extends CodedException<NotificationsErrorCode>(CLIENT_CODES) {}
