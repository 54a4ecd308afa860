import autocannon from 'autocannon';
import { percentile } from './timing';

export interface LoadOptions {
  url: string;
  connections: number;
  durationSeconds: number;
  method?: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  /** A fixed body, or one built per request (e.g. a fresh email for each login). */
  body?: string | (() => string);
  /**
   * Sorts each response into a bucket by its body (GraphQL answers errors with HTTP 200); the
   * latencies of each bucket are kept apart. Default: everything in 'all'.
   */
  classify?: (status: number, body: string) => string;
}

export interface LatencySummary {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

export interface LoadResult {
  /** Mean of autocannon's per-second request counts. */
  reqPerSec: number;
  /** Completed responses over the run's wall time. */
  completedPerSec: number;
  total: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** Every response's latency (ms, float; not only 2xx as in autocannon's own histogram). */
  latency: LatencySummary;
  /** Latencies per `classify` bucket. */
  buckets: Map<string, LatencySummary>;
  seconds: number;
}

function summarize(samples: number[]): LatencySummary {
  if (samples.length === 0) return { count: 0, p50: Number.NaN, p99: Number.NaN, max: Number.NaN };
  const p50 = percentile(samples, 50); // sorts in place
  return {
    count: samples.length,
    p50,
    p99: percentile(samples, 99),
    max: samples[samples.length - 1],
  };
}

/** One autocannon run (pipelining 1), with latencies recorded per response and bucket. */
export function runLoad(options: LoadOptions): Promise<LoadResult> {
  const all: number[] = [];
  const buckets = new Map<string, number[]>();
  // autocannon calls a request's onResponse and then, synchronously, emits the instance's
  // `response` event (with the latency) for the same response: the bucket is handed over here.
  let pendingBucket = 'all';
  const { body } = options;
  const request: autocannon.Request = {
    method: options.method ?? 'POST',
    path: options.path,
    headers: options.headers,
    body: typeof body === 'function' ? body() : body,
    onResponse: (status: number, responseBody: string) => {
      pendingBucket = options.classify ? options.classify(status, responseBody) : 'all';
    },
  };
  // autocannon tests for the key, not for a function: set it only when there is one.
  if (typeof body === 'function') request.setupRequest = (req) => ({ ...req, body: body() });
  return new Promise<LoadResult>((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.url,
        connections: options.connections,
        pipelining: 1,
        duration: options.durationSeconds,
        timeout: 30,
        requests: [request],
      },
      (error, result) => {
        if (error) {
          reject(error);
          return;
        }
        const seconds = result.duration;
        const total = all.length;
        resolve({
          reqPerSec: result.requests.mean,
          completedPerSec: seconds > 0 ? total / seconds : Number.NaN,
          total,
          non2xx: result.non2xx,
          errors: result.errors,
          timeouts: result.timeouts,
          latency: summarize(all),
          buckets: new Map([...buckets].map(([k, v]) => [k, summarize(v)])),
          seconds,
        });
      },
    );
    instance.on('response', (_client, _status, _bytes, responseTimeMs) => {
      all.push(responseTimeMs);
      let samples = buckets.get(pendingBucket);
      if (!samples) {
        samples = [];
        buckets.set(pendingBucket, samples);
      }
      samples.push(responseTimeMs);
      pendingBucket = 'all';
    });
  });
}

/** `{ a: 3, b: 1 }` as "a 3, b 1", largest first. */
export function describeBuckets(buckets: Map<string, LatencySummary>): string {
  return [...buckets]
    .sort((x, y) => y[1].count - x[1].count)
    .map(([k, v]) => `${k} ${v.count}`)
    .join(', ');
}
