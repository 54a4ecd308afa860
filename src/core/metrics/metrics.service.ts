import { Injectable, Logger } from '@nestjs/common';
import {
  collectDefaultMetrics,
  Counter,
  Gauge,
  Histogram,
  Registry,
  type GaugeConfiguration,
} from 'prom-client';

export interface OutboxState {
  depth: number;
  oldestAgeSeconds: number;
}

/**
 * One read per scrape for series that share it: while a read is in flight, callers get its
 * promise. The registry collects every series at once, so two gauges fed by one query (an outbox's
 * depth and age, a purge run's counts and status) run it once a scrape instead of once each.
 */
export function sharedWhileInFlight<T>(read: () => Promise<T>): () => Promise<T> {
  let inFlight: Promise<T> | null = null;
  return () =>
    (inFlight ??= read().finally(() => {
      inFlight = null;
    }));
}

/** Latency buckets (seconds) for request-sized work: 2.5 ms to 10 s. */
const REQUEST_BUCKETS = [0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Latency buckets (seconds) for one audit append: 0.5 ms to 2.5 s. */
const APPEND_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/**
 * The service's Prometheus series, in a registry of its own (not prom-client's global one: two
 * applications in one process, as the tests run them, must not share or clash). Series that count
 * events are declared here and incremented where the event happens; series that describe state
 * held in the database (outbox depth, job progress) are gauges whose owners read it at scrape
 * time (`stateGauge`). Every label takes values from a closed set (a schema field, a rule name, a
 * table): nothing a caller sends becomes a label.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  private readonly logger = new Logger('Metrics');

  /** GraphQL operations by root field, type and outcome (ok, error). */
  readonly graphqlRequests = new Counter({
    name: 'callwarden_graphql_requests_total',
    help: 'GraphQL operations by root field, operation type and outcome (ok or error)',
    labelNames: ['operation', 'type', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly graphqlDuration = new Histogram({
    name: 'callwarden_graphql_request_duration_seconds',
    help: 'GraphQL operation latency from the request to the response, by root field and type',
    labelNames: ['operation', 'type'] as const,
    buckets: REQUEST_BUCKETS,
    registers: [this.registry],
  });

  /** Errors by client code and reason (both closed sets: see the README's error table). */
  readonly graphqlErrors = new Counter({
    name: 'callwarden_graphql_errors_total',
    help: 'GraphQL errors by root field, client code and reason',
    labelNames: ['operation', 'code', 'reason'] as const,
    registers: [this.registry],
  });

  /** Requests refused at the edge, before GraphQL parses them (HASHING_BUSY, ADDRESS_BLOCKED...). */
  readonly edgeRefusals = new Counter({
    name: 'callwarden_edge_refusals_total',
    help: 'Requests refused before GraphQL parsing, by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly complianceRefusals = new Counter({
    name: 'callwarden_compliance_refusals_total',
    help: 'Contacts the compliance gate refused, by failed rule, rule kind and channel',
    labelNames: ['rule', 'kind', 'channel'] as const,
    registers: [this.registry],
  });

  readonly auditAppendDuration = new Histogram({
    name: 'callwarden_audit_append_duration_seconds',
    help: "Time to append audit entries to the hash chain: a batch in its own transaction, commit included (mode=own), or inside the caller's transaction (mode=caller)",
    labelNames: ['mode'] as const,
    buckets: APPEND_BUCKETS,
    registers: [this.registry],
  });

  readonly auditAppendFailures = new Counter({
    name: 'callwarden_audit_append_failures_total',
    help: 'Audit entries whose append failed',
    registers: [this.registry],
  });

  readonly collectFailures = new Counter({
    name: 'callwarden_metrics_collect_failures_total',
    help: 'Scrapes where a series kept by its owner could not be read (its value is then the last one read; a failure shows from the next scrape on)',
    labelNames: ['series'] as const,
    registers: [this.registry],
  });

  /** Outboxes by name, each read at scrape time for its depth and the age of its oldest row. */
  private readonly outboxes = new Map<string, () => Promise<OutboxState>>();

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'callwarden_' });
    this.stateGauge(
      {
        name: 'callwarden_outbox_depth',
        help: 'Rows waiting in an outbox (not yet delivered, not cancelled, not held for review)',
        labelNames: ['outbox'] as const,
      },
      async (gauge) => {
        for (const [outbox, read] of this.outboxes) gauge.set({ outbox }, (await read()).depth);
      },
    );
    this.stateGauge(
      {
        name: 'callwarden_outbox_oldest_age_seconds',
        help: 'Age of the oldest row waiting in an outbox (0 when empty), by the database clock',
        labelNames: ['outbox'] as const,
      },
      async (gauge) => {
        for (const [outbox, read] of this.outboxes)
          gauge.set({ outbox }, (await read()).oldestAgeSeconds);
      },
    );
  }

  /** Reports an outbox's depth and age under `callwarden_outbox_*{outbox="<name>"}`. */
  watchOutbox(name: string, read: () => Promise<OutboxState>): void {
    this.outboxes.set(name, sharedWhileInFlight(read));
  }

  /**
   * A gauge whose value is state the owner reads when Prometheus scrapes (`read` sets it). A read
   * that fails (the database away) keeps the last values and counts a collect failure, so the
   * scrape still answers and the failure is itself a series one can alert on.
   */
  stateGauge<L extends string>(
    config: Omit<GaugeConfiguration<L>, 'registers' | 'collect'>,
    read: (gauge: Gauge<L>) => Promise<void>,
  ): Gauge<L> {
    const guarded = (work: () => Promise<void>) => this.guarded(config.name, work);
    return new Gauge<L>({
      ...config,
      registers: [this.registry],
      collect() {
        return guarded(() => read(this));
      },
    });
  }

  /**
   * A counter whose total the owner keeps itself (a cache's hits since start) and reports at
   * scrape time: `read` returns the totals per label set. Failures are handled as stateGauge's.
   */
  stateCounter<L extends string>(
    config: { name: string; help: string; labelNames: readonly L[] },
    read: () => Promise<{ labels: Record<L, string>; total: number }[]>,
  ): Counter<L> {
    const guarded = (work: () => Promise<void>) => this.guarded(config.name, work);
    return new Counter<L>({
      ...config,
      registers: [this.registry],
      collect() {
        return guarded(async () => {
          const totals = await read();
          this.reset();
          for (const { labels, total } of totals) this.inc(labels as never, total);
        });
      },
    });
  }

  /** Runs a series' read; a failure keeps its last values and counts a collect failure. */
  private async guarded(series: string, work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (e) {
      this.collectFailures.inc({ series });
      this.logger.warn(`metrics: ${series} not read (${e instanceof Error ? e.name : 'unknown'})`);
    }
  }

  /** The exposition text and its content type. */
  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
