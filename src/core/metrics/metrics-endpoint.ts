import { createHash, timingSafeEqual } from 'node:crypto';
import type { BlockList } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { inList } from '../config/environment';
import type { MetricsService } from './metrics.service';

export interface MetricsAccess {
  /** Addresses that may scrape (METRICS_ALLOW); null: nobody, the endpoint answers 404. */
  allow: BlockList | null;
  /** When set (METRICS_TOKEN), a scrape must also send `Authorization: Bearer <token>`. */
  token?: string;
}

/**
 * `GET /metrics` in Prometheus' text format, for scrapers only: a caller whose address (as
 * Fastify resolves it behind TRUST_PROXY_HOPS proxies) is not in METRICS_ALLOW, or who lacks the
 * token when one is set, gets the same 404 as any unknown path, so the endpoint is not even
 * visible from outside. A plain Fastify route: no session, no GraphQL, no rate-limit budget.
 */
export function installMetricsEndpoint(
  fastify: FastifyInstance,
  metrics: MetricsService,
  access: MetricsAccess,
): void {
  const expected = access.token ? digest(access.token) : null;
  fastify.get('/metrics', async (req, reply) => {
    const allowed =
      access.allow !== null &&
      inList(access.allow, req.ip) &&
      (expected === null || timingSafeEqual(digest(bearer(req.headers.authorization)), expected));
    if (!allowed) {
      return reply
        .code(404)
        .type('application/json; charset=utf-8')
        .send({ statusCode: 404, message: 'Not Found' });
    }
    const { contentType, body } = await metrics.exposition();
    return reply.code(200).type(contentType).header('cache-control', 'no-store').send(body);
  });
}

function bearer(header: string | undefined): string {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  return match ? match[1] : '';
}

/** Fixed-length digests, so the comparison neither throws on length nor leaks it. */
function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
