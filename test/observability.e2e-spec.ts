import { randomUUID } from 'node:crypto';
import { ComplianceService } from '../src/modules/compliance/compliance.service';
import { startAppProcess } from './utils/app-process';
import { HttpSink } from './utils/http-sink';
import { makeUser, signIn } from './utils/identity';
import { makeCustomer } from './utils/outreach';
import { useTestApp } from './utils/use-test-app';

const TOKEN = 'scrape-token-0123456789abcdef';

/** One sample's value from Prometheus text: `name{labels}` exactly as exposed (labels in order). */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('metrics at /metrics (Prometheus, scrapers only)', () => {
  const app = useTestApp({ METRICS_TOKEN: TOKEN });

  const scrape = (headers: Record<string, string> = {}) =>
    fetch(`${app.t.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}`, ...headers } });

  it('answers 404, as for a path that does not exist, to a caller not allowed to scrape', async () => {
    const unknown = await fetch(`${app.t.url}/no-such-path`);
    // From outside (the address a trusted proxy reports), token or not.
    const outside = await scrape({ 'x-forwarded-for': '203.0.113.7' });
    // From the loopback scraper's address, without the token, or with a wrong one.
    const noToken = await fetch(`${app.t.url}/metrics`);
    const wrongToken = await scrape({ authorization: `Bearer ${TOKEN}x` });
    for (const res of [outside, noToken, wrongToken]) {
      expect(res.status).toBe(404);
      expect(res.status).toBe(unknown.status);
      expect(await res.text()).not.toMatch(/callwarden_/);
    }
  });

  it('serves the named series: per GraphQL operation, refusals by rule, outboxes, audit, key cache, purge and re-encryption', async () => {
    const admin = await makeUser(app.t, 'admin', { mfa: true });
    const { auth } = await signIn(app.t, admin);
    const customer = await makeCustomer(app.t);
    const ok = await app.t.gql('{ customers(first: 5) { items { id firstName } } }', {}, auth);
    expect(ok.errors).toBeUndefined();
    const bad = await app.t.gql('{ customers(first: -1) { items { id } } }', {}, auth);
    expect(bad.errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
    // A gated contact with no consent to text: refused, and counted by the rule that failed.
    const refusal = await app.t.app
      .get(ComplianceService)
      .evaluateContact(
        customer,
        { channel: 'sms', purpose: 'collection', at: new Date() },
        { gate: true },
      );
    expect(refusal.allowed).toBe(false);
    const failed = refusal.checks.find((c) => !c.passed)!;

    const res = await scrape();
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();

    expect(
      sample(
        text,
        'callwarden_graphql_requests_total{operation="customers",type="query",outcome="ok"}',
      ),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sample(
        text,
        'callwarden_graphql_request_duration_seconds_count{operation="customers",type="query"}',
      ),
    ).toBeGreaterThanOrEqual(2);
    expect(
      text
        .split('\n')
        .some((l) =>
          /^callwarden_graphql_errors_total\{operation="customers",code="BAD_USER_INPUT",reason="[A-Z_]+"\} [1-9]/.test(
            l,
          ),
        ),
    ).toBe(true);
    expect(
      sample(
        text,
        'callwarden_graphql_requests_total{operation="login",type="mutation",outcome="ok"}',
      ),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sample(
        text,
        `callwarden_compliance_refusals_total{rule="${failed.rule}",kind="${failed.kind}",channel="sms"}`,
      ),
    ).toBeGreaterThanOrEqual(1);
    for (const outbox of ['notifications', 'siem']) {
      expect(sample(text, `callwarden_outbox_depth{outbox="${outbox}"}`)).toBeGreaterThanOrEqual(0);
      expect(
        sample(text, `callwarden_outbox_oldest_age_seconds{outbox="${outbox}"}`),
      ).toBeGreaterThanOrEqual(0);
    }
    expect(
      sample(text, 'callwarden_audit_append_duration_seconds_count{mode="own"}'),
    ).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'callwarden_key_cache_lookups_total{result="hit"}')).toBeGreaterThanOrEqual(
      1,
    );
    expect(
      sample(text, 'callwarden_key_cache_lookups_total{result="miss"}'),
    ).toBeGreaterThanOrEqual(0);
    expect(text).toMatch(/^# TYPE callwarden_reencryption_rows gauge$/m);
    expect(text).toMatch(/^# TYPE callwarden_retention_run_rows gauge$/m);
    const statuses = ['running', 'completed', 'interrupted'].map((s) =>
      sample(text, `callwarden_retention_run_info{status="${s}"}`),
    );
    expect(statuses.every((v) => v === 0 || v === 1)).toBe(true);
    expect(
      sample(text, 'callwarden_retention_last_completed_timestamp_seconds'),
    ).toBeGreaterThanOrEqual(0);
    expect(sample(text, 'callwarden_metrics_collect_failures_total')).toBeUndefined();
    // Process figures come with it (prom-client's defaults, our prefix).
    expect(text).toMatch(/^callwarden_process_cpu_seconds_total /m);
    // No personal data in any label or value.
    expect(text).not.toContain(customer.email!);
    expect(text).not.toContain(admin.email);
  });

  it('labels an operation by a schema field only, never by a name the caller made up', async () => {
    const invented = `zz${randomUUID().replace(/-/g, '')}`;
    await app.t.gql(`query ${invented} { ${invented} }`);
    const text = await (await scrape()).text();
    expect(text).not.toContain(invented);
    expect(
      sample(
        text,
        'callwarden_graphql_requests_total{operation="(invalid)",type="(invalid)",outcome="error"}',
      ),
    ).toBeGreaterThanOrEqual(1);
  });
});

describe('tracing (OpenTelemetry, OTLP to a local receiver)', () => {
  const receiver = new HttpSink();
  beforeAll(() => receiver.start());
  afterAll(() => receiver.stop());

  it('exports the HTTP, GraphQL and mysql2 spans of a request, each with its request id and no personal data', async () => {
    const app = await startAppProcess({
      TRACING_OTLP_ENDPOINT: `http://127.0.0.1:${receiver.port}/v1/traces`,
    });
    const requestId = `trace-e2e-${randomUUID()}`;
    const email = `nobody.${randomUUID()}@example.com`;
    try {
      const res = await app.gql(
        'mutation L($input: LoginInput!) { login(input: $input) { __typename } }',
        { input: { email, password: 'not the password 1234' } },
        { 'x-request-id': requestId, 'x-forwarded-for': '198.51.100.23' },
      );
      expect(res.errors?.[0].extensions.code).toBe('UNAUTHENTICATED');
    } finally {
      // A graceful stop flushes the spans still in the batch.
      await app.stop();
    }

    const bodies = receiver.received.map((r) => r.body);
    expect(bodies.length).toBeGreaterThan(0);
    const spans = bodies.flatMap((body) =>
      (JSON.parse(body) as ExportRequest).resourceSpans.flatMap((rs) =>
        rs.scopeSpans.flatMap((ss) =>
          ss.spans.map((span) => ({
            scope: ss.scope.name,
            service: attribute(rs.resource.attributes, 'service.name'),
            traceId: span.traceId,
            name: span.name,
            requestId: attribute(span.attributes, 'callwarden.request_id'),
          })),
        ),
      ),
    );
    const ours = spans.filter((s) => s.requestId === requestId);
    const scopes = new Set(ours.map((s) => s.scope));
    expect([...scopes].sort()).toEqual(
      expect.arrayContaining([
        '@opentelemetry/instrumentation-graphql',
        '@opentelemetry/instrumentation-http',
        '@opentelemetry/instrumentation-mysql2',
      ]),
    );
    // One trace, and every span of it carries the request id.
    const traceIds = new Set(ours.map((s) => s.traceId));
    expect(traceIds.size).toBe(1);
    const [traceId] = traceIds;
    expect(spans.filter((s) => s.traceId === traceId).every((s) => s.requestId === requestId)).toBe(
      true,
    );
    expect(ours.every((s) => s.service === 'callwarden')).toBe(true);
    // The address and the password never leave in a span (GraphQL values and SQL are masked).
    for (const body of bodies) {
      expect(body).not.toContain(email);
      expect(body).not.toContain('not the password');
    }
  });
});

interface KeyValue {
  key: string;
  value: { stringValue?: string };
}

interface ExportRequest {
  resourceSpans: {
    resource: { attributes: KeyValue[] };
    scopeSpans: {
      scope: { name: string };
      spans: { traceId: string; name: string; attributes: KeyValue[] }[];
    }[];
  }[];
}

function attribute(attributes: KeyValue[] | undefined, key: string): string | undefined {
  return attributes?.find((a) => a.key === key)?.value.stringValue;
}
