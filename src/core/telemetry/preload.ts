import { loadEnvironment } from '../config/environment';
import type { startTracing as StartTracing, Tracing } from './tracing';

/**
 * Tracing, started when this module is loaded: main.ts imports it before anything else, because
 * the instrumentations patch `http`, `graphql` and `mysql2` as they are first required. Off (null)
 * unless TRACING_OTLP_ENDPOINT is set. A configuration that does not validate starts nothing
 * here: main.ts reports it and exits.
 */
export const tracing: Tracing | null = (() => {
  let endpoint: string | undefined;
  let serviceName: string;
  let sampleRatio: number;
  try {
    ({
      TRACING_OTLP_ENDPOINT: endpoint,
      TRACING_SERVICE_NAME: serviceName,
      TRACING_SAMPLE_RATIO: sampleRatio,
    } = loadEnvironment());
  } catch {
    return null;
  }
  if (!endpoint) return null;
  // Loaded only when tracing is on: the SDK and its instrumentations cost ~0.4 s and ~40 MB at
  // start-up. A require, since this must finish before main.ts loads anything else.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { startTracing } = require('./tracing') as { startTracing: typeof StartTracing };
  return startTracing({ endpoint, serviceName, sampleRatio });
})();
