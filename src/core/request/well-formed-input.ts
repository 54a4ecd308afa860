import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ErrorCode } from '../errors/error-code';
import type { EdgeRefusals } from './edge-refusals';

const JSON_TYPE = 'application/json; charset=utf-8';
/** Deeper than any input we accept (GraphQL depth is limited to 10, bodies are flat forms). */
const MAX_DEPTH = 64;

export const MALFORMED_UNICODE = 'MALFORMED_UNICODE';
const MESSAGE = 'The request holds text that is not well-formed Unicode (a lone surrogate)';

/**
 * Whether every string in a parsed body or query string, keys included, is well-formed Unicode.
 * A lone UTF-16 surrogate (JSON allows the escape "\ud800") is not text: no column, JSON check or
 * hash treats it the same way twice, so it is refused at the edge before any code sees it.
 */
export function isWellFormedInput(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return value.isWellFormed();
  if (value === null || typeof value !== 'object') return true;
  if (depth > MAX_DEPTH) return false;
  if (Array.isArray(value)) return value.every((v) => isWellFormedInput(v, depth + 1));
  for (const [k, v] of Object.entries(value as Record<string, unknown>))
    if (!k.isWellFormed() || !isWellFormedInput(v, depth + 1)) return false;
  return true;
}

/**
 * Refuses, with 400 BAD_USER_INPUT / MALFORMED_UNICODE and before any handler runs, a request
 * whose body (JSON or form: GraphQL variables and documents, webhooks) or query string holds text
 * that is not well-formed Unicode. GraphQL callers get the GraphQL error shape.
 */
export function installWellFormedInput(
  fastify: FastifyInstance,
  refused: EdgeRefusals = () => undefined,
): void {
  fastify.addHook('preValidation', (req: FastifyRequest, reply: FastifyReply, done) => {
    if (isWellFormedInput(req.body) && isWellFormedInput(req.query)) {
      done();
      return;
    }
    refused(MALFORMED_UNICODE);
    const requestId = req.id;
    const payload = req.url.startsWith('/graphql')
      ? {
          errors: [
            {
              message: MESSAGE,
              extensions: { code: ErrorCode.BAD_USER_INPUT, reason: MALFORMED_UNICODE, requestId },
            },
          ],
        }
      : { code: ErrorCode.BAD_USER_INPUT, reason: MALFORMED_UNICODE, message: MESSAGE, requestId };
    void reply.code(400).type(JSON_TYPE).send(payload);
  });
}
