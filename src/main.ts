import 'reflect-metadata';
import { createApp } from './app.factory';
import { AppConfigService } from './core/config/app-config.service';
import { ConfigError, loadEnvironment } from './core/config/environment';

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
}

bootstrap().catch((e: unknown) => {
  process.stderr.write(
    `callwarden: failed to start: ${e instanceof Error ? e.message : String(e)}\n`,
  );
  process.exit(1);
});
