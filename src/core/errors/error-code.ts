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

/** Safe, non-PII facts a client may act on (a limit, a field name). */
export type ErrorDetails = Record<string, string | number | boolean>;

/**
 * Base of every exception a client sees. `code` is one of the fixed client codes; `reason` is the
 * module's stable, more precise code (e.g. `DECRYPTION_FAILED`) that clients may branch on; `message`
 * must be safe to show (no PII, no SQL, no secrets). Modules derive theirs from `CodedException`.
 */
export class AppException extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly reason: string,
    message: string,
    readonly details?: ErrorDetails,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/**
 * The client code each of a module's codes answers with. Declare the table
 * `satisfies ClientCodes<ModuleErrorCode>`: a code added to the enum without a row is a compile
 * error, as the copied switches were, but the mapping reads as one table.
 */
export type ClientCodes<C extends string> = Readonly<Record<C, ErrorCode>>;

/**
 * The one base of a module's exception:
 * `export class PrivacyException extends CodedException<PrivacyErrorCode>(CLIENT_CODES) {}`,
 * thrown as `new PrivacyException(PrivacyErrorCode.REQUEST_CLOSED, 'message')`. `reason` is typed
 * as the module's enum, so a test or a caller can compare it without a second field.
 */
export function CodedException<C extends string>(clientCodes: ClientCodes<C>) {
  return class extends AppException {
    declare readonly reason: C;

    constructor(reason: C, message: string, details?: ErrorDetails) {
      super(clientCodes[reason], reason, message, details);
    }
  };
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
