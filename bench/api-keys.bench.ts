import { randomBytes } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { ApiKeyEntity } from '../src/modules/identity/entities/api-key.entity';
import { ApiKeysService } from '../src/modules/identity/services/api-keys.service';
import { UsersService } from '../src/modules/identity/services/users.service';
import { randomToken, sha256 } from '../src/modules/identity/utils/secrets';
import { BenchContext, Figure, figure } from './lib/figures';
import { msSince, nowNs, percentile } from './lib/timing';

const BENCH = 'api-keys';
const FIRST_KEYS = 10;
const MANY_KEYS = 10_000;
const INSERT_BATCH = 1_000;
const IP = '127.0.0.1';

/**
 * validate() latency (one at a time) with 10 keys in the table and again with 10,000: the lookup is
 * by a unique prefix, so it should not grow with the number of keys.
 */
export async function run(ctx: BenchContext): Promise<Figure[]> {
  const apiKeys = ctx.app.get(ApiKeysService);
  const users = ctx.app.get(UsersService);
  const ds = ctx.dataSource;
  const validations = ctx.scale === 'full' ? 10_000 : 2_000;

  ctx.log(`api-keys: creating an owner and ${FIRST_KEYS} keys`);
  const owner = await ds.transaction((m) =>
    users.create(
      {
        email: `bench.${randomBytes(4).toString('hex')}@bench.callwarden.test`,
        displayName: 'Bench owner',
        role: 'admin',
        password: 'A long enough pass phrase 42',
      },
      m,
    ),
  );
  const plaintexts: string[] = [];
  for (let i = 0; i < FIRST_KEYS; i++) {
    const { plaintext } = await ds.transaction((m) =>
      apiKeys.create(owner, { name: `bench ${i}`, scopes: ['read:User'] }, m),
    );
    plaintexts.push(plaintext);
  }

  const measure = async (keys: string[], label: string) => {
    ctx.log(`api-keys: ${validations} validations among ${keys.length} keys (${label})`);
    // Warm-up, which also makes the first (last_used_at writing) validation of the small set.
    for (let i = 0; i < Math.min(200, validations); i++) {
      await apiKeys.validate(keys[i % keys.length], IP);
    }
    const samples: number[] = [];
    for (let i = 0; i < validations; i++) {
      const key = keys[Math.floor(Math.random() * keys.length)];
      const start = nowNs();
      await apiKeys.validate(key, IP);
      samples.push(msSince(start) * 1000);
    }
    const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
    return { median: percentile(samples, 50), p99: percentile(samples, 99), mean };
  };

  const small = await measure(plaintexts, `${FIRST_KEYS} keys in the table`);

  ctx.log(`api-keys: inserting ${MANY_KEYS - FIRST_KEYS} more keys`);
  const now = new Date();
  const expiresAt = new Date(now.getTime() + 365 * 86400_000);
  const repo = ds.getRepository(ApiKeyEntity);
  const all = [...plaintexts];
  for (let done = FIRST_KEYS; done < MANY_KEYS;) {
    const rows: ApiKeyEntity[] = [];
    for (; rows.length < INSERT_BATCH && done < MANY_KEYS; done++) {
      const prefix = randomBytes(10).toString('hex').slice(0, 16);
      const secret = randomToken(32);
      all.push(`cw_${prefix}_${secret}`);
      rows.push(
        repo.create({
          id: uuidv7(),
          prefix,
          secretHash: sha256(secret),
          name: `bench bulk ${done}`,
          ownerId: owner.id,
          scopes: ['read:User'],
          createdAt: now,
          expiresAt,
          // Just used from this address: validate() then skips its last_used_at write (once a
          // minute per key), as for the warmed-up small set, so both runs do the same work.
          lastUsedAt: new Date(),
          lastUsedIp: IP,
          revokedAt: null,
          graceUntil: null,
        }),
      );
    }
    await repo.insert(rows);
  }
  const count = await repo.count();

  const large = await measure(all, `${count} keys in the table`);
  const ratio = large.median / small.median;
  return [
    figure(BENCH, 'validate_median_us_10_keys', small.median, 'µs', {
      note: `${validations} sequential validations, mean ${small.mean.toFixed(0)} µs`,
    }),
    figure(BENCH, 'validate_p99_us_10_keys', small.p99, 'µs'),
    figure(BENCH, 'validate_median_us_10k_keys', large.median, 'µs', {
      note: `${validations} sequential validations among ${count} keys, mean ${large.mean.toFixed(0)} µs`,
    }),
    figure(BENCH, 'validate_p99_us_10k_keys', large.p99, 'µs'),
    figure(BENCH, 'validate_median_ratio_10k_vs_10', ratio, 'x', { max: 1.5 }),
    figure(BENCH, 'validate_p99_ratio_10k_vs_10', large.p99 / small.p99, 'x'),
  ];
}
