import { ClientCodes, CodedException, ErrorCode } from '../../core/errors/error-code';

export enum CustomersErrorCode {
  INVALID_PHONE = 'INVALID_PHONE',
  INVALID_TIMEZONE = 'INVALID_TIMEZONE',
  INVALID_DATE = 'INVALID_DATE',
  INVALID_WINDOW = 'INVALID_WINDOW',
  /** A customer that does not exist or that the caller may not see (one answer for both). */
  NOT_FOUND = 'NOT_FOUND',
  /** A debt that does not exist or whose customer the caller may not see. */
  DEBT_NOT_FOUND = 'DEBT_NOT_FOUND',
  /** A debt's fields are not valid (amount, account reference, date). */
  INVALID_DEBT = 'INVALID_DEBT',
  /** Another debt already has this placement reference. */
  DUPLICATE_PLACEMENT = 'DUPLICATE_PLACEMENT',
  /** `findDebts` takes exactly one of phone, email or accountRef, in a form that normalizes. */
  INVALID_LOOKUP = 'INVALID_LOOKUP',
  /** The placement file is larger than the import accepts. */
  IMPORT_TOO_LARGE = 'IMPORT_TOO_LARGE',
  /** A placement import that does not exist or is not the caller's. */
  IMPORT_NOT_FOUND = 'IMPORT_NOT_FOUND',
}

const CLIENT_CODES = {
  [CustomersErrorCode.INVALID_PHONE]: ErrorCode.BAD_USER_INPUT,
  [CustomersErrorCode.INVALID_TIMEZONE]: ErrorCode.BAD_USER_INPUT,
  [CustomersErrorCode.INVALID_DATE]: ErrorCode.BAD_USER_INPUT,
  [CustomersErrorCode.INVALID_WINDOW]: ErrorCode.BAD_USER_INPUT,
  [CustomersErrorCode.NOT_FOUND]: ErrorCode.NOT_FOUND,
  [CustomersErrorCode.DEBT_NOT_FOUND]: ErrorCode.NOT_FOUND,
  [CustomersErrorCode.INVALID_DEBT]: ErrorCode.BAD_USER_INPUT,
  [CustomersErrorCode.DUPLICATE_PLACEMENT]: ErrorCode.CONFLICT,
  [CustomersErrorCode.INVALID_LOOKUP]: ErrorCode.BAD_USER_INPUT,
  [CustomersErrorCode.IMPORT_TOO_LARGE]: ErrorCode.BAD_USER_INPUT,
  [CustomersErrorCode.IMPORT_NOT_FOUND]: ErrorCode.NOT_FOUND,
} satisfies ClientCodes<CustomersErrorCode>;

export class CustomersException extends CodedException<CustomersErrorCode>(CLIENT_CODES) {}
