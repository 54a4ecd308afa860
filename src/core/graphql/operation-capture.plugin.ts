import type { ApolloServerPlugin, GraphQLRequestContextWillSendResponse } from '@apollo/server';
import { Logger } from '@nestjs/common';
import {
  FieldNode,
  getOperationAST,
  Kind,
  OperationDefinitionNode,
  OperationTypeNode,
  valueFromASTUntyped,
} from 'graphql';
import { isAuditSensitiveQuery } from '../audit/audit-sensitive.decorator';
import type { OperationRecorder } from '../audit/operation-recorder';
import { ErrorCode } from '../errors/error-code';
import { currentRequestId, requestStore } from '../request/request-store';

const logger = new Logger('AuditCapture');

/**
 * Records every mutation and every sensitive query, with result, error code and duration, after the
 * response is ready and before it is sent. An Apollo plugin rather than a Nest interceptor: guards
 * run before interceptors, so a mutation refused by the guard (or by validation) would otherwise
 * leave no trace; here every attempt that names a mutation is recorded.
 */
export function operationCapturePlugin(recorder: OperationRecorder): ApolloServerPlugin {
  return {
    requestDidStart() {
      const started = performance.now();
      return Promise.resolve({
        async willSendResponse(ctx) {
          try {
            await recordOperation(recorder, ctx, performance.now() - started);
          } catch (e) {
            // The audit service already logged it as fatal and flags its health; the caller must
            // not read an unaudited change or reveal as a success.
            logger.error(`audit capture failed: ${e instanceof Error ? e.name : 'unknown'}`);
            refuseUnaudited(ctx);
          }
        },
      });
    },
  };
}

/**
 * Replaces a response whose audit entry could not be written by an error: the change may have been
 * made (it committed before the audit write failed), so the answer says it is not confirmed, and
 * no data (a revealed value, a new key) leaves without its audit row.
 */
function refuseUnaudited(ctx: GraphQLRequestContextWillSendResponse<object>): void {
  const body = ctx.response.body;
  if (body.kind !== 'single') return;
  // An answer that is already a failure (no data) claims nothing: it keeps its own error (the
  // database being down, say), which says more than this one.
  const result = body.singleResult;
  if ((result.errors?.length ?? 0) > 0 && (result.data === null || result.data === undefined))
    return;
  body.singleResult.data = null;
  body.singleResult.errors = [
    {
      message:
        'The audit log could not record this operation: it is not confirmed; check its effect before retrying',
      extensions: {
        code: ErrorCode.INTERNAL_SERVER_ERROR,
        reason: AUDIT_UNAVAILABLE,
        requestId: currentRequestId(),
      },
    },
  ];
  ctx.response.http.status = 503;
}

export const AUDIT_UNAVAILABLE = 'AUDIT_UNAVAILABLE';

const REFUSAL_SAMPLE_MS = 1000;
const lastRefusal = new Map<string, number>();

/** Whether this caller (principal, else address) had no rate-limit refusal recorded this second. */
function firstRefusalThisSecond(): boolean {
  const store = requestStore.getStore();
  const caller = store?.principal
    ? `${store.principal.type}:${store.principal.id}`
    : `ip:${store?.ip ?? 'unknown'}`;
  const now = Date.now();
  if (now - (lastRefusal.get(caller) ?? 0) < REFUSAL_SAMPLE_MS) return false;
  if (lastRefusal.size > 10_000) lastRefusal.clear();
  lastRefusal.set(caller, now);
  return true;
}

async function recordOperation(
  recorder: OperationRecorder,
  ctx: GraphQLRequestContextWillSendResponse<object>,
  durationMs: number,
): Promise<void> {
  const operation: OperationDefinitionNode | null | undefined =
    ctx.operation ??
    (ctx.document ? getOperationAST(ctx.document, ctx.request.operationName) : null);
  if (!operation || operation.operation === OperationTypeNode.SUBSCRIPTION) return;
  const body = ctx.response.body;
  const errors = body.kind === 'single' ? (body.singleResult.errors ?? []) : [];
  const variables = ctx.request.variables ?? {};

  const fields = operation.selectionSet.selections.filter(
    (s): s is FieldNode => s.kind === Kind.FIELD,
  );
  const audited = fields.filter(
    (f) =>
      operation.operation === OperationTypeNode.MUTATION ||
      isAuditSensitiveQuery(ctx.schema, f.name.value),
  );
  // A caller over its rate budget leaves a trace even on ordinary queries (detection's api_abuse
  // rule reads it), sampled: one refusal per caller per second, so a flood is not a flood of rows.
  if (
    audited.length === 0 &&
    fields.length > 0 &&
    errors.some((e) => e.extensions?.code === ErrorCode.RATE_LIMITED) &&
    firstRefusalThisSecond()
  )
    audited.push(fields[0]);
  await Promise.all(
    audited.map((field) => {
      const alias = field.alias?.value ?? field.name.value;
      // Errors on this field, or errors of the whole request (validation) that have no path.
      const error = errors.find((e) => e.path?.[0] === alias) ?? errors.find((e) => !e.path);
      const args = Object.fromEntries(
        (field.arguments ?? []).map((a) => [a.name.value, valueFromASTUntyped(a.value, variables)]),
      );
      const code = error?.extensions?.code;
      return recorder.recordOperation({
        action: `graphql.${field.name.value}`,
        resourceType: 'GraphQL',
        resourceId: operation.operation,
        succeeded: !error,
        errorCode: error
          ? typeof code === 'string'
            ? code
            : ErrorCode.INTERNAL_SERVER_ERROR
          : null,
        durationMs,
        args,
      });
    }),
  );
}
