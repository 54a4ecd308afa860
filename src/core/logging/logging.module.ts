import type { IncomingMessage } from 'node:http';
import { Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import pino from 'pino';
import { AppConfigService } from '../config/app-config.service';
import { requestIdFor } from '../request/request-store';

/**
 * Keys whose values never reach a log line, wherever they appear (two levels deep). Request bodies
 * and GraphQL variables are not logged at all; this list is the second line of defence.
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
];

export function redactPaths(): string[] {
  return [
    'req.headers.authorization',
    'req.headers.cookie',
    'req.headers["x-api-key"]',
    ...REDACTED_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]),
  ];
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
          pinoHttp: [
            {
              level: config.get('LOG_LEVEL'),
              genReqId: requestIdFor,
              redact: { paths: redactPaths(), censor: '[REDACTED]' },
              // Log what a request was, never what it carried: no headers, no body, no query string.
              serializers: {
                req: (req: { id: unknown; method: string; url: string }) => ({
                  id: req.id,
                  method: req.method,
                  path: req.url.split('?')[0],
                }),
                res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
              },
              autoLogging: {
                ignore: (req: IncomingMessage) => (req.url ?? '').startsWith('/health'),
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
