import { Injectable } from '@nestjs/common';
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { CookieJar } from '../../../core/graphql/graphql-context';
import { UsersService } from './users.service';

export const DEVICE_COOKIE = 'cw_device';
/** How long a device stays trusted after a sign-in on it. */
export const DEVICE_TRUST_DAYS = 90;
const DAY_SECONDS = 86_400;
const VALUE = /^v1\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/;

function mac(emailKey: Buffer, issuedAt: number): string {
  return createHmac('sha256', emailKey).update(`device:v1:${issuedAt}`).digest('base64url');
}

/**
 * Devices that signed an account in before (OWASP's "device cookies"): the browser keeps a
 * cookie bound to the account's email, and a sign-in for that email presenting it gets a lane of
 * its own in the hashing queue, so a flood of sign-ins from elsewhere does not lock the account's
 * people out. The cookie is a MAC under the email's blind index (a key only the service can
 * compute), checked without the database; it proves a past sign-in, never the password.
 */
@Injectable()
export class TrustedDevicesService {
  constructor(private readonly users: UsersService) {}

  /** The cookie for a device that just signed in the account whose email has `emailKey`. */
  issue(emailKey: Buffer, now = Date.now()): string {
    const issuedAt = Math.floor(now / 1000);
    return `v1.${issuedAt}.${mac(emailKey, issuedAt)}`;
  }

  remember(jar: CookieJar, emailKey: Buffer, now = Date.now()): void {
    jar.set(DEVICE_COOKIE, this.issue(emailKey, now), {
      httpOnly: true,
      secure: true,
      sameSite: 'strict',
      path: '/graphql',
      expires: new Date(now + DEVICE_TRUST_DAYS * DAY_SECONDS * 1000),
    });
  }

  /**
   * The hashing lane of a sign-in for `email` presenting `cookie`: the account's own key when the
   * cookie was issued for that email within DEVICE_TRUST_DAYS, else undefined (the common lane).
   */
  laneFor(email: unknown, cookie: unknown, now = Date.now()): string | undefined {
    if (typeof email !== 'string' || typeof cookie !== 'string') return undefined;
    const parsed = VALUE.exec(cookie);
    if (!parsed) return undefined;
    const issuedAt = Number(parsed[1]);
    const age = now / 1000 - issuedAt;
    if (age < -60 || age > DEVICE_TRUST_DAYS * DAY_SECONDS) return undefined;
    const key = this.users.emailKey(email);
    if (!key) return undefined;
    const expected = Buffer.from(mac(key, issuedAt));
    const presented = Buffer.from(parsed[2]);
    return timingSafeEqual(expected, presented) ? key.toString('hex') : undefined;
  }
}

export function deviceCookieOf(cookies: FastifyRequest['cookies'] | undefined): string | undefined {
  const value = (cookies as Record<string, unknown> | undefined)?.[DEVICE_COOKIE];
  return typeof value === 'string' ? value : undefined;
}
