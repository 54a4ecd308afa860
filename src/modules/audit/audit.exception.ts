import { ClientCodes, CodedException, ErrorCode } from '../../core/errors/error-code';

export enum AuditErrorCode {
  TOO_LONG = 'TOO_LONG',
  BAD_RANGE = 'BAD_RANGE',
  BAD_SEQUENCE = 'BAD_SEQUENCE',
}

const CLIENT_CODES = {
  [AuditErrorCode.TOO_LONG]: ErrorCode.BAD_USER_INPUT,
  [AuditErrorCode.BAD_RANGE]: ErrorCode.BAD_USER_INPUT,
  [AuditErrorCode.BAD_SEQUENCE]: ErrorCode.BAD_USER_INPUT,
} satisfies ClientCodes<AuditErrorCode>;

export class AuditException extends CodedException<AuditErrorCode>(CLIENT_CODES) {}
