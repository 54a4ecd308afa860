import { createHmac } from 'node:crypto';
import { DEVICE_TRUST_DAYS, TrustedDevicesService } from './trusted-devices.service';
import type { UsersService } from './users.service';

const SECRET = Buffer.alloc(32, 7);
/** The email's blind index as the service computes it: a keyed hash of the normalized email. */
const emailKey = (email: string) =>
  createHmac('sha256', SECRET).update(`email:${email.trim().toLowerCase()}`).digest();
const users = { emailKey } as unknown as UsersService;
const devices = new TrustedDevicesService(users);
const NOW = Date.parse('2026-12-02T12:00:00Z');
const DAY = 86_400_000;

describe('TrustedDevicesService', () => {
  const cookie = devices.issue(emailKey('ada@example.test'), NOW);

  it('gives a device that signed an account in that account’s lane, for that email only', () => {
    expect(cookie).toMatch(/^v1\.\d+\.[A-Za-z0-9_-]{43}$/);
    expect(devices.laneFor('ada@example.test', cookie, NOW)).toBe(
      emailKey('ada@example.test').toString('hex'),
    );
    // The email as a person types it.
    expect(devices.laneFor(' Ada@Example.test ', cookie, NOW + DAY)).toBeDefined();
    expect(devices.laneFor('bob@example.test', cookie, NOW)).toBeUndefined();
  });

  it('trusts a device for DEVICE_TRUST_DAYS, and nothing altered, forged or malformed', () => {
    const at = (days: number) => NOW + days * DAY;
    expect(devices.laneFor('ada@example.test', cookie, at(DEVICE_TRUST_DAYS - 1))).toBeDefined();
    expect(devices.laneFor('ada@example.test', cookie, at(DEVICE_TRUST_DAYS + 1))).toBeUndefined();
    // Issued in the future (a clock far ahead, or a forged date): not trusted.
    expect(devices.laneFor('ada@example.test', cookie, NOW - 3_600_000)).toBeUndefined();
    const [, issued, tag] = cookie.split('.');
    const later = `v1.${Number(issued) + 1}.${tag}`;
    const flipped = `v1.${issued}.${tag.slice(0, -1)}${tag.endsWith('A') ? 'B' : 'A'}`;
    const forged = `v1.${issued}.${createHmac('sha256', Buffer.alloc(32, 8)).update(`device:v1:${issued}`).digest('base64url')}`;
    for (const bad of [
      later,
      flipped,
      forged,
      '',
      'v1',
      `v2.${issued}.${tag}`,
      `${cookie}x`,
      42,
      null,
    ])
      expect(devices.laneFor('ada@example.test', bad, NOW)).toBeUndefined();
    expect(devices.laneFor(undefined, cookie, NOW)).toBeUndefined();
    expect(devices.laneFor('not an email', cookie, NOW)).toBeUndefined();
  });
});
