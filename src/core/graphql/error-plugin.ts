import type { ApolloServerPlugin } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import type { GraphQLFormattedError } from 'graphql';
import type { Logger } from 'nestjs-pino';
import { describeForLog, mapError } from '../errors/map-error';
import { currentRequestId } from '../request/request-store';
import { GraphQLContext } from './graphql-context';

/**
 * Shapes every GraphQL error: a fixed `extensions.code`, a stable `reason`, the request id, and
 * nothing else (no stack, no SQL, no driver text). The raw cause is logged, safely, server-side (errorPlugin).
 */
export function formatGraphQLError(
  formatted: GraphQLFormattedError,
  error: unknown,
): GraphQLFormattedError {
  const mapped = mapError(unwrapResolverError(error));
  return {
    message: mapped.message,
    locations: formatted.locations,
    path: formatted.path,
    extensions: {
      code: mapped.code,
      reason: mapped.reason,
      ...(mapped.details ? { details: mapped.details } : {}),
      requestId: currentRequestId(),
    },
  };
}

export function errorPlugin(logger: Logger): ApolloServerPlugin<GraphQLContext> {
  return {
    requestDidStart() {
      return Promise.resolve({
        didEncounterErrors({ errors, operationName }) {
          const requestId = currentRequestId();
          for (const error of errors) {
            const original = unwrapResolverError(error);
            const mapped = mapError(original);
            const entry = {
              requestId,
              operationName,
              path: error.path,
              code: mapped.code,
              reason: mapped.reason,
            };
            if (mapped.internal) {
              logger.error({
                ...entry,
                err: describeForLog(original),
                msg: 'graphql request failed',
              });
            } else {
              logger.log({ ...entry, msg: 'graphql request rejected' });
            }
          }
          return Promise.resolve();
        },
      });
    },
  };
}
