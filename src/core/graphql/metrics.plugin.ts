import type { ApolloServerPlugin } from '@apollo/server';
import { Kind, type OperationDefinitionNode } from 'graphql';
import type { MetricsService } from '../metrics/metrics.service';

/** The label of a request that never reached a valid operation (parse or validation failure). */
const INVALID = '(invalid)';

/**
 * Counts and times every GraphQL request by operation: its first root field (`customers`,
 * `login`) and type, both taken only once the document has validated against the schema, so a
 * label is always a field of the schema, never a name the caller made up (the client's
 * `operationName` is free text and would let anyone grow the series without bound). Errors are
 * counted by their client code and reason, which are closed sets.
 */
export function metricsPlugin(metrics: MetricsService): ApolloServerPlugin {
  return {
    requestDidStart() {
      const started = performance.now();
      let operation = INVALID;
      let type = INVALID;
      return Promise.resolve({
        didResolveOperation(ctx) {
          if (ctx.operation) {
            type = ctx.operation.operation;
            operation = rootField(ctx.operation) ?? INVALID;
          }
          return Promise.resolve();
        },
        willSendResponse(ctx) {
          const body = ctx.response.body;
          const errors = body.kind === 'single' ? (body.singleResult.errors ?? []) : [];
          metrics.graphqlRequests.inc({ operation, type, outcome: errors.length ? 'error' : 'ok' });
          metrics.graphqlDuration.observe(
            { operation, type },
            (performance.now() - started) / 1000,
          );
          for (const error of errors) {
            const extensions = error.extensions ?? {};
            metrics.graphqlErrors.inc({
              operation,
              code: typeof extensions.code === 'string' ? extensions.code : 'UNKNOWN',
              reason: typeof extensions.reason === 'string' ? extensions.reason : 'NONE',
            });
          }
          return Promise.resolve();
        },
      });
    },
  };
}

function rootField(operation: OperationDefinitionNode): string | undefined {
  for (const selection of operation.selectionSet.selections)
    if (selection.kind === Kind.FIELD && selection.name.value !== '__typename')
      return selection.name.value;
  return undefined;
}
