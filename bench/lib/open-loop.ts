import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { LatencySummary } from './load';
import type { OpenLoopRaw, OpenLoopSpec } from './open-loop-driver';
import { percentile } from './timing';

export interface OpenLoopOptions {
  url: string;
  path: string;
  /** Requests started per second, on a fixed schedule whatever the answers do. */
  ratePerSecond: number;
  durationSeconds: number;
  /** The i-th request's body and extra headers (e.g. its own client address). */
  body: (i: number) => string;
  headers?: (i: number) => Record<string, string>;
  /** Sorts each answer into a bucket (default: its HTTP status). */
  classify?: (status: number, body: string) => string;
  /**
   * Sockets to the server, all opened before the schedule starts (default 64); a request waits
   * for one only when all are busy, and that wait is in its latency.
   */
  sockets?: number;
}

export interface OpenLoopResult {
  /** Requests due by the schedule. */
  scheduled: number;
  answered: number;
  /** Requests that failed without an answer (connection errors). */
  failed: number;
  seconds: number;
  /**
   * Latency from each request's scheduled start to its answer (ms): a server that falls behind
   * shows it here, where a closed loop would only send less (coordinated omission).
   */
  latency: LatencySummary;
  /**
   * How late the driver had a socket ready to send each request after it was due (ms): large
   * values mean the load generator (or the sockets it was allowed), not the server, was behind.
   */
  sendLag: LatencySummary;
  buckets: Map<string, LatencySummary>;
  /**
   * Per bucket, latency from when the request's socket was ready to send it to its answer: the
   * server's part (its queue included), without the driver's own lag.
   */
  served: Map<string, LatencySummary>;
}

function summarize(samples: number[]): LatencySummary {
  if (samples.length === 0) return { count: 0, p50: Number.NaN, p99: Number.NaN, max: Number.NaN };
  const p50 = percentile(samples, 50);
  return { count: samples.length, p50, p99: percentile(samples, 99), max: samples.at(-1)! };
}

/**
 * An open-loop load: a fixed arrival rate whatever the answers do, driven from a worker thread
 * (open-loop-driver.ts) so that the bench process's own work does not shift the schedule. Every
 * body and header set is built here first; the answers are classified here after.
 */
export async function runOpenLoop(options: OpenLoopOptions): Promise<OpenLoopResult> {
  const total = Math.floor(options.ratePerSecond * options.durationSeconds);
  const spec: OpenLoopSpec = {
    url: options.url,
    path: options.path,
    ratePerSecond: options.ratePerSecond,
    bodies: Array.from({ length: total }, (_, i) => options.body(i)),
    headers: Array.from({ length: total }, (_, i) => options.headers?.(i) ?? {}),
    sockets: options.sockets ?? 64,
  };
  const driver = join(__dirname, 'open-loop-driver.ts');
  const worker = new Worker(`require('@swc-node/register'); require(${JSON.stringify(driver)});`, {
    eval: true,
    workerData: { openLoop: spec },
  });
  const raw = await new Promise<OpenLoopRaw>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`open-loop driver exited with ${code}`)));
  });
  await worker.terminate();

  const all: number[] = [];
  const lags: number[] = [];
  const buckets = new Map<string, number[]>();
  const served = new Map<string, number[]>();
  let failed = 0;
  for (let i = 0; i < total; i++) {
    if (Number.isFinite(raw.lags[i])) lags.push(raw.lags[i]);
    if (raw.statuses[i] === 0) {
      failed++;
      continue;
    }
    const key = options.classify?.(raw.statuses[i], raw.answers[i]) ?? String(raw.statuses[i]);
    all.push(raw.latencies[i]);
    let samples = buckets.get(key);
    if (!samples) buckets.set(key, (samples = []));
    samples.push(raw.latencies[i]);
    let own = served.get(key);
    if (!own) served.set(key, (own = []));
    own.push(raw.served[i]);
  }
  return {
    scheduled: total,
    answered: total - failed,
    failed,
    seconds: raw.seconds,
    latency: summarize(all),
    sendLag: summarize(lags),
    buckets: new Map([...buckets].map(([k, v]) => [k, summarize(v)])),
    served: new Map([...served].map(([k, v]) => [k, summarize(v)])),
  };
}
