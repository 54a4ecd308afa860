import fc from 'fast-check';
import zipData from './data/zip-zones.json';
import {
  candidateZones,
  isKnownAreaCode,
  stateOfAreaCode,
  zonesOfAreaCode,
  MAINLAND_ZONES,
  phoneRegionOf,
  phoneZonesOf,
  STATE_ZONES,
  zipInfo,
  zonesOfAddress,
  zonesOfPhone,
  zonesOfPhoneZones,
} from './zones';
import { propertyRuns } from '../../../../test/utils/property-runs';

const STATES = Object.keys(STATE_ZONES);
const ZIPS = zipData.groups.flatMap((g) =>
  g.zips.split(' ').map((zip) => ({ zip, state: g.state })),
);
const ALL_AREA_CODES = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));

const areaCode = fc.constantFrom(...ALL_AREA_CODES);
const line = fc.integer({ min: 2_000_000, max: 9_999_999 });
const nanpPhone = fc.tuple(areaCode, line).map(([area, rest]) => `+1${area}${rest}`);
const phone = fc.oneof(
  nanpPhone,
  fc.constantFrom('+442071838750', '+5215512345678', '+18005550100', '', 'not a phone'),
);
const zip = fc.oneof(
  fc.constantFrom(...ZIPS).map((z) => z.zip),
  fc.constantFrom('00000', '99999', '1234', 'ABCDE', '32456-1234'),
);
const state = fc.constantFrom(...STATES, 'ZZ');
const timezone = fc.constantFrom('America/New_York', 'America/Chicago', 'Pacific/Honolulu');

const isSuperset = (big: string[], small: string[]) => small.every((z) => big.includes(z));

describe('phone zones', () => {
  it('round-trip through their stored form, for every area code', () => {
    for (const area of ALL_AREA_CODES) {
      const e164 = `+1${area}5550123`;
      const stored = phoneZonesOf(e164);
      expect(stored.length).toBeLessThanOrEqual(160);
      expect(zonesOfPhoneZones(stored)).toEqual(zonesOfPhone(e164));
    }
  });

  it('give the same candidate zones stored as from the number itself', () => {
    fc.assert(
      fc.property(
        phone,
        fc.option(state),
        fc.option(zip),
        fc.option(timezone),
        (number, st, z, tz) => {
          expect(
            candidateZones({ phoneZones: phoneZonesOf(number), state: st, zip: z, timezone: tz }),
          ).toEqual(candidateZones({ phone: number, state: st, zip: z, timezone: tz }));
        },
      ),
      { numRuns: propertyRuns(3000) },
    );
  });

  it('are stored as zones, nothing, or "*" for an unknown area code', () => {
    expect(phoneZonesOf('+13055550100')).toBe('America/New_York');
    expect(phoneZonesOf('+18505550100')).toBe('America/Chicago,America/New_York');
    expect(phoneZonesOf('+18005550100')).toBe('');
    expect(phoneZonesOf('+442071838750')).toBe('');
    expect(phoneZonesOf('+14595550100')).toBe('*');
    expect(zonesOfPhoneZones('*')).toEqual(MAINLAND_ZONES);
    expect(zonesOfPhoneZones('')).toEqual([]);
    expect(zonesOfPhone('+14595550100')).toEqual(MAINLAND_ZONES);
    expect(zonesOfPhone(null)).toEqual([]);
    expect(zonesOfPhone(undefined)).toEqual([]);
  });
});

describe('phone regions', () => {
  it('are the US state or territory of the area code, and empty otherwise', () => {
    expect(phoneRegionOf('+18005550100')).toBe('');
    expect(phoneRegionOf('+442071838750')).toBe('');
    expect(phoneRegionOf('+14165550100')).toBe('');
    expect(phoneRegionOf('+18765550100')).toBe('');
    expect(phoneRegionOf('+12125550100')).toBe('NY');
    expect(phoneRegionOf('+18505550100')).toBe('FL');
    expect(phoneRegionOf('+17875550100')).toBe('PR');
    expect(phoneRegionOf('+16715550100')).toBe('GU');
  });

  it('always fit the VARCHAR(2) column', () => {
    fc.assert(
      fc.property(phone, (number) => {
        expect(phoneRegionOf(number).length).toBeLessThanOrEqual(2);
      }),
    );
  });
});

describe('ZIP info', () => {
  it('accepts ZIP+4 and tells the ZIP own state', () => {
    expect(zipInfo('32456-1234')).toEqual(zipInfo('32456'));
    expect(zipInfo('324561234')).toEqual(zipInfo('32456'));
    expect(zipInfo(' 10001 ')?.state).toBe('NY');
    expect(zipInfo('73301')?.state ?? 'TX').toBe('TX');
  });

  it('is null for an unknown or malformed ZIP', () => {
    for (const z of ['00000', '1234', 'ABCDE', '', null, undefined]) expect(zipInfo(z)).toBeNull();
  });

  it.each(['100011', '10001-12', '10001x', 'x10001', 'NY 10001'])(
    'is null for %j: a known ZIP (10001) inside other text is not read out of it',
    (z) => {
      expect(zipInfo(z)).toBeNull();
    },
  );
});

describe('address zones', () => {
  it('are the ZIP zones when the ZIP is of the stated state', () => {
    expect(zonesOfAddress('FL', '32501')).toEqual(['America/Chicago']);
    expect(zonesOfAddress('fl', '32301')).toEqual(['America/New_York']);
    expect(zonesOfAddress(null, '32501')).toEqual(['America/Chicago']);
  });

  it('are the stated state zones without a known ZIP', () => {
    expect(zonesOfAddress('FL', null)).toEqual(STATE_ZONES.FL);
    expect(zonesOfAddress('FL', '00000')).toEqual(STATE_ZONES.FL);
    expect(zonesOfAddress(null, null)).toEqual([]);
    expect(zonesOfAddress('ZZ', null)).toEqual([]);
  });

  it('read a stated state with spaces around it as that state', () => {
    expect(zonesOfAddress(' FL ', null)).toEqual(STATE_ZONES.FL);
    expect(zonesOfAddress(' fl ', '32501')).toEqual(['America/Chicago']);
  });

  it('never lose a zone of the stated state to a ZIP of another state', () => {
    fc.assert(
      fc.property(fc.constantFrom(...STATES), fc.constantFrom(...ZIPS), (st, z) => {
        fc.pre(z.state !== st);
        const zones = zonesOfAddress(st, z.zip);
        expect(isSuperset(zones, STATE_ZONES[st])).toBe(true);
        expect(isSuperset(zones, zipInfo(z.zip)!.zones)).toBe(true);
      }),
      { numRuns: propertyRuns(3000) },
    );
  });
});

describe('candidate zones', () => {
  it('never lose an address zone when a phone is added', () => {
    fc.assert(
      fc.property(phone, fc.option(state), fc.option(zip), fc.option(timezone), (n, st, z, tz) => {
        const withPhone = candidateZones({ phone: n, state: st, zip: z, timezone: tz });
        expect(isSuperset(withPhone, zonesOfAddress(st, z))).toBe(true);
        expect(isSuperset(withPhone, candidateZones({ state: st, zip: z, timezone: tz }))).toBe(
          true,
        );
        expect(isSuperset(withPhone, zonesOfPhone(n))).toBe(true);
      }),
      { numRuns: propertyRuns(3000) },
    );
  });

  it('keep the stored zone when nothing else is known or everything agrees with it', () => {
    expect(candidateZones({ timezone: 'America/Chicago' })).toEqual(['America/Chicago']);
    expect(
      candidateZones({ timezone: 'America/Chicago', phone: '+13125550100', zip: '60601' }),
    ).toEqual(['America/Chicago']);
    expect(candidateZones({ timezone: 'America/Chicago', phone: '+12125550100' })).toEqual([
      'America/Chicago',
      'America/New_York',
    ]);
  });

  it('use the stored phone zones only without a phone', () => {
    expect(candidateZones({ phoneZones: 'America/Denver' })).toEqual(['America/Denver']);
    expect(candidateZones({ phoneZones: '*' })).toEqual(MAINLAND_ZONES);
    expect(candidateZones({ phoneZones: null, state: 'NY' })).toEqual(['America/New_York']);
    expect(candidateZones({ phone: '+13055550100', phoneZones: 'America/Denver' })).toEqual([
      'America/New_York',
    ]);
  });

  it('union the phone and the address zones', () => {
    expect(candidateZones({ phone: '+13055550100', state: 'CA', zip: '90210' }).sort()).toEqual([
      'America/Los_Angeles',
      'America/New_York',
    ]);
    expect(candidateZones({ phone: '+18885550100', state: 'TX', zip: '79901' })).toEqual([
      'America/Denver',
    ]);
  });
});

describe('area code lookups', () => {
  it.each(['constructor', 'toString', '__proto__'])(
    'know nothing of %s (not an area code, not a prototype key)',
    (key) => {
      expect(isKnownAreaCode(key)).toBe(false);
      expect(stateOfAreaCode(key)).toBeNull();
      expect(zonesOfAreaCode(key)).toEqual([]);
    },
  );
});
