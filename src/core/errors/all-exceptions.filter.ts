import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { GqlContextType } from '@nestjs/graphql';
import type { FastifyReply } from 'fastify';

const JSON_TYPE = 'application/json; charset=utf-8';
import { currentRequestId } from '../request/request-store';
import { describeForLog, mapError } from './map-error';

/**
 * One exception filter for the whole app. GraphQL errors pass through untouched: the Apollo
 * formatter shapes them and the error plugin logs them once, without PII. HTTP routes answer
 * their HttpException, or a bare 500 with the request id, and the cause is logged safely.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Exceptions');

  catch(exception: unknown, host: ArgumentsHost): unknown {
    if (host.getType<GqlContextType>() === 'graphql') {
      // graphql-js treats a returned non-Error as data: hand back an Error in every case. A value
      // thrown from another realm (or a plain object) keeps its driver code for the mapper.
      if (exception instanceof Error) return exception;
      const code = (exception as { code?: unknown } | null)?.code;
      return Object.assign(new Error('Unexpected failure'), { cause: exception, code });
    }
    const res = host.switchToHttp().getResponse<FastifyReply>();
    const requestId = currentRequestId();
    if (exception instanceof HttpException) {
      const body = exception.getResponse();
      // JSON even where the route declared another type (e.g. the SMS webhook's text/xml).
      void res
        .status(exception.getStatus())
        .type(JSON_TYPE)
        .send(
          typeof body === 'string'
            ? { statusCode: exception.getStatus(), message: body, requestId }
            : { ...body, requestId },
        );
      return undefined;
    }
    const mapped = mapError(exception);
    if (!mapped.internal) {
      const status: Record<string, number> = {
        BAD_USER_INPUT: 400,
        UNAUTHENTICATED: 401,
        FORBIDDEN: 403,
        NOT_FOUND: 404,
        CONFLICT: 409,
        RATE_LIMITED: 429,
      };
      void res
        .status(status[mapped.code] ?? 400)
        .type(JSON_TYPE)
        .send({ code: mapped.code, reason: mapped.reason, message: mapped.message, requestId });
      return undefined;
    }
    this.logger.error({
      requestId,
      reason: mapped.reason,
      err: describeForLog(exception),
      msg: 'request failed',
    });
    void res
      .status(500)
      .type(JSON_TYPE)
      .send({ statusCode: 500, message: 'Internal server error', requestId });
    return undefined;
  }
}
