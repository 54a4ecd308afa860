import type { FastifyInstance } from 'fastify';
import { ErrorCode } from '../errors/error-code';
import type { EdgeRefusals } from './edge-refusals';

/** Decides whether requests from a client address are refused (the incidents module's blocks). */
export interface AddressGate {
  isBlocked(ip: string): boolean;
}

export const ADDRESS_GATE = Symbol('ADDRESS_GATE');

export const ADDRESS_BLOCKED = 'ADDRESS_BLOCKED';

/** Liveness and readiness answer everyone: a blocked range must not take an instance out. */
const ALWAYS_OPEN = /^\/health(\/|$|\?)/;

/**
 * Refuses every request from a blocked address before anything else runs (no resolver, no body
 * parsing, no database): 403 with a GraphQL-shaped error and no data, on every route.
 */
export function installAddressGate(
  fastify: FastifyInstance,
  gate: AddressGate,
  refused: EdgeRefusals = () => undefined,
): void {
  fastify.addHook('onRequest', (req, reply, done) => {
    if (ALWAYS_OPEN.test(req.url) || !gate.isBlocked(req.ip)) return done();
    refused(ADDRESS_BLOCKED);
    void reply
      .code(403)
      .header('content-type', 'application/json; charset=utf-8')
      .send({
        data: null,
        errors: [
          {
            message: 'Requests from this address are blocked',
            extensions: {
              code: ErrorCode.FORBIDDEN,
              reason: ADDRESS_BLOCKED,
              requestId: req.id,
            },
          },
        ],
      });
  });
}
