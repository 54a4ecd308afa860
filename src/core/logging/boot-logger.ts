import type { LoggerService } from '@nestjs/common';

/** The JSON line every boot-time message and boot failure is written as (the pino log format). */
export function bootLine(
  level: 40 | 50 | 60,
  msg: string,
  fields: Record<string, unknown> = {},
): string {
  return `${JSON.stringify({ level, time: new Date().toISOString(), service: 'callwarden', ...fields, msg })}\n`;
}

/** The first line of a message: Nest passes errors and multi-line texts; stacks never reach the log. */
function firstLine(message: unknown): string {
  const text = message instanceof Error ? message.message : String(message);
  return text.split('\n', 1)[0].slice(0, 500);
}

/**
 * Nest's logger until the application's own (pino) takes over: warnings and errors as JSON lines,
 * without stacks or error objects, which may carry driver details. Nest's exception handler and
 * TypeORM's connection retries are left out: the entry point reports a failed start itself, once.
 */
export class BootLogger implements LoggerService {
  log(): void {}
  debug(): void {}
  verbose(): void {}

  warn(message: unknown, context?: string): void {
    process.stderr.write(bootLine(40, firstLine(message), context ? { context } : {}));
  }

  error(message: unknown, ...rest: unknown[]): void {
    const context = rest.length > 0 ? rest[rest.length - 1] : undefined;
    // The entry point reports the failure once; TypeORM's connection retries lead up to it.
    if (context === 'ExceptionHandler' || context === 'TypeOrmModule') return;
    process.stderr.write(
      bootLine(50, firstLine(message), typeof context === 'string' ? { context } : {}),
    );
  }

  fatal(message: unknown, ...rest: unknown[]): void {
    this.error(message, ...rest);
  }
}
