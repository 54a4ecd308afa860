import { ClientCodes, CodedException, ErrorCode } from '../../core/errors/error-code';

export enum RetentionErrorCode {
  /** Another instance holds the purge lock. */
  RETENTION_RUNNING = 'RETENTION_RUNNING',
  UNKNOWN_POLICY = 'UNKNOWN_POLICY',
  /** A period shorter than the law's minimum (Reg F's three years for contact records). */
  UNDER_LEGAL_FLOOR = 'UNDER_LEGAL_FLOOR',
}

const CLIENT_CODES = {
  [RetentionErrorCode.RETENTION_RUNNING]: ErrorCode.CONFLICT,
  [RetentionErrorCode.UNKNOWN_POLICY]: ErrorCode.NOT_FOUND,
  [RetentionErrorCode.UNDER_LEGAL_FLOOR]: ErrorCode.BAD_USER_INPUT,
} satisfies ClientCodes<RetentionErrorCode>;

export class RetentionException extends CodedException<RetentionErrorCode>(CLIENT_CODES) {}
