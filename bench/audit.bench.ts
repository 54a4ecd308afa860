import { randomUUID } from 'node:crypto';
import { AuditService } from '../src/modules/audit/audit.service';
import type { AuditInput } from '../src/modules/audit/audit.types';
import { ActorType } from '../src/modules/audit/entities/audit-event.entity';
import { AuditVerifierService } from '../src/modules/audit/services/audit-verifier.service';
import { BenchContext, Figure, figure } from './lib/figures';
import { msSince, nowNs, runConcurrent } from './lib/timing';

const BENCH = 'audit';
const WRITERS = 50;
const WARMUP = 200;

function entry(action: string, n: number): AuditInput {
  return {
    action,
    actor: { type: ActorType.System, id: 'bench' },
    resourceType: 'Customer',
    resourceId: randomUUID(),
    changes: { n, field: 'status', before: 'active', after: 'inactive' },
  };
}

/**
 * 50 concurrent writers appending to the one hash chain: through the group-commit queue, then one
 * transaction per entry; then the whole chain must verify.
 */
export async function run(ctx: BenchContext): Promise<Figure[]> {
  const audit = ctx.app.get(AuditService);
  const verifier = ctx.app.get(AuditVerifierService);
  const total = ctx.scale === 'full' ? 50_000 : 5_000;
  const ds = ctx.dataSource;

  ctx.log(`audit: warm-up (${WARMUP} entries each way)`);
  await runConcurrent(WRITERS, WARMUP, (n) => audit.record(entry('bench.warmup', n)));
  await runConcurrent(WRITERS, WARMUP, (n) =>
    ds.transaction((m) => audit.record(entry('bench.warmup', n), m)),
  );

  ctx.log(`audit: ${total} entries through the group-commit queue, ${WRITERS} writers`);
  const queuedMs = await runConcurrent(WRITERS, total, (n) =>
    audit.record(entry('bench.group_commit', n)),
  );

  ctx.log(`audit: ${total} entries, one transaction each, ${WRITERS} writers`);
  const txMs = await runConcurrent(WRITERS, total, (n) =>
    ds.transaction((m) => audit.record(entry('bench.per_transaction', n), m)),
  );

  ctx.log('audit: verifying the chain');
  const verifyStart = nowNs();
  const result = await verifier.verify();
  const verifyMs = msSince(verifyStart);
  const expected = total * 2 + WARMUP * 2;
  const note = result.ok
    ? `${result.checked} entries checked (expected at least ${expected})`
    : `broken at ${result.brokenAt}: ${result.reason} after ${result.checked}`;

  return [
    figure(BENCH, 'group_commit_entries_per_s', (total / queuedMs) * 1000, 'entries/s', {
      min: 1_500,
      note: `${total} entries, ${WRITERS} concurrent writers, record(input)`,
    }),
    figure(BENCH, 'per_transaction_entries_per_s', (total / txMs) * 1000, 'entries/s', {
      note: `${total} entries, ${WRITERS} concurrent writers, transaction(m => record(input, m))`,
    }),
    figure(BENCH, 'chain_verified', result.ok && result.checked >= expected ? 1 : 0, 'bool', {
      min: 1,
      note,
    }),
    figure(BENCH, 'verify_entries_per_s', (result.checked / verifyMs) * 1000, 'entries/s'),
  ];
}
