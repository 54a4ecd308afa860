import areaCodes from 'areacodes/lib/data.json';
import { lookup as zipToZone } from 'zipcode-to-timezone';

/**
 * IANA zones of each state (and DC). States split between zones list every zone: without a ZIP
 * that pins it, a contact must be legal in all of them.
 */
export const STATE_ZONES: Record<string, string[]> = {
  AL: ['America/Chicago'],
  AK: ['America/Anchorage', 'America/Adak'],
  AZ: ['America/Phoenix'],
  AR: ['America/Chicago'],
  CA: ['America/Los_Angeles'],
  CO: ['America/Denver'],
  CT: ['America/New_York'],
  DE: ['America/New_York'],
  DC: ['America/New_York'],
  FL: ['America/New_York', 'America/Chicago'],
  GA: ['America/New_York'],
  HI: ['Pacific/Honolulu'],
  ID: ['America/Boise', 'America/Los_Angeles'],
  IL: ['America/Chicago'],
  IN: ['America/Indiana/Indianapolis', 'America/Chicago'],
  IA: ['America/Chicago'],
  KS: ['America/Chicago', 'America/Denver'],
  KY: ['America/New_York', 'America/Chicago'],
  LA: ['America/Chicago'],
  ME: ['America/New_York'],
  MD: ['America/New_York'],
  MA: ['America/New_York'],
  MI: ['America/Detroit', 'America/Chicago'],
  MN: ['America/Chicago'],
  MS: ['America/Chicago'],
  MO: ['America/Chicago'],
  MT: ['America/Denver'],
  NE: ['America/Chicago', 'America/Denver'],
  NV: ['America/Los_Angeles', 'America/Denver'],
  NH: ['America/New_York'],
  NJ: ['America/New_York'],
  NM: ['America/Denver'],
  NY: ['America/New_York'],
  NC: ['America/New_York'],
  ND: ['America/Chicago', 'America/Denver'],
  OH: ['America/New_York'],
  OK: ['America/Chicago'],
  OR: ['America/Los_Angeles', 'America/Boise'],
  PA: ['America/New_York'],
  RI: ['America/New_York'],
  SC: ['America/New_York'],
  SD: ['America/Chicago', 'America/Denver'],
  TN: ['America/Chicago', 'America/New_York'],
  TX: ['America/Chicago', 'America/Denver'],
  UT: ['America/Denver'],
  VT: ['America/New_York'],
  VA: ['America/New_York'],
  WA: ['America/Los_Angeles'],
  WV: ['America/New_York'],
  WI: ['America/Chicago'],
  WY: ['America/Denver'],
  PR: ['America/Puerto_Rico'],
  GU: ['Pacific/Guam'],
  VI: ['America/St_Thomas'],
};

const AREA_CODES = areaCodes as Record<string, { stateCode?: string; type?: string }>;

/** The state a US area code is assigned to, if it is a geographic one. */
export function stateOfAreaCode(areaCode: string): string | null {
  const entry = AREA_CODES[areaCode];
  return entry && entry.type !== 'tollfree' && entry.stateCode ? entry.stateCode : null;
}

/**
 * The region (state) of a phone number's area code, stored in clear beside the ciphertext so the
 * batch checks need no decryption: '' when the number has none (toll-free, non-NANP). It is no
 * finer than the state column already kept in clear.
 */
export function phoneRegionOf(e164: string): string {
  const match = /^\+1(\d{3})\d{7}$/.exec(e164);
  return (match && stateOfAreaCode(match[1])) ?? '';
}

export function zonesOfPhone(e164: string | null | undefined): string[] {
  const match = /^\+1(\d{3})\d{7}$/.exec(e164 ?? '');
  const state = match ? stateOfAreaCode(match[1]) : null;
  return state ? (STATE_ZONES[state] ?? []) : [];
}

export function zonesOfAddress(
  state: string | null | undefined,
  zip: string | null | undefined,
): string[] {
  const byZip = zip ? zipToZone(zip) : null;
  if (byZip) return [byZip];
  return state ? (STATE_ZONES[state] ?? []) : [];
}

/**
 * Candidate zones: the stored zone when everything known agrees with it; otherwise every zone the
 * phone's area code and the address's ZIP or state point to (the contact must be legal in all).
 */
export function candidateZones(input: {
  timezone?: string | null;
  phone?: string | null;
  /** Instead of `phone`: its stored region (see phoneRegionOf). */
  phoneRegion?: string | null;
  state?: string | null;
  zip?: string | null;
}): string[] {
  const derived = new Set([
    ...(input.phone || input.phoneRegion == null
      ? zonesOfPhone(input.phone)
      : (STATE_ZONES[input.phoneRegion] ?? [])),
    ...zonesOfAddress(input.state, input.zip),
  ]);
  if (input.timezone) {
    if (derived.size === 0 || (derived.size === 1 && derived.has(input.timezone)))
      return [input.timezone];
    return [...new Set([input.timezone, ...derived])];
  }
  return [...derived];
}
