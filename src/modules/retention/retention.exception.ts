import { ClientCodes, CodedException, ErrorCode } from '../../core/errors/error-code';

export enum RetentionErrorCode {
  /** Another instance holds the purge lock. */
  RETENTION_RUNNING = 'RETENTION_RUNNING',
}

const CLIENT_CODES = {
  [RetentionErrorCode.RETENTION_RUNNING]: ErrorCode.CONFLICT,
} satisfies ClientCodes<RetentionErrorCode>;

export class RetentionException extends CodedException<RetentionErrorCode>(CLIENT_CODES) {}
