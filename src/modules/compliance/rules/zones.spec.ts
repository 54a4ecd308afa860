import fc from 'fast-check';
import areaCodes from 'areacodes/lib/data.json';
import { candidateZones, phoneRegionOf } from './zones';

const AREA_CODES = Object.keys(areaCodes);

describe('phone regions', () => {
  it('give the same candidate zones as the number itself, for every area code', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...AREA_CODES),
        fc.integer({ min: 2_000_000, max: 9_999_999 }),
        fc.option(fc.constantFrom('NY', 'FL', 'TX', 'CA', 'TN')),
        fc.option(fc.constantFrom('America/New_York', 'America/Chicago', 'Pacific/Honolulu')),
        (area, line, state, timezone) => {
          const phone = `+1${area}${line}`;
          expect(candidateZones({ phoneRegion: phoneRegionOf(phone), state, timezone })).toEqual(
            candidateZones({ phone, state, timezone }),
          );
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('are empty for toll-free and foreign numbers, and a state otherwise', () => {
    expect(phoneRegionOf('+18005550100')).toBe('');
    expect(phoneRegionOf('+442071838750')).toBe('');
    expect(phoneRegionOf('+12125550100')).toBe('NY');
    expect(phoneRegionOf('+18505550100')).toBe('FL');
  });
});
