import type { ApolloServerPlugin, GraphQLRequestContextExecutionDidStart } from '@apollo/server';
import { Logger } from '@nestjs/common';
import type { PiiReadRecorder } from '../authorization/pii-reads';
import { ErrorCode } from '../errors/error-code';
import { currentRequestId } from '../request/request-store';
import type { GraphQLContext } from './graphql-context';

const logger = new Logger('PiiReadLog');

export const READ_LOG_UNAVAILABLE = 'READ_LOG_UNAVAILABLE';

/**
 * Writes what an operation returned unmasked (the `@PiiField` notes) to the read-access log, in one
 * write, when execution ends: after the result is complete and before any other plugin's
 * `willSendResponse` (the audit capture then sees the outcome the client gets). When the write
 * fails the result is withheld: the client gets an error and no data.
 */
export function piiReadPlugin(recorder: PiiReadRecorder): ApolloServerPlugin<GraphQLContext> {
  return {
    requestDidStart() {
      let withheld = false;
      return Promise.resolve({
        executionDidStart(ctx) {
          return Promise.resolve({
            async executionDidEnd(error?: Error) {
              // An execution that threw sends no data: nothing was read.
              if (error) return;
              withheld = !(await flushPiiReads(recorder, ctx));
            },
          });
        },
        async willSendResponse(ctx) {
          if (!withheld) return;
          // @nestjs/apollo's last plugin resets the status of any answer with a `data` key to 200
          // in the synchronous part of its willSendResponse; hooks start in plugin order, so
          // yielding once lets it run first.
          await Promise.resolve();
          ctx.response.http.status = 503;
        },
      });
    },
  };
}

/** The flush of one operation: false when the reads could not be written and the result is withheld. */
export async function flushPiiReads(
  recorder: PiiReadRecorder,
  ctx: Pick<GraphQLRequestContextExecutionDidStart<GraphQLContext>, 'contextValue' | 'response'>,
): Promise<boolean> {
  const pending = ctx.contextValue.piiReads.drain();
  if (!pending) return true;
  try {
    await recorder.recordReads(pending.reads, pending.principal);
    return true;
  } catch (e) {
    // The recorder has raised it as critical where the audit log takes writes; here the data stays.
    logger.fatal(
      `read-access log write failed, response withheld: ${e instanceof Error ? e.name : 'unknown'}`,
    );
    withhold(ctx);
    return false;
  }
}

/** Replaces the result by one error: no personal value leaves without its read-access record. */
function withhold(ctx: Pick<GraphQLRequestContextExecutionDidStart<GraphQLContext>, 'response'>) {
  const error = {
    message:
      'The read-access log could not record this operation, so its result is withheld; a change it made may have been committed: check before retrying',
    extensions: {
      code: ErrorCode.INTERNAL_SERVER_ERROR,
      reason: READ_LOG_UNAVAILABLE,
      requestId: currentRequestId(),
    },
  };
  ctx.response.body = { kind: 'single', singleResult: { data: null, errors: [error] } };
  ctx.response.http.status = 503;
}
