import 'reflect-metadata';
// First: tracing (when configured) must be running before http, graphql and mysql2 are loaded.
import { tracing } from './core/telemetry/preload';
import type { Server } from 'node:http';
import { createApp } from './app.factory';
import { AppConfigService } from './core/config/app-config.service';
import { ConfigError, loadEnvironment } from './core/config/environment';
import { driverErrorOf } from './core/errors/map-error';
import { bootLine } from './core/logging/boot-logger';

async function bootstrap(): Promise<void> {
  try {
    loadEnvironment();
  } catch (e) {
    if (e instanceof ConfigError) {
      // One clear line naming the variable, never its value; no stack trace.
      process.stderr.write(`callwarden: ${e.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw e;
  }
  const app = await createApp();
  const config = app.get(AppConfigService);
  await app.listen(config.get('PORT'), config.get('HOST'));

  // Graceful stop: first stop taking requests and let those in flight finish (at most 10 s), then
  // tear the modules down (keys, pools, queues). Nest's own hooks would do it the other way round.
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    const server = app.getHttpServer() as Server;
    const force = setTimeout(() => server.closeAllConnections(), 10_000);
    server.close(() => {
      clearTimeout(force);
      app
        .close()
        // The spans of the last requests leave before the process does.
        .then(() => tracing?.shutdown())
        .then(() => process.exit(0))
        .catch(() => process.exit(1));
    });
    server.closeIdleConnections();
    process.stderr.write(`callwarden: ${signal}: stopping\n`);
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

// A boot failure is one JSON line (the log format) with no stack: a configuration refusal (bad
// variable, tables not encrypted at rest under REQUIRE_TDE) exits 78 (EX_CONFIG), anything else 1.
// A database error names its code (ECONNREFUSED, ER_ACCESS_DENIED_ERROR), never the driver's text.
bootstrap().catch((e: unknown) => {
  const refused = e instanceof ConfigError;
  const code = driverErrorOf(e).code;
  const err = refused ? undefined : (code ?? (e instanceof Error ? e.name : typeof e));
  const msg = refused ? e.message : code ? 'failed to start: database error' : 'failed to start';
  process.stderr.write(bootLine(60, msg, { err }));
  process.exit(refused ? 78 : 1);
});
