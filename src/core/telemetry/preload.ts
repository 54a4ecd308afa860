import { loadEnvironment } from '../config/environment';
import { startTracing, type Tracing } from './tracing';

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
  return endpoint ? startTracing({ endpoint, serviceName, sampleRatio }) : null;
})();
