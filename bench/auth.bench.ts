import { AUTHENTICATOR, Authenticator } from '../src/core/auth/authenticator';
import { AuthService } from '../src/modules/identity/auth.service';
import { UsersService } from '../src/modules/identity/services/users.service';
import { BenchContext, Figure, figure } from './lib/figures';
import { msSince, nowNs, percentile } from './lib/timing';

const BENCH = 'auth';
const EMAIL = 'auth.viewer@bench.callwarden.test';
const PASSWORD = 'A long enough pass phrase 42';
const WARMUP_CALLS = 5_000;
const BATCH = 1_000;

/**
 * The authentication step of the secured read path, in-process: the global guard's authenticator
 * (AUTHENTICATOR) on a fresh request with a viewer's bearer token, one call at a time. What it
 * measures is CPU per request (token verification or its cache, the session-liveness check and
 * its 2 s cache, the CASL ability), without the HTTP and GraphQL noise of the graphql bench, so a
 * change of a few microseconds shows. Batches of 1,000 calls; the median batch is the figure.
 */
export async function run(ctx: BenchContext): Promise<Figure[]> {
  const users = ctx.app.get(UsersService);
  await ctx.dataSource.transaction((m) =>
    users.create(
      { email: EMAIL, displayName: 'Bench Viewer', role: 'viewer', password: PASSWORD },
      m,
    ),
  );
  const login = await ctx.app.get(AuthService).login(EMAIL, PASSWORD);
  if (login.kind !== 'tokens') throw new Error(`auth: login gave ${login.kind}`);
  const authenticator = ctx.app.get<Authenticator>(AUTHENTICATOR);
  const headers = { authorization: `Bearer ${login.accessToken}` };
  // A fresh request object per call, as the server makes one per request.
  const call = () => authenticator.authenticate({ headers });

  for (let i = 0; i < WARMUP_CALLS; i++) await call();
  const batches = ctx.scale === 'full' ? 60 : 20;
  const perCall: number[] = [];
  for (let b = 0; b < batches; b++) {
    const start = nowNs();
    for (let i = 0; i < BATCH; i++) await call();
    perCall.push((msSince(start) * 1000) / BATCH);
  }
  const median = percentile([...perCall], 50);
  const best = Math.min(...perCall);
  ctx.log(`auth: bearer token ${median.toFixed(1)} µs per call (best batch ${best.toFixed(1)})`);
  return [
    figure(BENCH, 'bearer_authenticate_us', median, 'µs', {
      decimals: 1,
      note: `median of ${batches} batches of ${BATCH} sequential calls after ${WARMUP_CALLS} warm-up calls`,
    }),
    figure(BENCH, 'bearer_authenticate_best_us', best, 'µs', { decimals: 1 }),
  ];
}
