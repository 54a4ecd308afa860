import { parentPort, workerData } from 'node:worker_threads';
import { Pool } from 'undici';

/** What the driver is handed: everything serializable, each request's body and headers built. */
export interface OpenLoopSpec {
  url: string;
  path: string;
  ratePerSecond: number;
  bodies: string[];
  headers: Record<string, string>[];
  sockets: number;
}

/** Per request, in schedule order; a failed request has status 0 and NaN latency. */
export interface OpenLoopRaw {
  statuses: number[];
  /** The first KEEP characters of each answer (enough to read its error code and reason). */
  answers: string[];
  /** From when the request was due to its answer (ms). */
  latencies: number[];
  /** From when it was handed to the client to its answer (ms): the server's part. */
  served: number[];
  /** From when the request was due to when it was handed to the client (ms). */
  lags: number[];
  seconds: number;
}

const KEEP = 400;
const WARM_PATH = '/health/live';

/**
 * Request i is due at start + i / rate and is sent then (a timer sends every request already
 * due, so a late timer catches up instead of lowering the rate), whether or not earlier ones
 * were answered. Runs in a worker thread of its own (see open-loop.ts), so the bench process's
 * other work does not delay the schedule.
 */
export function drive(spec: OpenLoopSpec): Promise<OpenLoopRaw> {
  const pool = new Pool(spec.url, { connections: spec.sockets, pipelining: 1 });
  const total = spec.bodies.length;
  const raw: OpenLoopRaw = {
    statuses: new Array<number>(total).fill(0),
    answers: new Array<string>(total).fill(''),
    latencies: new Array<number>(total).fill(Number.NaN),
    served: new Array<number>(total).fill(Number.NaN),
    lags: new Array<number>(total).fill(Number.NaN),
    seconds: 0,
  };
  const intervalMs = 1000 / spec.ratePerSecond;
  let started = 0;
  let settled = 0;
  let t0 = 0;

  return new Promise<OpenLoopRaw>((resolve) => {
    const settle = () => {
      if (++settled < total) return;
      raw.seconds = (performance.now() - t0) / 1000;
      void pool.destroy().then(() => resolve(raw));
    };
    const send = async (i: number) => {
      const due = t0 + i * intervalMs;
      const sent = performance.now();
      raw.lags[i] = sent - due;
      try {
        const res = await pool.request({
          path: spec.path,
          method: 'POST',
          headers: { 'content-type': 'application/json', ...spec.headers[i] },
          body: spec.bodies[i],
        });
        const text = await res.body.text();
        const now = performance.now();
        raw.latencies[i] = now - due;
        raw.served[i] = now - sent;
        raw.statuses[i] = res.statusCode;
        raw.answers[i] = text.slice(0, KEEP);
      } catch {
        // status 0: no answer
      }
      settle();
    };
    if (total === 0) {
      resolve(raw);
      return;
    }
    void warm(pool, spec).then(() => {
      t0 = performance.now();
      schedule();
    });
    const schedule = () => {
      const timer = setInterval(() => {
        const dueNow = Math.min(total, Math.floor((performance.now() - t0) / intervalMs) + 1);
        while (started < dueNow) void send(started++);
        if (started >= total) clearInterval(timer);
      }, 1);
    };
  });
}

/**
 * Opens every socket the driver may use before the schedule starts (as many requests at once to
 * the liveness probe): connections opened in a burst mid-run would overflow the server's accept
 * queue, and the dropped handshakes' retransmits (1 s, 3 s, 7 s ...) would be measured as the
 * server's latency.
 */
async function warm(pool: Pool, spec: OpenLoopSpec): Promise<void> {
  await Promise.all(
    Array.from({ length: spec.sockets }, async () => {
      const res = await pool.request({ path: WARM_PATH, method: 'GET' });
      await res.body.text();
    }),
  );
}

if (parentPort && (workerData as { openLoop?: OpenLoopSpec } | null)?.openLoop) {
  const port = parentPort;
  void drive((workerData as { openLoop: OpenLoopSpec }).openLoop).then((raw) =>
    port.postMessage(raw),
  );
}
