import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { BareModule } from './bare.module';

/**
 * The bare baseline server of the graphql bench: `PORT` and `HOST` from the environment, and
 * `BARE_ADAPTER=fastify` to run the same module on Fastify instead of Express.
 */
async function bootstrap(): Promise<void> {
  const app =
    process.env.BARE_ADAPTER === 'fastify'
      ? await NestFactory.create(BareModule, new FastifyAdapter(), { logger: false })
      : await NestFactory.create(BareModule, { logger: false });
  app.enableShutdownHooks();
  await app.listen(Number(process.env.PORT ?? 3000), process.env.HOST ?? '127.0.0.1');
}

bootstrap().catch((e: unknown) => {
  process.stderr.write(`bare: failed to start: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
