import { isIP } from 'node:net';

/** Where an address is, as the configured geo source says. */
export interface GeoPoint {
  country: string;
  latitude: number;
  longitude: number;
}

interface Range extends GeoPoint {
  start: bigint;
  end: bigint;
}

/** The address as a number in one space: IPv4 as IPv4-mapped IPv6 (::ffff:a.b.c.d). */
function toBigInt(ip: string): bigint | null {
  const plain = ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
  const version = isIP(plain);
  if (version === 4) {
    const n = plain.split('.').reduce((acc, part) => (acc << 8n) + BigInt(Number(part)), 0n);
    return (0xffffn << 32n) + n;
  }
  if (version !== 6) return null;
  // Expand `::` and an embedded IPv4 tail into eight 16-bit groups.
  let text = plain;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const n = v4[1].split('.').map(Number);
    text = `${text.slice(0, -v4[1].length)}${((n[0] << 8) | n[1]).toString(16)}:${((n[2] << 8) | n[3]).toString(16)}`;
  }
  const [head, tail] = text.split('::');
  const left = head ? head.split(':') : [];
  const right = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const groups =
    tail === undefined
      ? left
      : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return groups.reduce((acc, g) => (acc << 16n) + BigInt(parseInt(g || '0', 16)), 0n);
}

/**
 * A geo source: CIDR ranges with a country and a point, from a CSV the operator configures
 * (GEOIP_FILE; e.g. made from MaxMind GeoLite2's City blocks): `network,country,latitude,longitude`.
 * Looked up by binary search over the sorted ranges, which must not overlap (a geo database's
 * blocks never do).
 */
export class GeoTable {
  private constructor(private readonly ranges: Range[]) {}

  get size(): number {
    return this.ranges.length;
  }

  static parse(csv: string): GeoTable {
    const ranges: Range[] = [];
    const lines = csv.split(/\r?\n/);
    lines.forEach((raw, index) => {
      const line = raw.trim();
      if (!line || line.startsWith('#') || (index === 0 && line.startsWith('network'))) return;
      const [network, country, lat, lon] = line.split(',').map((f) => f.trim());
      const [address, bits] = (network ?? '').split('/');
      const start = toBigInt(address ?? '');
      const mapped = isIP(address ?? '') === 4;
      const prefix = Number(bits) + (mapped ? 96 : 0);
      const latitude = Number(lat);
      const longitude = Number(lon);
      if (
        start === null ||
        !/^\d{1,3}$/.test(bits ?? '') ||
        prefix > 128 ||
        !/^[A-Z]{2}$/.test(country ?? '') ||
        !Number.isFinite(latitude) ||
        Math.abs(latitude) > 90 ||
        !Number.isFinite(longitude) ||
        Math.abs(longitude) > 180
      )
        throw new Error(`line ${index + 1}: expected network,country,latitude,longitude`);
      const size = 1n << BigInt(128 - prefix);
      const first = (start / size) * size;
      ranges.push({ start: first, end: first + size - 1n, country: country, latitude, longitude });
    });
    ranges.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
    // Blocks of a geo database do not overlap; a file whose ranges do is ambiguous: refused.
    for (let i = 1; i < ranges.length; i++)
      if (ranges[i].start <= ranges[i - 1].end)
        throw new Error(`ranges overlap (${ranges[i].country} inside or across another)`);
    return new GeoTable(ranges);
  }

  lookup(ip: string): GeoPoint | null {
    const n = toBigInt(ip);
    if (n === null) return null;
    let lo = 0;
    let hi = this.ranges.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const r = this.ranges[mid];
      if (n < r.start) hi = mid - 1;
      else if (n > r.end) lo = mid + 1;
      else return { country: r.country, latitude: r.latitude, longitude: r.longitude };
    }
    return null;
  }
}

const EARTH_RADIUS_KM = 6371;

/** Great-circle distance in kilometres. */
export function distanceKm(a: GeoPoint, b: GeoPoint): number {
  const rad = (d: number) => (d * Math.PI) / 180;
  const dLat = rad(b.latitude - a.latitude);
  const dLon = rad(b.longitude - a.longitude);
  const h =
    Math.sin(dLat / 2) ** 2 +
    Math.cos(rad(a.latitude)) * Math.cos(rad(b.latitude)) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Faster than an airliner over a distance that a geo source's error cannot explain. */
export const IMPOSSIBLE_KMH = 1000;
export const MIN_TRAVEL_KM = 500;

/** What a sign-in's place says, given the user's previous sign-in (time and place). */
export function travelVerdict(
  previous: { at: Date; point: GeoPoint } | null,
  at: Date,
  point: GeoPoint,
): { km: number; kmh: number; impossible: boolean } | null {
  if (!previous) return null;
  const km = distanceKm(previous.point, point);
  const hours = Math.max((at.getTime() - previous.at.getTime()) / 3_600_000, 1 / 3600);
  const kmh = km / hours;
  return { km, kmh, impossible: km >= MIN_TRAVEL_KM && kmh > IMPOSSIBLE_KMH };
}
