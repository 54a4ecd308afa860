import { HttpException } from '@nestjs/common';
import { GraphQLError } from 'graphql';
import { QueryFailedError } from 'typeorm';
import { AppException, ErrorCode } from './error-code';

export interface MappedError {
  code: ErrorCode;
  reason: string;
  message: string;
  details?: Record<string, string | number | boolean>;
  /** True when the cause is a fault of ours; such errors are logged with their stack. */
  internal: boolean;
}

const GRAPHQL_INPUT_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
]);

const CONNECTION_ERRORS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_SERVER_SHUTDOWN',
  'ER_CON_COUNT_ERROR',
  'POOL_CLOSED',
]);

function httpStatusToCode(status: number): ErrorCode {
  if (status === 400 || status === 413 || status === 422) return ErrorCode.BAD_USER_INPUT;
  if (status === 401) return ErrorCode.UNAUTHENTICATED;
  if (status === 403) return ErrorCode.FORBIDDEN;
  if (status === 404) return ErrorCode.NOT_FOUND;
  if (status === 409) return ErrorCode.CONFLICT;
  if (status === 429) return ErrorCode.RATE_LIMITED;
  return ErrorCode.INTERNAL_SERVER_ERROR;
}

function httpExceptionMessage(e: HttpException): string {
  const body = e.getResponse();
  if (typeof body === 'string') return body;
  const message = (body as { message?: unknown }).message;
  if (Array.isArray(message)) return message.map(String).join('; ');
  if (typeof message === 'string') return message;
  return e.message;
}

/**
 * The database driver's fields of an error, whether TypeORM wrapped it (QueryFailedError keeps
 * it as `driverError`) or not: the one place that reads them.
 */
export function driverErrorOf(e: unknown): { code?: string; errno?: number; sqlState?: string } {
  const outer = e as { driverError?: unknown } | null;
  const d = (outer?.driverError ?? e) as {
    code?: unknown;
    errno?: unknown;
    sqlState?: unknown;
  } | null;
  const code = d?.code ?? (e as { code?: unknown } | null)?.code;
  return {
    code: typeof code === 'string' ? code : undefined,
    errno: typeof d?.errno === 'number' ? d.errno : undefined,
    sqlState: typeof d?.sqlState === 'string' ? d.sqlState : undefined,
  };
}

function driverCode(e: unknown): string | undefined {
  return driverErrorOf(e).code;
}

/** True for errors that mean "the database cannot be reached right now". */
export function isDatabaseUnavailable(e: unknown): boolean {
  const code = driverCode(e);
  if (code && CONNECTION_ERRORS.has(code)) return true;
  const raw = (e as { message?: unknown } | null)?.message;
  const message = typeof raw === 'string' ? raw : '';
  return /connect ECONNREFUSED|Connection lost|closed state|Pool is closed|Can't add new command when connection is in closed state/i.test(
    message,
  );
}

/**
 * Maps anything thrown while serving a request to the client-facing shape. Only messages we wrote
 * (AppException, validation) pass through; everything else becomes a generic message so that no
 * stack trace, SQL or driver text can reach a client.
 */
export function mapError(original: unknown): MappedError {
  if (original instanceof AppException) {
    return {
      code: original.code,
      reason: original.reason,
      message: original.message,
      details: original.details,
      internal: original.code === ErrorCode.INTERNAL_SERVER_ERROR,
    };
  }
  if (original instanceof HttpException) {
    const status = original.getStatus();
    const code = httpStatusToCode(status);
    return {
      code,
      reason: code === ErrorCode.BAD_USER_INPUT ? 'VALIDATION_FAILED' : code,
      message:
        code === ErrorCode.INTERNAL_SERVER_ERROR
          ? 'Internal server error'
          : httpExceptionMessage(original),
      internal: code === ErrorCode.INTERNAL_SERVER_ERROR,
    };
  }
  if (isDatabaseUnavailable(original)) {
    return {
      code: ErrorCode.INTERNAL_SERVER_ERROR,
      reason: 'DATABASE_UNAVAILABLE',
      message: 'The database is unavailable; try again shortly',
      internal: true,
    };
  }
  if (original instanceof QueryFailedError && driverCode(original) === 'ER_DUP_ENTRY') {
    return {
      code: ErrorCode.CONFLICT,
      reason: 'DUPLICATE',
      message: 'A record with the same unique value already exists',
      internal: false,
    };
  }
  if (original instanceof GraphQLError) {
    const gqlCode = original.extensions?.code;
    // Our own validation rules name a precise reason (Apollo rewrites their code).
    const ownReason = original.extensions?.reason;
    if (typeof gqlCode === 'string' && GRAPHQL_INPUT_CODES.has(gqlCode)) {
      return {
        code: ErrorCode.BAD_USER_INPUT,
        reason:
          typeof ownReason === 'string' && /^[A-Z_]{1,64}$/.test(ownReason) ? ownReason : gqlCode,
        message: original.message,
        internal: false,
      };
    }
    if (!original.originalError && !gqlCode) {
      // Errors graphql-js raises itself while validating or coercing (e.g. a variable of the wrong type).
      return {
        code: ErrorCode.BAD_USER_INPUT,
        reason: 'GRAPHQL_VALIDATION_FAILED',
        message: original.message,
        internal: false,
      };
    }
  }
  return {
    code: ErrorCode.INTERNAL_SERVER_ERROR,
    reason: 'INTERNAL',
    message: 'Internal server error',
    internal: true,
  };
}

/**
 * A log-safe description of an error: driver errors lose their message and SQL (both can contain
 * values, i.e. PII); our own errors keep message and stack.
 */
export function describeForLog(e: unknown): Record<string, unknown> {
  if (!(e instanceof Error)) return { type: typeof e };
  const frames = (e.stack ?? '').split('\n').slice(1, 12).join('\n');
  if (e instanceof QueryFailedError || driverCode(e)) {
    const { code, errno, sqlState } = driverErrorOf(e);
    return { type: e.name, code, errno, sqlState, stack: frames };
  }
  return { type: e.name, message: e.message, stack: frames };
}
