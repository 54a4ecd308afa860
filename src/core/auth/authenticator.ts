import type { RequestContext, RequestWithContext } from './request-context';

/**
 * Turns a request's credentials (a bearer access token or an API key) into a RequestContext, or
 * throws UNAUTHENTICATED. Implemented by the identity module; the global guard calls it.
 */
export interface Authenticator {
  authenticate(req: RequestWithContext): Promise<RequestContext & { enrollmentOnly: boolean }>;
}

export const AUTHENTICATOR = Symbol('AUTHENTICATOR');
