import { applyDecorators, SetMetadata } from '@nestjs/common';
import { Extensions } from '@nestjs/graphql';
import type { GraphQLSchema } from 'graphql';

export const AUDIT_SENSITIVE = 'callwarden:audit-sensitive';

/**
 * Marks a Query as sensitive (PII reveal, exports, audit search itself): the operation capture
 * records each call, like a mutation. Metadata on the handler, like `@RequireStepUp()` (the
 * permission snapshot shows both), and the same flag on the schema field's extensions, which is
 * what the capture sees: it runs in Apollo, after the resolvers, and knows fields, not handlers.
 * Extensions are not printed, so the SDL does not change.
 */
export const AuditSensitive = (): MethodDecorator =>
  applyDecorators(SetMetadata(AUDIT_SENSITIVE, true), Extensions({ [AUDIT_SENSITIVE]: true }));

/** Whether the root Query field `name` was declared `@AuditSensitive()`. */
export function isAuditSensitiveQuery(schema: GraphQLSchema, name: string): boolean {
  return schema.getQueryType()?.getFields()[name]?.extensions[AUDIT_SENSITIVE] === true;
}
