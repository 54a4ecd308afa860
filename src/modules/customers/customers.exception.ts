import { ClientCodes, CodedException, ErrorCode } from '../../core/errors/error-code';

export enum CustomersErrorCode {
  INVALID_PHONE = 'INVALID_PHONE',
  INVALID_TIMEZONE = 'INVALID_TIMEZONE',
  INVALID_DATE = 'INVALID_DATE',
  INVALID_WINDOW = 'INVALID_WINDOW',
  /** A customer that does not exist or that the caller may not see (one answer for both). */
  NOT_FOUND = 'NOT_FOUND',
}

const CLIENT_CODES = {
  [CustomersErrorCode.INVALID_PHONE]: ErrorCode.BAD_USER_INPUT,
  [CustomersErrorCode.INVALID_TIMEZONE]: ErrorCode.BAD_USER_INPUT,
  [CustomersErrorCode.INVALID_DATE]: ErrorCode.BAD_USER_INPUT,
  [CustomersErrorCode.INVALID_WINDOW]: ErrorCode.BAD_USER_INPUT,
  [CustomersErrorCode.NOT_FOUND]: ErrorCode.NOT_FOUND,
} satisfies ClientCodes<CustomersErrorCode>;

export class CustomersException extends CodedException<CustomersErrorCode>(CLIENT_CODES) {}
