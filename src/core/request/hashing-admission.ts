import type { FastifyInstance } from 'fastify';
import { ErrorCode } from '../errors/error-code';
import type { EdgeRefusals } from './edge-refusals';
import { requestStore } from './request-store';

/**
 * Places in password hashing (the identity module's bounded queue), and the GraphQL fields whose
 * requests need one.
 */
export interface HashingAdmission {
  /** Mutation fields that hash a password for an anonymous caller (sign-in, password reset). */
  readonly fields: readonly string[];
  /**
   * Holds a place in the hashing queue for a request naming a hashing field, by its body and
   * cookies (a sign-in from a trusted device has a lane of its own), or null when none is left.
   */
  admit(
    body: unknown,
    cookies: Record<string, string | undefined> | undefined,
  ): { release(): void } | null;
  /** Counts a request refused at the edge, from `ip` (audited in aggregate by the owner). */
  shed(ip: string): void;
}

export const HASHING_ADMISSION = Symbol('HASHING_ADMISSION');

export const HASHING_BUSY = 'HASHING_BUSY';

const GRAPHQL_PATH = '/graphql';

/**
 * Whether a GraphQL request body (one operation or a batch) names one of `fields`. A field is
 * named in the document's text whatever its alias, fragment or variables; a word that is not
 * the field (in a comment, say) only costs a refusal while hashing is saturated.
 */
export function namesField(body: unknown, fields: RegExp): boolean {
  const operations = Array.isArray(body) ? (body as unknown[]) : [body];
  return operations.some((op) => {
    const query = (op as { query?: unknown } | null)?.query;
    return typeof query === 'string' && fields.test(query);
  });
}

/**
 * Sign-in floods are refused before GraphQL parses them. A POST to /graphql naming a hashing field
 * is admitted only with a place in the hashing queue, held for it from here (so the requests that
 * arrive while it is being parsed see the queue as it will be, and are not parsed in vain) until
 * its hash takes the place or its response ends. Without a place it gets 429 with Retry-After and
 * a GraphQL-shaped RATE_LIMITED / HASHING_BUSY error, at the cost of reading its JSON body and one
 * scan of its text (no parse, no validation, no guard, no database).
 */
export function installHashingAdmission(
  fastify: FastifyInstance,
  admission: HashingAdmission,
  refused: EdgeRefusals = () => undefined,
): void {
  const fields = new RegExp(`\\b(?:${admission.fields.join('|')})\\b`);
  fastify.addHook('preValidation', (req, reply, done) => {
    if (
      req.method !== 'POST' ||
      req.url.split('?', 1)[0] !== GRAPHQL_PATH ||
      !namesField(req.body, fields)
    )
      return done();
    const ticket = admission.admit(req.body, req.cookies);
    if (ticket) {
      const store = requestStore.getStore();
      if (store) store.hashingTicket = ticket;
      reply.raw.once('close', () => ticket.release());
      return done();
    }
    admission.shed(req.ip);
    refused(HASHING_BUSY);
    void reply
      .code(429)
      .header('retry-after', '1')
      .header('content-type', 'application/json; charset=utf-8')
      .send({
        data: null,
        errors: [
          {
            message: 'Too many sign-ins right now; retry in a moment',
            extensions: {
              code: ErrorCode.RATE_LIMITED,
              reason: HASHING_BUSY,
              retryAfterSeconds: 1,
              requestId: req.id,
            },
          },
        ],
      });
  });
}
