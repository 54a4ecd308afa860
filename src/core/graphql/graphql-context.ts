import type { FastifyReply, FastifyRequest } from 'fastify';
import { PiiReadLog } from '../authorization/pii-reads';

/**
 * The refresh-token cookie's writer. Resolvers get this, never the reply itself: a Fastify reply is
 * a thenable that settles once the response is sent, so a framework awaiting parameter values would
 * wait on the response it is still producing.
 */
export interface CookieJar {
  set(name: string, value: string, options: CookieOptions): void;
  clear(name: string, options: CookieOptions): void;
}

export interface CookieOptions {
  httpOnly: boolean;
  secure: boolean;
  sameSite: 'strict' | 'lax';
  path: string;
  expires?: Date;
}

export interface GraphQLContext {
  req: FastifyRequest;
  /** For the rate limiter's headers only (see CookieJar). */
  res: FastifyReply;
  cookies: CookieJar;
  /** Personal fields this operation returned unmasked (written to the read-access log at its end). */
  piiReads: PiiReadLog;
}

export function graphQLContext(req: FastifyRequest, res: FastifyReply): GraphQLContext {
  return {
    req,
    res,
    cookies: {
      set: (name, value, options) => void res.setCookie(name, value, options),
      clear: (name, options) => void res.clearCookie(name, options),
    },
    piiReads: new PiiReadLog(),
  };
}
