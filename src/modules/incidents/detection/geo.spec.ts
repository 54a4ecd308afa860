import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { distanceKm, GeoTable, travelVerdict } from './geo';
import { RULES_BY_KEY, type DetectionEvent } from './rules';

const table = GeoTable.parse(
  readFileSync(join(__dirname, '../../../../test/fixtures/geo.csv'), 'utf8'),
);
const NEW_YORK = { country: 'US', latitude: 40.7128, longitude: -74.006 };
const PARIS = { country: 'FR', latitude: 48.8566, longitude: 2.3522 };

describe('geo source', () => {
  it('finds the range of an address, IPv4 (also mapped) and IPv6', () => {
    expect(table.lookup('203.0.113.7')).toEqual(NEW_YORK);
    expect(table.lookup('203.0.113.200')?.latitude).toBeCloseTo(42.3601); // the other /25
    expect(table.lookup('::ffff:198.51.100.9')).toEqual(PARIS);
    expect(table.lookup('2001:db8::1')?.country).toBe('DE');
    expect(table.lookup('2001:db9::1')).toBeNull();
    expect(table.lookup('10.0.0.1')).toBeNull();
    expect(table.lookup('not an address')).toBeNull();
  });

  it('refuses a malformed file, naming the line', () => {
    expect(() => GeoTable.parse('network,country,latitude,longitude\n1.2.3.0/24,USA,1,2')).toThrow(
      'line 2',
    );
    expect(() => GeoTable.parse('1.2.3.0/33,US,1,2')).toThrow('line 1');
    expect(() => GeoTable.parse('1.2.3.0/24,US,91,2')).toThrow('line 1');
    expect(() => GeoTable.parse('1.2.0.0/16,US,1,2\n1.2.3.0/24,FR,1,2')).toThrow('overlap');
  });

  it('calls New York to Paris in an hour impossible, and by a day possible', () => {
    expect(distanceKm(NEW_YORK, PARIS)).toBeGreaterThan(5800);
    expect(distanceKm(NEW_YORK, PARIS)).toBeLessThan(5900);
    const at = new Date('2026-03-04T12:00:00Z');
    const oneHourLater = new Date(at.getTime() + 3_600_000);
    expect(travelVerdict({ at, point: NEW_YORK }, oneHourLater, PARIS)?.impossible).toBe(true);
    const nextDay = new Date(at.getTime() + 24 * 3_600_000);
    expect(travelVerdict({ at, point: NEW_YORK }, nextDay, PARIS)?.impossible).toBe(false);
    // Across town at once: a geo source's error, not travel.
    const boston = { country: 'US', latitude: 42.3601, longitude: -71.0589 };
    expect(
      travelVerdict({ at, point: NEW_YORK }, at, { ...boston, latitude: 40.8 })?.impossible,
    ).toBe(false);
    expect(travelVerdict(null, at, PARIS)).toBeNull();
  });

  it('feeds the geo rules only through what detection filled in', () => {
    const signIn: DetectionEvent = {
      seq: '1',
      occurredAt: new Date(),
      actorType: 'user',
      actorId: 'u',
      action: 'auth.login',
      resourceType: 'User',
      resourceId: 'u',
      result: 'success',
      errorCode: null,
      ip: '198.51.100.9',
      changes: null,
    };
    const ctx = { businessHours: { zone: 'UTC', startHour: 8, endHour: 19 } };
    const newCountry = RULES_BY_KEY.get('new_country')!;
    const travel = RULES_BY_KEY.get('impossible_travel')!;
    expect(newCountry.match(signIn, ctx)).toBeNull();
    expect(travel.match(signIn, ctx)).toBeNull();
    const flagged = {
      ...signIn,
      geo: { country: 'FR', newCountry: true, travel: { km: 5837, kmh: 5837, impossible: true } },
    };
    expect(newCountry.match(flagged, ctx)).toEqual({ subject: 'user:u', refId: 'u' });
    expect(travel.match(flagged, ctx)).toEqual({ subject: 'user:u', refId: 'u' });
  });
});
