import { MetricsService, sharedWhileInFlight } from './metrics.service';

describe('MetricsService', () => {
  it('keeps answering when a series read from elsewhere fails, and counts the failure', async () => {
    const metrics = new MetricsService();
    let fail = false;
    metrics.stateGauge(
      { name: 'test_depth', help: 'a depth read at scrape time', labelNames: ['queue'] as const },
      (gauge) => {
        if (fail) return Promise.reject(new Error('database away'));
        gauge.set({ queue: 'a' }, 7);
        return Promise.resolve();
      },
    );
    let total = 3;
    metrics.stateCounter(
      { name: 'test_hits_total', help: 'hits kept by the owner', labelNames: ['result'] as const },
      () => Promise.resolve([{ labels: { result: 'hit' }, total }]),
    );

    let { body } = await metrics.exposition();
    expect(body).toMatch(/^test_depth\{queue="a"\} 7$/m);
    expect(body).toMatch(/^test_hits_total\{result="hit"\} 3$/m);
    expect(body).not.toMatch(/^callwarden_metrics_collect_failures_total\{/m);

    fail = true;
    total = 5;
    ({ body } = await metrics.exposition());
    // The last value read stays; the failure is a series of its own (the registry collects the
    // series at once, so it shows from the next scrape on).
    expect(body).toMatch(/^test_depth\{queue="a"\} 7$/m);
    ({ body } = await metrics.exposition());
    expect(body).toMatch(/^callwarden_metrics_collect_failures_total\{series="test_depth"\} 1$/m);
    // A counter reports the owner's total, not a sum of scrapes.
    expect(body).toMatch(/^test_hits_total\{result="hit"\} 5$/m);
  });

  it('reports every watched outbox under one series with its name as the label', async () => {
    const metrics = new MetricsService();
    metrics.watchOutbox('a', () => Promise.resolve({ depth: 2, oldestAgeSeconds: 1.5 }));
    metrics.watchOutbox('b', () => Promise.resolve({ depth: 0, oldestAgeSeconds: 0 }));
    const { contentType, body } = await metrics.exposition();
    expect(contentType).toMatch(/^text\/plain/);
    expect(body).toMatch(/^callwarden_outbox_depth\{outbox="a"\} 2$/m);
    expect(body).toMatch(/^callwarden_outbox_depth\{outbox="b"\} 0$/m);
    expect(body).toMatch(/^callwarden_outbox_oldest_age_seconds\{outbox="a"\} 1.5$/m);
  });
});

describe('sharedWhileInFlight', () => {
  it('runs one read for the callers of one scrape, and a new one for the next scrape', async () => {
    let reads = 0;
    const read = sharedWhileInFlight(() => Promise.resolve(++reads));
    expect(await Promise.all([read(), read()])).toEqual([1, 1]);
    expect(await read()).toBe(2);
  });

  it('reads an outbox once a scrape for both its series', async () => {
    const metrics = new MetricsService();
    let reads = 0;
    metrics.watchOutbox('a', () => Promise.resolve({ depth: ++reads, oldestAgeSeconds: 0 }));
    const { body } = await metrics.exposition();
    expect(reads).toBe(1);
    expect(body).toMatch(/^callwarden_outbox_depth\{outbox="a"\} 1$/m);
  });
});
