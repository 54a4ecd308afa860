import type { IncomingMessage } from 'node:http';
import type { Attributes, Span } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { GraphQLInstrumentation } from '@opentelemetry/instrumentation-graphql';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { MySQL2Instrumentation } from '@opentelemetry/instrumentation-mysql2';
import { NodeSDK } from '@opentelemetry/sdk-node';
import {
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace';
import { requestStore } from '../request/request-store';
import { REQUEST_ID_ATTRIBUTE } from './request-id';

export interface TracingSettings {
  /** OTLP/HTTP traces endpoint (TRACING_OTLP_ENDPOINT). */
  endpoint: string;
  serviceName: string;
  /** Share of new traces sampled (a caller's sampled parent is always followed). */
  sampleRatio: number;
}

export interface Tracing {
  /** Exports what is buffered and stops; call it after the app closed. */
  shutdown(): Promise<void>;
}

/** Probes and scrapes are not work worth a trace. */
const UNTRACED = /^\/(health|metrics)(\/|$|\?)/;
/** A path segment that may be a secret (a download or unsubscribe token): long, random-looking. */
const TOKEN_SEGMENT = /^[A-Za-z0-9_~.-]{16,}$/;
/** The URL attributes the HTTP instrumentation may set (old and stable semantic conventions). */
const URL_ATTRIBUTES = ['http.target', 'http.url', 'url.full', 'url.path', 'url.query'];

/**
 * Starts OpenTelemetry tracing: spans of incoming HTTP requests, GraphQL parse/validate/execute
 * and resolvers, and mysql2 queries, exported over OTLP/HTTP (JSON) in batches. Must run before
 * the application's modules are loaded (main.ts loads them afterwards), since the
 * instrumentations patch `http`, `graphql` and `mysql2` as they are required.
 *
 * Nothing personal leaves in a span: GraphQL argument values are replaced by `*` (the
 * instrumentation's default, kept), SQL statements are masked (numbers and quoted strings), URL
 * paths lose their query strings and token-like segments, and no header is recorded. Every span
 * of a request carries its request id (`callwarden.request_id`), the X-Request-Id the response
 * and every log line of the request also carry.
 */
export function startTracing(settings: TracingSettings): Tracing {
  const sdk = new NodeSDK({
    serviceName: settings.serviceName,
    sampler: new ParentBasedSampler({
      root: new TraceIdRatioBasedSampler(settings.sampleRatio),
    }),
    spanProcessors: [
      new RequestIdSpanProcessor(),
      new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: settings.endpoint }) }),
    ],
    // Traces only: no metrics (Prometheus has those) or logs (pino has those) from the SDK, whose
    // defaults would otherwise export both to an OTLP endpoint on localhost.
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (req) => UNTRACED.test(req.url ?? ''),
        // Outgoing calls (SIEM webhook, SMS and email providers) carry secrets in their URLs at
        // times and are the provider's business: not traced.
        ignoreOutgoingRequestHook: () => true,
        requestHook: (span, req) => {
          if ('url' in req && 'headers' in req) scrubUrl(span, req);
        },
      }),
      new GraphQLInstrumentation({
        allowValues: false,
        mergeItems: true,
        ignoreTrivialResolveSpans: true,
      }),
      new MySQL2Instrumentation({ maskStatement: true }),
    ],
  });
  sdk.start();
  return { shutdown: () => sdk.shutdown() };
}

/** Sets the request id on every span started inside a request (database and GraphQL spans). */
class RequestIdSpanProcessor implements SpanProcessor {
  onStart(span: Span): void {
    const id = requestStore.getStore()?.requestId;
    if (id) span.setAttribute(REQUEST_ID_ATTRIBUTE, id);
  }

  onEnd(): void {}

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** Replaces the request's URL attributes with its path minus query string and token segments. */
function scrubUrl(span: Span, req: IncomingMessage): void {
  const path = (req.url ?? '/').split('?')[0];
  const scrubbed = path
    .split('/')
    .map((segment) => (TOKEN_SEGMENT.test(segment) ? ':token' : segment))
    .join('/');
  const attributes = (span as unknown as { attributes?: Attributes }).attributes ?? {};
  for (const key of URL_ATTRIBUTES) {
    if (!(key in attributes)) continue;
    const value = attributes[key];
    if (key === 'url.query') span.setAttribute(key, '');
    else if (typeof value === 'string' && /^https?:\/\//.test(value))
      span.setAttribute(key, new URL(scrubbed, value).toString());
    else span.setAttribute(key, scrubbed);
  }
}
