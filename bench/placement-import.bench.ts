import type { RowDataPacket } from 'mysql2/promise';
import { Readable } from 'node:stream';
import type { DataSource } from 'typeorm';
import type { RequestContext } from '../src/core/auth/request-context';
import { PlacementImportService } from '../src/modules/customers/placement-import.service';
import type { PlacementImportEntity } from '../src/modules/customers/entities/placement-import.entity';
import { prng } from './lib/prng';
import { BenchContext, Figure, figure } from './lib/figures';
import { msSince, nowNs } from './lib/timing';

const BENCH = 'placement-import';
/** The instant dates are checked against: fixed (never the clock). */
const AT = new Date('2026-12-01T12:00:00.000Z');
const HEADER =
  'placement_ref,first_name,last_name,email,phone,address,city,state,zip,date_of_birth,creditor,account_ref,original_balance,current_balance,placed_at';
const STATES = ['NY', 'CA', 'TX', 'FL', 'IL', 'PA', 'OH', 'GA', 'NC', 'MI'];
const ZIPS = [
  '10001',
  '94105',
  '73301',
  '33101',
  '60601',
  '19103',
  '43004',
  '30301',
  '27601',
  '48201',
];
const ROWS_PER_S_TARGET = 2_000;

/** A placement file of `rows` rows (~150 bytes each); `badLine` gets an amount that is not one. */
function placementFile(run: string, rows: number, badLine?: number): Buffer {
  const r = prng(20);
  const lines = [HEADER];
  for (let n = 1; n <= rows; n++) {
    const s = n % 10;
    const balance = (r() * 5000 + 50).toFixed(2);
    const line = n + 1;
    lines.push(
      [
        `B${run}-${n}`,
        'Pat',
        `Placed${n}`,
        `pat.${run}.${n}@bench.example`,
        `+1212${String(2000000 + (n % 7_999_999)).padStart(7, '0')}`,
        `${n} Bench Street`,
        'Springfield',
        STATES[s],
        ZIPS[s],
        `19${50 + (n % 50)}-0${1 + (n % 9)}-1${n % 10}`,
        'Acme Bank',
        `ACC${run}${n}`,
        (Number(balance) + 100).toFixed(2),
        line === badLine ? '12;50' : balance,
        `2026-0${1 + (n % 9)}-15`,
      ].join(','),
    );
  }
  return Buffer.from(`${lines.join('\n')}\n`);
}

async function count(ds: DataSource, sql: string, params: unknown[]): Promise<number> {
  const [row] = await ds.query<RowDataPacket[]>(sql, params);
  return Number(row.n);
}

/** Runs `fn` sampling RSS and heap every 20 ms: the peak growth over the level before. */
async function measured<T>(fn: () => Promise<T>): Promise<{
  result: T;
  ms: number;
  rssGrowthMiB: number;
  heapGrowthMiB: number;
  peakRssMiB: number;
}> {
  (globalThis as { gc?: () => void }).gc?.();
  const before = process.memoryUsage();
  let peakRss = before.rss;
  let peakHeap = before.heapUsed;
  const timer = setInterval(() => {
    const now = process.memoryUsage();
    peakRss = Math.max(peakRss, now.rss);
    peakHeap = Math.max(peakHeap, now.heapUsed);
  }, 20);
  const t = nowNs();
  try {
    const result = await fn();
    const ms = msSince(t);
    const end = process.memoryUsage();
    peakRss = Math.max(peakRss, end.rss);
    peakHeap = Math.max(peakHeap, end.heapUsed);
    return {
      result,
      ms,
      rssGrowthMiB: (peakRss - before.rss) / 2 ** 20,
      heapGrowthMiB: (peakHeap - before.heapUsed) / 2 ** 20,
      peakRssMiB: peakRss / 2 ** 20,
    };
  } finally {
    clearInterval(timer);
  }
}

export async function run(ctx: BenchContext): Promise<Figure[]> {
  const ds = ctx.dataSource;
  const imports = ctx.app.get(PlacementImportService);
  const rows = 100_000;
  // The run's own prefix (placement refs are unique across runs on one database).
  const runTag = `${(await count(ds, 'SELECT COUNT(*) AS n FROM placement_imports', [])) + 1}`;
  const admin = {
    principal: { id: 'bench-import', type: 'user', role: 'admin', userId: 'bench-import' },
  } as unknown as RequestContext;
  const written = () =>
    count(ds, 'SELECT COUNT(*) AS n FROM debts WHERE placement_ref LIKE ?', [`B${runTag}-%`]);
  const customers = () =>
    count(ds, 'SELECT COUNT(*) AS n FROM customers WHERE external_ref LIKE ?', [`B${runTag}-%`]);
  const out: Figure[] = [];

  // 1. A bad row in the middle: reported by its line, nothing written.
  const badLine = rows / 2 + 1;
  const bad = placementFile(runTag, rows, badLine);
  ctx.log(`placement file: ${rows} rows, ${(bad.length / 2 ** 20).toFixed(1)} MiB`);
  const rejected = await measured(() => imports.import(admin, Readable.from([bad]), { at: AT }));
  const rej = rejected.result;
  const nothing = (await written()) === 0 && (await customers()) === 0;
  const reportedLine = rej.errors?.[0]?.line ?? -1;
  out.push(
    figure(BENCH, 'bad row reported by line (line of the error)', reportedLine, 'line', {
      min: badLine,
      max: badLine,
      note: `status ${rej.status}, ${rej.errorCount} error(s), code ${rej.errors?.[0]?.code}; rows written: ${nothing ? 'none' : 'SOME'}`,
    }),
    figure(BENCH, 'bad file: rows written', nothing ? 0 : 1, 'rows', { max: 0 }),
    figure(BENCH, 'bad file: validation time', rejected.ms / 1000, 's', {
      note: `${Math.round(rows / (rejected.ms / 1000))} rows/s validated`,
    }),
  );

  // 2. The good file: every row in one transaction.
  const good = placementFile(runTag, rows);
  const imported = await measured(() => imports.import(admin, Readable.from([good]), { at: AT }));
  const job: PlacementImportEntity = imported.result;
  const rate = rows / (imported.ms / 1000);
  out.push(
    figure(BENCH, `import ${rows} rows (new customers and debts)`, rate, 'rows/s', {
      min: ROWS_PER_S_TARGET,
      note: `${(imported.ms / 1000).toFixed(1)} s; status ${job.status}; ${job.customersCreated} customers, ${job.debtsCreated} debts; validated in ${job.validatedAt && job.startedAt ? ((job.validatedAt.getTime() - job.startedAt.getTime()) / 1000).toFixed(1) : '?'} s`,
    }),
    figure(BENCH, 'import: peak RSS growth', imported.rssGrowthMiB, 'MiB', {
      note: `peak RSS ${imported.peakRssMiB.toFixed(0)} MiB`,
    }),
    figure(BENCH, 'import: peak heap growth', imported.heapGrowthMiB, 'MiB'),
    figure(BENCH, 'import: debts on file afterwards', await written(), 'rows', {
      min: rows,
      max: rows,
    }),
  );

  // 3. The same file again: nothing changes, and it says so.
  const again = await measured(() => imports.import(admin, Readable.from([good]), { at: AT }));
  out.push(
    figure(BENCH, 're-import of the same file', rows / (again.ms / 1000), 'rows/s', {
      note: `${(again.ms / 1000).toFixed(1)} s; created ${again.result.debtsCreated}, updated ${again.result.debtsUpdated}, unchanged ${again.result.debtsUnchanged}; peak heap +${again.heapGrowthMiB.toFixed(0)} MiB`,
    }),
    figure(
      BENCH,
      're-import: rows changed',
      again.result.customersCreated + again.result.debtsCreated + again.result.debtsUpdated,
      'rows',
      { max: 0 },
    ),
  );
  return out;
}
