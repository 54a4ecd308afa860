import passport from 'passport';
import type { Authenticator as CoreAuthenticator } from '../../../core/auth/authenticator';
import type { RequestContext } from '../../../core/auth/request-context';
import { requestStore } from '../../../core/request/request-store';

/**
 * The credential strategies, by Passport name, in the order IdentityAuthenticator runs them: an
 * API key when the request presents one, otherwise a bearer access token. A strategy that finds no
 * credential of its kind fails (Passport then tries the next); one that is given a credential and
 * refuses it raises its coded error, which ends the attempt: a refused API key is never retried
 * as an access token, nor the other way round.
 */
export const API_KEY_STRATEGY = 'api-key';
export const JWT_STRATEGY = 'jwt';

/** What a credential strategy yields: the caller's context, and whether MFA enrollment is all it may do. */
export type AuthenticatedContext = Awaited<ReturnType<CoreAuthenticator['authenticate']>>;

/** What the credential readers need of a request (Fastify's, or the one GraphQL's context holds). */
export interface CredentialRequest {
  headers: Record<string, unknown>;
}

const BEARER = /^Bearer\s+/i;
/** Every API key starts so (`cw_<prefix>_<secret>`); an access token never does. */
const API_KEY_PREFIX = 'cw_';

/**
 * The credential of `Authorization: Bearer <credential>`, or null. Written here rather than taken
 * from passport-jwt's extractor, which matches the first two words anywhere in the header and
 * drops whatever follows them: a header is read whole, as before Passport.
 */
export function bearerToken(req: CredentialRequest): string | null {
  const header = req.headers.authorization;
  if (typeof header !== 'string' || !BEARER.test(header)) return null;
  return header.replace(BEARER, '').trim() || null;
}

/** An API key presented as `X-API-Key` (which wins), or as a bearer credential of the key's form. */
export function presentedApiKey(req: CredentialRequest): string | null {
  const header = req.headers['x-api-key'];
  if (typeof header === 'string') return header.trim();
  const bearer = bearerToken(req);
  return bearer?.startsWith(API_KEY_PREFIX) ? bearer : null;
}

/** The parts of a RequestContext that come from the request itself (id, address, user agent). */
export function requestFacts(): Pick<RequestContext, 'requestId' | 'ip' | 'userAgent'> {
  const store = requestStore.getStore();
  return {
    requestId: store?.requestId,
    ip: store?.ip ?? null,
    userAgent: store?.userAgent ?? null,
  };
}

/**
 * Where `PassportStrategy` registers a strategy as it is built: a throwaway instance, not the
 * process-wide `passport`. Each application authenticates through its own Passport instance
 * (IdentityAuthenticator's); in the shared one, a second application in the process (a test's
 * second app, the CLI) would replace the first's strategies with its own, bound to its services
 * and its database pool.
 */
export function unsharedPassport(): passport.Authenticator {
  return new passport.Passport();
}
