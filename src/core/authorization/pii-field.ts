import { Field, FieldMiddleware, MiddlewareContext, NextFn } from '@nestjs/graphql';
import type { PiiKind } from '../pii/mask';
import type { RequestContext } from '../auth/request-context';

/**
 * Resolves a personal-data field by role: the full value when the caller's ability has `readPii`
 * on the field, otherwise the masked form stored beside the ciphertext (so a masked read decrypts
 * nothing), or `***` where no masked form is kept. It runs for every resolution of the field, so
 * aliases, fragments, nested objects and lists are all covered by declaring the field once.
 */
export function piiMiddleware(subject: string, kind: PiiKind): FieldMiddleware {
  return async (ctx: MiddlewareContext, next: NextFn): Promise<unknown> => {
    const request = (ctx.context as { req?: { cw?: RequestContext } }).req;
    const field = ctx.info?.fieldName ?? '';
    if (request?.cw?.ability.can('readPii', subject, field)) return (await next()) as unknown;
    const source = ctx.source as Record<string, unknown>;
    const masked = source[`${field}Masked`];
    if (typeof masked === 'string') return masked;
    const cipher = source[`${field}Cipher`];
    return cipher === null || cipher === undefined ? null : kind === 'date' ? '****-**-**' : '***';
  };
}

/** A nullable String field holding personal data of `subject`, masked by role. */
export function PiiField(subject: string, kind: PiiKind, description?: string): PropertyDecorator {
  return Field(() => String, {
    nullable: true,
    description,
    middleware: [piiMiddleware(subject, kind)],
  });
}
