import { Field, FieldMiddleware, MiddlewareContext, NextFn } from '@nestjs/graphql';
import type { PiiKind } from '../pii/mask';
import type { RequestContext } from '../auth/request-context';
import type { PiiReadLog } from './pii-reads';

/**
 * Resolves a personal-data field by role: the full value when the caller's ability has `readPii`
 * on the field, otherwise the masked form stored beside the ciphertext (so a masked read decrypts
 * nothing), or `***` where no masked form is kept. It runs for every resolution of the field, so
 * aliases, fragments, nested objects and lists are all covered by declaring the field once.
 *
 * A full value is noted, with the data subject it belongs to (`source[dataSubjectKey]`), in the
 * operation's PiiReadLog; the read-access log gets it when execution ends. A full value that cannot
 * be noted is not returned.
 */
export function piiMiddleware(
  subject: string,
  kind: PiiKind,
  dataSubjectKey = 'id',
): FieldMiddleware {
  return async (ctx: MiddlewareContext, next: NextFn): Promise<unknown> => {
    const context = ctx.context as { req?: { cw?: RequestContext }; piiReads?: PiiReadLog };
    const cw = context.req?.cw;
    const field = ctx.info?.fieldName ?? '';
    const source = ctx.source as Record<string, unknown>;
    if (cw?.ability.can('readPii', subject, field)) {
      const value = (await next()) as unknown;
      if (value === null || value === undefined) return value;
      const owner = source[dataSubjectKey];
      if (!context.piiReads || typeof owner !== 'string') {
        throw new Error(`unrecordable read of ${subject}.${field}`);
      }
      context.piiReads.note(cw.principal, owner, field);
      return value;
    }
    const masked = source[`${field}Masked`];
    if (typeof masked === 'string') return masked;
    const cipher = source[`${field}Cipher`];
    return cipher === null || cipher === undefined ? null : kind === 'date' ? '****-**-**' : '***';
  };
}

/**
 * A nullable String field holding personal data of `subject`, masked by role. `dataSubjectKey` names
 * the property of the parent object that holds the data subject's (customer's) id: `id` on a
 * customer, `customerId` on a task.
 */
export function PiiField(
  subject: string,
  kind: PiiKind,
  description?: string,
  dataSubjectKey = 'id',
): PropertyDecorator {
  return Field(() => String, {
    nullable: true,
    description,
    middleware: [piiMiddleware(subject, kind, dataSubjectKey)],
  });
}
