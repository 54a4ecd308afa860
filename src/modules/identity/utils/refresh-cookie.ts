import type { FastifyRequest } from 'fastify';
import type { CookieJar } from '../../../core/graphql/graphql-context';

export const REFRESH_COOKIE = 'cw_refresh';

/** The refresh token travels in an httpOnly, Secure, SameSite=Strict cookie scoped to the API. */
export function setRefreshCookie(jar: CookieJar, token: string, expiresAt: Date): void {
  jar.set(REFRESH_COOKIE, token, {
    httpOnly: true,
    secure: true,
    sameSite: 'strict',
    path: '/graphql',
    expires: expiresAt,
  });
}

export function clearRefreshCookie(jar: CookieJar): void {
  jar.clear(REFRESH_COOKIE, {
    httpOnly: true,
    secure: true,
    sameSite: 'strict',
    path: '/graphql',
  });
}

export function refreshCookieOf(req: FastifyRequest): string | undefined {
  const value = (req.cookies as Record<string, unknown> | undefined)?.[REFRESH_COOKIE];
  return typeof value === 'string' ? value : undefined;
}
