import { randomBytes } from 'node:crypto';
import { CustomerEntity } from '../src/modules/customers/entities/customer.entity';
import { CustomersService } from '../src/modules/customers/customers.service';
import {
  FieldCipherService,
  FieldLocation,
} from '../src/modules/crypto/services/field-cipher.service';
import { KeyringService } from '../src/modules/crypto/services/keyring.service';
import { BenchContext, Figure, figure } from './lib/figures';
import { loopFor, msSince, nowNs, runConcurrent } from './lib/timing';

const BENCH = 'crypto';
const CUSTOMERS = 2_000;
const PAGE = 50;
const INSERT_BATCH = 500;

/**
 * (a) AES-256-GCM field encrypt/decrypt of a 32-byte value on one thread; (b) loading pages of 50
 * customers without and with reading their 4 encrypted fields (lazy decryption vs decrypt-on-read);
 * (c) the data-key cache hit rate over the page reads.
 */
export async function run(ctx: BenchContext): Promise<Figure[]> {
  const figures: Figure[] = [];
  figures.push(...cipherOps(ctx));
  figures.push(...(await pageReads(ctx)));
  return figures;
}

function cipherOps(ctx: BenchContext): Figure[] {
  const cipher = ctx.app.get(FieldCipherService);
  const durationMs = ctx.scale === 'full' ? 3_000 : 1_500;
  const where: FieldLocation = {
    table: 'customers',
    column: 'email',
    rowId: '0190b2a4-7c1e-7000-8000-000000000001',
  };
  const plaintext = randomBytes(16).toString('hex'); // 32 bytes of UTF-8
  const stored = cipher.encrypt(plaintext, where, { purpose: 'pii' });
  if (cipher.decrypt(stored, where) !== plaintext) throw new Error('decrypt(encrypt(x)) !== x');

  let sink = 0;
  ctx.log(`encrypt: warm-up, then ${durationMs} ms`);
  loopFor(300, () => {
    sink += cipher.encrypt(plaintext, where, { purpose: 'pii' }).length;
  });
  const enc = loopFor(durationMs, () => {
    sink += cipher.encrypt(plaintext, where, { purpose: 'pii' }).length;
  });

  ctx.log(`decrypt: warm-up, then ${durationMs} ms`);
  loopFor(300, () => {
    sink += cipher.decrypt(stored, where).length;
  });
  const dec = loopFor(durationMs, () => {
    sink += cipher.decrypt(stored, where).length;
  });
  if (sink === 0) throw new Error('unreachable');

  const note = `32-byte value, ${stored.length}-byte stored form, one thread`;
  return [
    figure(BENCH, 'encrypt_ops_per_s', (enc.ops / enc.ms) * 1000, 'ops/s', { note }),
    figure(BENCH, 'encrypt_us_per_op', (enc.ms * 1000) / enc.ops, 'µs'),
    figure(BENCH, 'decrypt_ops_per_s', (dec.ops / dec.ms) * 1000, 'ops/s', { note }),
    figure(BENCH, 'decrypt_us_per_op', (dec.ms * 1000) / dec.ops, 'µs'),
  ];
}

async function pageReads(ctx: BenchContext): Promise<Figure[]> {
  const customers = ctx.app.get(CustomersService);
  const keyring = ctx.app.get(KeyringService);
  const repo = ctx.dataSource.getRepository(CustomerEntity);

  ctx.log(`inserting ${CUSTOMERS} customers (per-subject key each, 4 encrypted fields)`);
  const insertStart = nowNs();
  const built: CustomerEntity[] = new Array<CustomerEntity>(CUSTOMERS);
  // build() is async (a subject key when DOB or SSN is set): run a few at once.
  await runConcurrent(8, CUSTOMERS, async (n) => {
    built[n] = await customers.build({
      externalRef: `bench-${n.toString().padStart(6, '0')}`,
      lastName: `Lastname${n}`,
      email: `customer.${n}@bench.callwarden.test`,
      phone: `+1415555${(1000 + (n % 9000)).toString()}`,
      addressLine: `${100 + n} Market Street, Apt ${n % 50}`,
      state: 'CA',
      zip: '94103',
    });
  });
  // Encrypted values are only written inside a transaction (the key's state is locked for it).
  for (let i = 0; i < built.length; i += INSERT_BATCH) {
    await ctx.dataSource.transaction((m) =>
      m.getRepository(CustomerEntity).insert(built.slice(i, i + INSERT_BATCH)),
    );
  }
  const insertMs = msSince(insertStart);

  const pages = Math.ceil(CUSTOMERS / PAGE);
  const passes = ctx.scale === 'full' ? 10 : 5;
  const load = (page: number) => repo.find({ order: { id: 'ASC' }, take: PAGE, skip: page * PAGE });

  let sink = 0;
  const readMasked = (rows: CustomerEntity[]) => {
    for (const c of rows) {
      sink += (c.lastNameMasked?.length ?? 0) + (c.emailMasked?.length ?? 0);
      sink += (c.phoneMasked?.length ?? 0) + c.externalRef.length;
    }
  };
  const readPlain = (rows: CustomerEntity[]) => {
    for (const c of rows) {
      sink += (c.lastName?.length ?? 0) + (c.email?.length ?? 0);
      sink += (c.phone?.length ?? 0) + (c.addressLine?.length ?? 0);
    }
  };

  // Warm-up: connections, statement paths, and a check that every field decrypts.
  for (let page = 0; page < Math.min(pages, 5); page++) {
    const rows = await load(page);
    if (rows.length !== PAGE) throw new Error(`page ${page} has ${rows.length} rows`);
    readPlain(rows);
    readMasked(await load(page));
  }

  const before = keyring.stats();
  let lazyMs = 0;
  let lazyRows = 0;
  let fullMs = 0;
  let fullRows = 0;
  let decryptMs = 0;
  ctx.log(
    `reading ${pages} pages of ${PAGE} x ${passes} passes, lazy and decrypting (interleaved)`,
  );
  for (let pass = 0; pass < passes; pass++) {
    for (let page = 0; page < pages; page++) {
      // Alternate which mode goes first so neither always gets the warmer cache.
      const order = (pass + page) % 2 === 0 ? ['lazy', 'full'] : ['full', 'lazy'];
      for (const mode of order) {
        const start = nowNs();
        const rows = await load(page);
        if (mode === 'lazy') {
          readMasked(rows);
          lazyMs += msSince(start);
          lazyRows += rows.length;
        } else {
          const loaded = nowNs();
          readPlain(rows);
          decryptMs += msSince(loaded);
          fullMs += msSince(start);
          fullRows += rows.length;
        }
      }
    }
  }
  const after = keyring.stats();
  if (sink === 0) throw new Error('unreachable');

  const hits = after.hits - before.hits;
  const misses = after.misses - before.misses;
  const hitRate = hits + misses > 0 ? (hits / (hits + misses)) * 100 : 100;
  const lazyUs = (lazyMs * 1000) / lazyRows;
  const fullUs = (fullMs * 1000) / fullRows;
  return [
    figure(BENCH, 'customers_insert_per_s', (CUSTOMERS / insertMs) * 1000, 'rows/s', {
      note: 'build() of 4 pii fields (no DOB/SSN, so no subject key) + repository.insert in batches of 500, a transaction each',
    }),
    figure(BENCH, 'page50_lazy_us_per_row', lazyUs, 'µs/row', {
      note: `find(take ${PAGE}) reading masked columns only; ${lazyRows} rows`,
    }),
    figure(BENCH, 'page50_decrypt4_us_per_row', fullUs, 'µs/row', {
      note: `find(take ${PAGE}) reading email, phone, lastName, addressLine; ${fullRows} rows`,
    }),
    figure(BENCH, 'decrypt4_fields_us_per_row', (decryptMs * 1000) / fullRows, 'µs/row', {
      note: 'the field reads alone (4 lazy decryptions), excluding the query',
    }),
    figure(BENCH, 'page50_decrypt_vs_lazy_ratio', fullUs / lazyUs, 'x'),
    figure(BENCH, 'data_key_cache_hit_rate', hitRate, '%', {
      min: 99.9,
      decimals: 3,
      note: `over the page reads: ${hits} hits, ${misses} misses; since start ${after.hits}/${after.misses}, ${after.cached} keys cached`,
    }),
  ];
}
