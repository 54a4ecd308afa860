import type { IncomingMessage } from 'node:http';
import { Module, RequestMethod } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import pino from 'pino';
import { AppConfigService } from '../config/app-config.service';
import { SECRET_VARIABLES } from '../config/environment';
import { requestIdFor } from '../request/request-store';
import { redactor } from './redact';

/**
 * Keys whose values never reach a log line, wherever they appear (two levels deep). Request bodies
 * and GraphQL variables are not logged at all; this list is the second line of defence, applied
 * to every line and every child logger's bindings (redact.ts).
 */
export const REDACTED_KEYS = [
  'authorization',
  'cookie',
  'password',
  'newPassword',
  'currentPassword',
  'token',
  'accessToken',
  'refreshToken',
  'secret',
  'apiKey',
  'totpCode',
  'backupCode',
  'email',
  'phone',
  'ssn',
  'firstName',
  'lastName',
  'fullName',
  'displayName',
  'address',
  'dateOfBirth',
  'variables',
  // A configuration object or error that carries an environment variable by its name.
  ...SECRET_VARIABLES,
];

/** Every key whose value a log line never carries, headers included. */
export const LOG_REDACTION = redactor([...REDACTED_KEYS, 'x-api-key']);

/** The request's path without its query; middleware may have rewritten `url` (middie strips it). */
function pathOf(req: IncomingMessage): string {
  const original = (req as { originalUrl?: string }).originalUrl;
  return (original ?? req.url ?? '').split('?')[0];
}

/** The request-completed line: the request's summary beside pino-http's response and time. */
function completed(req: IncomingMessage, _res: unknown, value: object): object {
  return { req, ...value };
}

@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [AppConfigService],
      useFactory: (config: AppConfigService) => {
        const file = config.get('LOG_FILE');
        const destination = file
          ? pino.destination({ dest: file, sync: true, mkdir: true })
          : pino.destination({ dest: 1, sync: false });
        return {
          // Every route, including the GraphQL one Apollo registers on Fastify itself (the
          // library's default pattern matches no route under @fastify/middie).
          forRoutes: [{ path: '*path', method: RequestMethod.ALL }],
          pinoHttp: [
            {
              level: config.get('LOG_LEVEL'),
              genReqId: requestIdFor,
              formatters: { log: LOG_REDACTION, bindings: LOG_REDACTION },
              // The request's logger binds its id only; what the request was (method, path, status,
              // time) is written once, when it completes. Never what it carried: no headers, no
              // body, no query string.
              quietReqLogger: true,
              quietResLogger: true,
              customAttributeKeys: { reqId: 'reqId' },
              customSuccessObject: completed,
              customErrorObject: completed,
              serializers: {
                req: (req: IncomingMessage & { id: unknown }) => ({
                  id: req.id,
                  method: req.method,
                  path: pathOf(req),
                }),
                res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
              },
              autoLogging: {
                ignore: (req: IncomingMessage) => pathOf(req).startsWith('/health'),
              },
              base: { service: 'callwarden' },
              timestamp: pino.stdTimeFunctions.isoTime,
            },
            destination,
          ],
        };
      },
    }),
  ],
})
export class LoggingModule {}
