import { Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import { AppConfigService } from '../config/app-config.service';
import { FixedWindowStorage } from './fixed-window.storage';

@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [AppConfigService],
      useFactory: (config: AppConfigService) => ({
        // blockDuration 1 ms: a caller over budget waits for the window to end, not a minute more.
        throttlers: [
          {
            name: 'default',
            ttl: 60_000,
            limit: config.get('RATE_LIMIT_PER_MINUTE'),
            blockDuration: 1,
          },
        ],
        storage: new FixedWindowStorage(),
        errorMessage: 'Too many requests: slow down and retry after the Retry-After seconds',
      }),
    }),
  ],
  exports: [ThrottlerModule],
})
export class RateLimitModule {}
