/** The fixed set of `extensions.code` values a client ever sees. */
export enum ErrorCode {
  BAD_USER_INPUT = 'BAD_USER_INPUT',
  UNAUTHENTICATED = 'UNAUTHENTICATED',
  FORBIDDEN = 'FORBIDDEN',
  NOT_FOUND = 'NOT_FOUND',
  CONFLICT = 'CONFLICT',
  RATE_LIMITED = 'RATE_LIMITED',
  INTERNAL_SERVER_ERROR = 'INTERNAL_SERVER_ERROR',
}

/**
 * Base of every module's exception. `code` is one of the fixed client codes; `reason` is the module's
 * stable, more precise code (e.g. `DECRYPTION_FAILED`) that clients may branch on; `message` must be
 * safe to show (no PII, no SQL, no secrets).
 */
export class AppException extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly reason: string,
    message: string,
    readonly details?: Record<string, string | number | boolean>,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class NotFoundAppException extends AppException {
  constructor(resource: string) {
    super(ErrorCode.NOT_FOUND, 'NOT_FOUND', `${resource} not found`);
  }
}

export class BadInputAppException extends AppException {
  constructor(
    reason: string,
    message: string,
    details?: Record<string, string | number | boolean>,
  ) {
    super(ErrorCode.BAD_USER_INPUT, reason, message, details);
  }
}

/**
 * A submitted value as an error message may quote it: a short plain identifier as is (it helps
 * fix a typo); anything else (control or bidi characters, markup, 100 kB of text) as a placeholder,
 * so an answer or log line never carries what a caller injected.
 */
export function echoValue(value: unknown): string {
  return typeof value === 'string' && /^[A-Za-z0-9_.:-]{1,64}$/.test(value)
    ? `'${value}'`
    : '(a value that is not a valid name)';
}
