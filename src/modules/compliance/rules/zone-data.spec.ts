import { IANAZone } from 'luxon';
import areaCodeData from './data/area-code-zones.json';
import zipData from './data/zip-zones.json';
import {
  isKnownAreaCode,
  MAINLAND_ZONES,
  phoneZonesOf,
  STATE_ZONES,
  stateOfAreaCode,
  zipInfo,
  ZONE_DATA_VERSION,
  zonesOfAreaCode,
} from './zones';

const CODES = Object.keys(areaCodeData.codes);
const EASTERN = 'America/New_York';
const CENTRAL = 'America/Chicago';
const MOUNTAIN = 'America/Denver';
const PACIFIC = 'America/Los_Angeles';
const BOISE = 'America/Boise';

const sorted = (zones: string[]) => [...zones].sort();

function zipsOf(state?: string): string[] {
  return zipData.groups
    .filter((g) => state === undefined || g.state === state)
    .flatMap((g) => g.zips.split(' '));
}

describe('the shipped zone data', () => {
  it('names its sources, their dates, its build and how to rebuild it', () => {
    for (const { meta } of [areaCodeData, zipData]) {
      expect(meta.version).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(meta.builtAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);
      expect(meta.sourceDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(meta.rebuild).toContain('data:zones');
      expect(meta.method.length).toBeGreaterThan(50);
      expect(meta.sources.length).toBeGreaterThan(0);
      for (const source of meta.sources) {
        expect(source.package).not.toBe('');
        expect(source.version).toMatch(/^\d+\.\d+\.\d+/);
        expect(source.published).toMatch(/^\d{4}-\d{2}-\d{2}$/);
        expect(source.what).not.toBe('');
      }
    }
    expect(ZONE_DATA_VERSION).toBe(zipData.meta.version);
    expect(areaCodeData.meta.version).toBe(zipData.meta.version);
  });

  it('gives a reason for every correction', () => {
    const corrections = [
      ...areaCodeData.meta.corrections,
      ...zipData.meta.countyCorrections,
      ...zipData.meta.zipStateCorrections,
    ];
    expect(corrections.length).toBeGreaterThan(0);
    for (const correction of corrections) expect(correction.reason.length).toBeGreaterThan(20);
  });

  it('only uses zones luxon knows, each under one name', () => {
    const zones = new Set([
      ...MAINLAND_ZONES,
      ...zipData.zones,
      ...Object.values(STATE_ZONES).flat(),
      ...Object.values(areaCodeData.codes).flatMap((c) => c.zones),
    ]);
    for (const zone of zones) expect(IANAZone.isValidZone(zone)).toBe(true);
    for (const alias of ['US/Eastern', 'America/Montreal', 'America/Indianapolis', 'Etc/GMT+5'])
      expect(zones.has(alias)).toBe(false);
  });
});

describe('area codes', () => {
  it('map every shipped code to at least one zone, in a short enough stored form', () => {
    expect(CODES.length).toBeGreaterThan(400);
    for (const code of CODES) {
      expect(isKnownAreaCode(code)).toBe(true);
      expect(zonesOfAreaCode(code).length).toBeGreaterThan(0);
      expect(phoneZonesOf(`+1${code}5550123`).length).toBeLessThanOrEqual(160);
    }
  });

  it.each([
    ['324', 'FL', [EASTERN]],
    ['448', 'FL', [CENTRAL, EASTERN]],
    ['645', 'FL', [EASTERN]],
    ['656', 'FL', [EASTERN]],
    ['728', 'FL', [EASTERN]],
    ['572', 'OK', [CENTRAL]],
    ['835', 'PA', [EASTERN]],
    ['983', 'CO', [MOUNTAIN]],
  ])('know the recent overlay %s (%s)', (code, state, zones) => {
    expect(isKnownAreaCode(code)).toBe(true);
    expect(stateOfAreaCode(code)).toBe(state);
    expect(sorted(zonesOfAreaCode(code))).toEqual(zones);
  });

  it('use the area code own zones, not every zone of its state', () => {
    expect(zonesOfAreaCode('305')).toEqual([EASTERN]);
    expect(zonesOfAreaCode('689')).toEqual([EASTERN]);
    expect(zonesOfAreaCode('850')).toEqual(expect.arrayContaining([CENTRAL, EASTERN]));
    expect(zonesOfAreaCode('915')).toEqual([MOUNTAIN]);
    expect(zonesOfAreaCode('212')).toEqual([EASTERN]);
    expect(sorted(zonesOfAreaCode('270'))).toEqual([CENTRAL, EASTERN]);
    expect(sorted(zonesOfAreaCode('364'))).toEqual([CENTRAL, EASTERN]);
    expect(sorted(zonesOfAreaCode('930'))).toEqual([CENTRAL, EASTERN]);
    expect(sorted(zonesOfAreaCode('541'))).toEqual([BOISE, PACIFIC]);
    expect(sorted(zonesOfAreaCode('458'))).toEqual([BOISE, PACIFIC]);
    expect(zonesOfAreaCode('928')).toEqual(expect.arrayContaining(['America/Phoenix', MOUNTAIN]));
    expect(zonesOfAreaCode('907')).toContain('America/Adak');
    expect(zonesOfAreaCode('907')).not.toContain('Pacific/Honolulu');
  });

  it('treat an unassigned geographic-looking code as every mainland zone', () => {
    // 371 and 221: a 1 in one place only is not an N11 code; 452: 52 not at the start.
    for (const code of ['459', '999', '372', '371', '221', '452']) {
      expect(isKnownAreaCode(code)).toBe(false);
      expect(zonesOfAreaCode(code)).toEqual(MAINLAND_ZONES);
      expect(stateOfAreaCode(code)).toBeNull();
    }
  });

  it('give toll-free and other non-geographic codes no zone', () => {
    const nonGeographic = ['800', '833', '844', '855', '866', '877', '888', '500', '521', '533'];
    nonGeographic.push('600', '622', '700', '710', '900', '211', '411', '911', '456', '123', '099');
    for (const code of nonGeographic) {
      expect(zonesOfAreaCode(code)).toEqual([]);
      expect(stateOfAreaCode(code)).toBeNull();
    }
  });

  it.each(['880', '881', '887', '888', '889', '521', '525', '529'])(
    'give the unassigned %s (toll-free 88X, personal-communications 52X) no zone',
    (code) => {
      expect(isKnownAreaCode(code)).toBe(false);
      expect(zonesOfAreaCode(code)).toEqual([]);
    },
  );

  it.each(['1234', '2125', '21', '', '2O2'])('give %j, not three digits, no zone', (code) => {
    expect(zonesOfAreaCode(code)).toEqual([]);
    expect(stateOfAreaCode(code)).toBeNull();
  });

  it('map Canadian and Caribbean codes to their own zones, without a US state', () => {
    expect(zonesOfAreaCode('416')).toEqual(['America/Toronto']);
    expect(zonesOfAreaCode('876')).toEqual(['America/Jamaica']);
    expect(zonesOfAreaCode('809')).toEqual(['America/Santo_Domingo']);
    expect(zonesOfAreaCode('306')).toContain('America/Regina');
    for (const code of ['416', '604', '876', '809', '242', '441', '306']) {
      expect(stateOfAreaCode(code)).toBeNull();
      expect(zonesOfAreaCode(code)).not.toEqual(MAINLAND_ZONES);
    }
  });

  it.each([
    ['787', 'PR', 'America/Puerto_Rico'],
    ['939', 'PR', 'America/Puerto_Rico'],
    ['340', 'VI', 'America/St_Thomas'],
    ['671', 'GU', 'Pacific/Guam'],
    ['670', 'MP', 'Pacific/Saipan'],
    ['684', 'AS', 'Pacific/Pago_Pago'],
  ])('place the territory code %s in %s', (code, state, zone) => {
    expect(stateOfAreaCode(code)).toBe(state);
    expect(zonesOfAreaCode(code)).toEqual([zone]);
  });

  it('give every US code a state whose zones are known', () => {
    for (const code of CODES) {
      const state = stateOfAreaCode(code);
      if (state) expect(STATE_ZONES[state]).toBeDefined();
    }
  });
});

describe('ZIP codes', () => {
  it('cover the country', () => {
    expect(zipsOf().length).toBeGreaterThan(40_000);
    expect(new Set(zipsOf()).size).toBe(zipsOf().length);
    for (const state of Object.keys(STATE_ZONES)) expect(zipsOf(state).length).toBeGreaterThan(0);
  });

  // Each ZIP gets every zone of every county it touches: a county cut by a zone line (Gulf FL,
  // Idaho ID, Malheur OR, Cherry NE, Dunn/McKenzie/Sioux ND, Elko NV, the Navajo Nation's
  // counties in AZ) gives its ZIPs both zones.
  it.each([
    // Florida panhandle along the Apalachicola
    ['32456', 'FL', [CENTRAL, EASTERN]], // Port St. Joe, Gulf (split)
    ['32465', 'FL', [CENTRAL, EASTERN]], // Wewahitchka, Gulf (split)
    ['32321', 'FL', [CENTRAL, EASTERN]], // Bristol, Liberty + Franklin
    ['32334', 'FL', [EASTERN]], // Hosford, Liberty
    ['32424', 'FL', [CENTRAL]], // Blountstown, Calhoun
    ['32351', 'FL', [EASTERN]], // Quincy, Gadsden
    ['32301', 'FL', [EASTERN]], // Tallahassee
    ['32501', 'FL', [CENTRAL]], // Pensacola
    // Kentucky
    ['42001', 'KY', [CENTRAL]], // Paducah
    ['42101', 'KY', [CENTRAL]], // Bowling Green
    ['40202', 'KY', ['America/Kentucky/Louisville']], // Louisville
    ['41101', 'KY', [EASTERN]], // Ashland
    // Southern Indiana
    ['47586', 'IN', ['America/Indiana/Tell_City']], // Tell City, Perry (Central)
    ['47531', 'IN', [CENTRAL]], // Chrisney, Spencer
    ['47708', 'IN', [CENTRAL]], // Evansville
    ['47546', 'IN', ['America/Indiana/Vincennes']], // Jasper, Dubois (Eastern)
    // Michigan's Upper Peninsula: Gogebic, Iron, Dickinson, Menominee are Central
    ['49938', 'MI', ['America/Menominee']], // Ironwood, Gogebic
    ['49935', 'MI', ['America/Menominee']], // Iron River, Iron
    ['49801', 'MI', ['America/Menominee']], // Iron Mountain, Dickinson
    ['49858', 'MI', ['America/Menominee']], // Menominee
    ['49855', 'MI', ['America/Detroit']], // Marquette
    // Oregon / Idaho
    ['97914', 'OR', [BOISE, PACIFIC]], // Ontario, Malheur (split)
    ['97720', 'OR', [PACIFIC]], // Burns, Harney
    ['83814', 'ID', [PACIFIC]], // Coeur d'Alene (panhandle)
    ['83702', 'ID', [BOISE]], // Boise
    ['83530', 'ID', [BOISE, PACIFIC]], // Grangeville, Idaho County (split)
    // West Texas
    ['79901', 'TX', [MOUNTAIN]], // El Paso
    ['79851', 'TX', [MOUNTAIN]], // Sierra Blanca, Hudspeth
    ['79855', 'TX', [CENTRAL]], // Van Horn, Culberson
    // Dakotas, Nebraska, Kansas
    ['58501', 'ND', [CENTRAL]], // Bismarck
    ['58554', 'ND', ['America/North_Dakota/New_Salem']], // Mandan, Morton (Central)
    ['58640', 'ND', [CENTRAL, MOUNTAIN]], // Killdeer, Dunn (split)
    ['58854', 'ND', [CENTRAL, MOUNTAIN]], // Watford City, McKenzie (split)
    ['57701', 'SD', [MOUNTAIN]], // Rapid City
    ['57501', 'SD', [CENTRAL]], // Pierre
    ['69201', 'NE', [CENTRAL, MOUNTAIN]], // Valentine, Cherry (split)
    ['69101', 'NE', [CENTRAL]], // North Platte
    ['69153', 'NE', [MOUNTAIN]], // Ogallala
    ['67735', 'KS', [MOUNTAIN]], // Goodland, Sherman
    ['67758', 'KS', [MOUNTAIN]], // Tribune, Greeley
    ['67901', 'KS', [CENTRAL]], // Liberal
    // Nevada, Arizona, Alaska, the territories
    ['89883', 'NV', [MOUNTAIN, PACIFIC]], // West Wendover, Elko (split)
    ['86515', 'AZ', [MOUNTAIN, 'America/Phoenix']], // Window Rock, Apache (Navajo Nation)
    ['85004', 'AZ', ['America/Phoenix']], // Phoenix
    ['00901', 'PR', ['America/Puerto_Rico']],
    ['00802', 'VI', ['America/St_Thomas']],
    ['96910', 'GU', ['Pacific/Guam']],
    ['96950', 'MP', ['Pacific/Saipan']],
    ['96799', 'AS', ['Pacific/Pago_Pago']],
  ])('%s is in %s with the zones %j', (zip, state, zones) => {
    expect(zipInfo(zip)).toEqual({ state, zones: sorted(zones) });
  });

  it('include Adak time for Adak and Alaska time with it in its split census area', () => {
    expect(zipInfo('99546')?.zones).toContain('America/Adak');
  });
});

describe('STATE_ZONES', () => {
  it('covers every US state, DC and territory', () => {
    const expected = [
      ...'AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO'.split(' '),
      ...'MT NE NV NH NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY'.split(' '),
      ...'PR GU VI MP AS'.split(' '),
    ];
    expect(Object.keys(STATE_ZONES).sort()).toEqual(expected.sort());
  });

  it('covers every zone of every ZIP of the state', () => {
    for (const group of zipData.groups)
      for (const zone of group.zones)
        expect(STATE_ZONES[group.state]).toContain(zipData.zones[zone]);
  });

  it('has the zones a hand check expects', () => {
    const has = (state: string, zones: string[]) =>
      expect(STATE_ZONES[state]).toEqual(expect.arrayContaining(zones));
    has('AZ', ['America/Phoenix', MOUNTAIN]);
    has('OR', [PACIFIC, BOISE]);
    has('NV', [PACIFIC, MOUNTAIN]);
    has('AK', ['America/Anchorage', 'America/Adak']);
    has('ID', [BOISE, PACIFIC]);
    has('FL', [EASTERN, CENTRAL]);
    has('KY', [EASTERN, CENTRAL]);
    has('TN', [EASTERN, CENTRAL]);
    has('IN', [CENTRAL, 'America/Indiana/Indianapolis']);
    has('MI', ['America/Detroit', 'America/Menominee']);
    has('TX', [CENTRAL, MOUNTAIN]);
    has('KS', [CENTRAL, MOUNTAIN]);
    has('NE', [CENTRAL, MOUNTAIN]);
    has('ND', [CENTRAL, MOUNTAIN]);
    has('SD', [CENTRAL, MOUNTAIN]);
    expect(STATE_ZONES.CA).toEqual([PACIFIC]);
    expect(STATE_ZONES.NY).toEqual([EASTERN]);
    expect(STATE_ZONES.HI).toEqual(['Pacific/Honolulu']);
    expect(STATE_ZONES.PR).toEqual(['America/Puerto_Rico']);
  });
});
