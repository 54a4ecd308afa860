import areaCodeData from './data/area-code-zones.json';
import zipData from './data/zip-zones.json';

/**
 * Time zones of phone numbers and addresses, from the versioned data of ./data (sources, dates,
 * method and corrections in each file's meta block; rebuilt by `npm run data:zones`, see
 * scripts/zone-data/README.md). A contact must be lawful in EVERY candidate zone, so each lookup
 * errs towards more zones: an unknown geographic area code is every mainland zone, a ZIP is every
 * zone of every county it touches, and a ZIP never takes away a zone of the stated state.
 */

/** The zones of the 48 contiguous states: what an area code the data does not know may be in. */
export const MAINLAND_ZONES: string[] = [
  'America/New_York',
  'America/Chicago',
  'America/Denver',
  'America/Phoenix',
  'America/Los_Angeles',
];

/** Every zone in use in each state, DC and territory (every zone of every ZIP and county of it). */
export const STATE_ZONES: Record<string, string[]> = zipData.states;

/** The build date of the shipped data (both files are built together). */
export const ZONE_DATA_VERSION: string = zipData.meta.version;

interface AreaCodeEntry {
  state: string | null;
  country: string;
  zones: string[];
}

/** A Map, not the JSON object: a key such as 'constructor' must not find Object's prototype. */
const AREA_CODES = new Map<string, AreaCodeEntry>(Object.entries(areaCodeData.codes));

const ZIPS = new Map<string, { state: string; zones: string[] }>();
for (const group of zipData.groups) {
  const entry = { state: group.state, zones: group.zones.map((i) => zipData.zones[i]) };
  for (const zip of group.zips.split(' ')) ZIPS.set(zip, entry);
}

const TOLL_FREE = new Set(['800', '833', '844', '855', '866', '877', '888']);

/**
 * Area codes that are not geographic by the NANP plan: toll-free (and the codes reserved for it),
 * N11 service codes, the "easily recognisable codes" N00 and N22..N88 (non-geographic services:
 * 500/533/544/566/577/588 personal, 600/622/633/644/655/677/688 Canadian services, 700, 900...),
 * 52X personal communications, 456 inbound international and 710 US government. Anything else that
 * looks like an area code and is not in the data may be a new geographic code.
 */
function isNonGeographic(code: string): boolean {
  if (!/^[2-9]\d\d$/.test(code)) return true;
  const [, second, third] = code;
  // N11, N00 and N22..N88 (N99 may be geographic).
  if (second === third && second !== '9') return true;
  // 88X is toll-free or reserved for it (880-887, 889); 52X personal communications (520, Tucson,
  // is in the data and never gets here). `code` is three digits here, so no anchors are needed.
  if (TOLL_FREE.has(code) || code.startsWith('88') || code.startsWith('52')) return true;
  return code === '456' || code === '710';
}

export function isKnownAreaCode(areaCode: string): boolean {
  return AREA_CODES.has(areaCode);
}

/** The US state, DC or territory of a geographic area code; null otherwise (Canada, Caribbean...). */
export function stateOfAreaCode(areaCode: string): string | null {
  return AREA_CODES.get(areaCode)?.state ?? null;
}

/** The area code's own zones; every mainland zone when it is unknown but may be geographic. */
export function zonesOfAreaCode(areaCode: string): string[] {
  const entry = AREA_CODES.get(areaCode);
  if (entry) return [...entry.zones];
  return isNonGeographic(areaCode) ? [] : [...MAINLAND_ZONES];
}

const NANP = /^\+1(\d{3})\d{7}$/;

/**
 * The region (state) of a phone number's area code, stored in clear beside the ciphertext so the
 * batch checks need no decryption: '' when the number has none (toll-free, non-NANP, Canada). It is
 * no finer than the state column already kept in clear.
 */
export function phoneRegionOf(e164: string): string {
  const match = NANP.exec(e164);
  return (match && stateOfAreaCode(match[1])) ?? '';
}

/**
 * The zones of a phone number's area code as stored in clear (VARCHAR(160)): sorted and joined by
 * ',', '' when it has none (non-NANP, non-geographic), '*' for an unknown area code (every mainland
 * zone). See zonesOfPhoneZones for the way back.
 */
export function phoneZonesOf(e164: string): string {
  const match = NANP.exec(e164);
  if (!match) return '';
  const code = match[1];
  if (!isKnownAreaCode(code)) return isNonGeographic(code) ? '' : '*';
  return zonesOfAreaCode(code).join(',');
}

/** The zones a stored phoneZonesOf() value stands for. */
export function zonesOfPhoneZones(stored: string): string[] {
  if (stored === '') return [];
  if (stored === '*') return [...MAINLAND_ZONES];
  return stored.split(',');
}

export function zonesOfPhone(e164: string | null | undefined): string[] {
  // Stryker disable next-line StringLiteral: any string that is not +1 and ten digits, '' among them, gives no match.
  const match = NANP.exec(e164 ?? '');
  return match ? zonesOfAreaCode(match[1]) : [];
}

/** The state and zones of a 5-digit ZIP (or ZIP+4); null when the data does not know it. */
export function zipInfo(zip: string | null | undefined): { state: string; zones: string[] } | null {
  // Stryker disable next-line StringLiteral: any string that is not a ZIP, '' among them, gives no match.
  const match = /^(\d{5})(?:-?\d{4})?$/.exec((zip ?? '').trim());
  const entry = match ? ZIPS.get(match[1]) : undefined;
  return entry ? { state: entry.state, zones: [...entry.zones] } : null;
}

/**
 * The zones of an address: its ZIP's zones when the ZIP is of the stated state (or no state is
 * given); the stated state's zones plus the ZIP's when the ZIP is of another state (a ZIP adds
 * zones, it never takes one of the stated state away); the stated state's zones without a known ZIP.
 */
export function zonesOfAddress(
  state: string | null | undefined,
  zip: string | null | undefined,
): string[] {
  const stated = state ? (STATE_ZONES[state.trim().toUpperCase()] ?? []) : [];
  const info = zipInfo(zip);
  if (!info) return [...stated];
  if (!state || info.state === state.trim().toUpperCase()) return info.zones;
  return [...new Set([...stated, ...info.zones])];
}

/**
 * Candidate zones: the stored zone when everything known agrees with it; otherwise every zone the
 * phone's area code and the address's ZIP or state point to (the contact must be legal in all).
 */
export function candidateZones(input: {
  timezone?: string | null;
  /** A full E.164 number, when known. */
  phone?: string | null;
  /** Instead of `phone`: its stored phoneZonesOf() value (null: not stored). */
  phoneZones?: string | null;
  state?: string | null;
  zip?: string | null;
}): string[] {
  const phoneZones = input.phone
    ? zonesOfPhone(input.phone)
    : input.phoneZones != null
      ? zonesOfPhoneZones(input.phoneZones)
      : [];
  const derived = new Set([...phoneZones, ...zonesOfAddress(input.state, input.zip)]);
  // The stored zone alone when nothing is derived or all agrees with it; else it and the others.
  return input.timezone ? [...new Set([input.timezone, ...derived])] : [...derived];
}
