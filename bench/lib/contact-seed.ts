import { v7 as uuidv7 } from 'uuid';
import { CustomersService } from '../../src/modules/customers/customers.service';
import { CustomerEntity, PhoneType } from '../../src/modules/customers/entities/customer.entity';
import type { BenchContext } from './figures';
import { runConcurrent } from './timing';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Per state: ZIPs (some in a second zone of the state) and the state's own area codes. */
export const GEO: Record<string, { zips: string[]; areas: string[] }> = {
  NY: { zips: ['10001', '11201', '14604'], areas: ['212', '718', '585'] },
  FL: { zips: ['33101', '32801', '32501'], areas: ['305', '407', '850'] },
  TN: { zips: ['37201', '38103', '37902'], areas: ['615', '901', '865'] },
  TX: { zips: ['75201', '77002', '79901'], areas: ['214', '713', '915'] },
  CA: { zips: ['94103', '90012', '92101'], areas: ['415', '213', '619'] },
  MA: { zips: ['02108', '01608', '02740'], areas: ['617', '508', '774'] },
  MD: { zips: ['21201', '20850', '21801'], areas: ['410', '301', '443'] },
  OK: { zips: ['73102', '74103', '73501'], areas: ['405', '918', '580'] },
};
export const STATES = Object.keys(GEO);
const ALL_AREAS = STATES.flatMap((s) => GEO[s].areas);

function phoneOf(n: number, state: string): string {
  // One customer in 7 kept a number from another state (area code and address disagree).
  const areas = GEO[state].areas;
  const area = n % 7 === 0 ? ALL_AREAS[(n * 5) % ALL_AREAS.length] : areas[n % areas.length];
  const exchange = 200 + (Math.floor(n / 10_000) % 800);
  return `+1${area}${exchange}${(n % 10_000).toString().padStart(4, '0')}`;
}

export interface ContactSeedOptions {
  /** External reference prefix of the seeded customers (each bench its own). */
  prefix: string;
  /** Customer numbers `from` (inclusive) to `total` (exclusive). */
  from: number;
  total: number;
  /** Rows per multi-row INSERT. */
  batch: number;
  /** The instant (ms) the consents, do-not-contact entries and calls are placed before. */
  before: number;
  /**
   * Customers blocked at `before` only for a while: 1 in 20 get their later call an hour before
   * `before` rather than a day, so the house's 4-hour gap between calls blocks them then and frees
   * them 3 hours later (4% of all customers, those without a ban: 1 in 100 have one).
   */
  allowedLater?: boolean;
}

export interface ContactSeed {
  consents: number;
  dnc: number;
  attempts: number;
}

/**
 * Customers spread over STATES (1/3 mobile, 1/7 with an out-of-state area code), then a call
 * consent for 1 in 5 (90 days before), a person-level do-not-contact entry for 1 in 50 (every
 * channel for 1 in 100), and two calls in the three days before for 1 in 10 (a day and 2.5 days
 * before; with `allowedLater`, an hour and 2.5 days before for half of them).
 */
export async function seedContactFacts(
  ctx: BenchContext,
  { prefix, from, total, batch, before, allowedLater = false }: ContactSeedOptions,
): Promise<ContactSeed> {
  const customers = ctx.app.get(CustomersService);
  const ids: string[] = new Array<string>(total);
  for (let start = from; start < total; start += batch) {
    const size = Math.min(batch, total - start);
    const built = new Array<CustomerEntity>(size);
    await runConcurrent(8, size, async (i) => {
      const n = start + i;
      const state = STATES[n % STATES.length];
      const zips = GEO[state].zips;
      built[i] = await customers.build({
        externalRef: `${prefix}${n.toString().padStart(7, '0')}`,
        lastName: `Lastname${n}`,
        phone: phoneOf(n, state),
        phoneType:
          n % 3 === 0 ? PhoneType.Mobile : n % 3 === 1 ? PhoneType.Landline : PhoneType.Unknown,
        state,
        zip: zips[Math.floor(n / STATES.length) % zips.length],
      });
    });
    // Encrypted columns are written in a transaction (the key's state is checked under a lock).
    await ctx.dataSource.transaction((m) => m.getRepository(CustomerEntity).insert(built));
    for (let i = 0; i < size; i++) ids[start + i] = built[i].id;
  }

  const at = (ms: number) => new Date(before - ms);
  const consents: unknown[][] = [];
  const dnc: unknown[][] = [];
  const attempts: unknown[][] = [];
  for (let n = from; n < total; n++) {
    const id = ids[n];
    if (n % 5 === 0)
      consents.push([
        uuidv7(),
        id,
        'call',
        'collection',
        1,
        'web_form',
        at(90 * DAY),
        at(90 * DAY),
      ]);
    if (n % 50 === 0)
      dnc.push([
        uuidv7(),
        id,
        n % 100 === 0 ? null : 'call',
        'person',
        'internal',
        'bench',
        at(DAY),
      ]);
    if (n % 10 === 0) {
      const toType = n % 3 === 0 ? 'cell' : 'home';
      const last = allowedLater && n % 20 === 0 ? HOUR : DAY;
      attempts.push([uuidv7(), id, 'call', 'collection', toType, at(last), at(last)]);
      attempts.push([uuidv7(), id, 'call', 'collection', toType, at(2.5 * DAY), at(2.5 * DAY)]);
    }
  }
  ctx.log(
    `seeding ${consents.length} consents, ${dnc.length} dnc entries, ${attempts.length} attempts`,
  );
  const insert = async (into: string, tuple: string, rows: unknown[][]) => {
    for (let i = 0; i < rows.length; i += batch) {
      const chunk = rows.slice(i, i + batch);
      await ctx.dataSource.query(
        `INSERT INTO ${into} VALUES ${chunk.map(() => tuple).join(', ')}`,
        chunk.flat(),
      );
    }
  };
  await insert(
    'consents (id, customer_id, channel, purpose, granted, source, effective_at, created_at)',
    '(?, ?, ?, ?, ?, ?, ?, ?)',
    consents,
  );
  await insert(
    'dnc_entries (id, customer_id, channel, scope, list, source, created_at)',
    '(?, ?, ?, ?, ?, ?, ?)',
    dnc,
  );
  await insert(
    'contact_attempts (id, customer_id, channel, purpose, to_type, occurred_at, created_at)',
    '(?, ?, ?, ?, ?, ?, ?)',
    attempts,
  );
  return { consents: consents.length, dnc: dnc.length, attempts: attempts.length };
}
