import { ExecutionContext, Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import { requestOf } from '../auth/request-context';
import { AppConfigService } from '../config/app-config.service';
import { addressList, inList } from '../config/environment';
import { FixedWindowStorage } from './fixed-window.storage';
import { rateClassOf } from './rate-class';

@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [AppConfigService],
      useFactory: (config: AppConfigService) => {
        const offices = addressList(config.get('LOGIN_IP_ALLOWLIST'));
        // An office's NAT address signs hundreds of agents in at 09:00: its anonymous credential
        // calls spend no per-address class budget (each account still has its lockout).
        const officeCall = (context: ExecutionContext) => {
          const req = requestOf(context);
          return !req.cw && Boolean(req.ip) && inList(offices, req.ip!);
        };
        return {
          // blockDuration 1 ms: a caller over budget waits for the window to end, not a minute more.
          // The general budget applies to every operation; a class budget only to its class
          // (see RateLimitClass). Keys are per throttler and caller (RateLimitGuard.generateKey).
          throttlers: [
            {
              name: 'default',
              ttl: 60_000,
              limit: config.get('RATE_LIMIT_PER_MINUTE'),
              blockDuration: 1,
            },
            {
              name: 'auth',
              ttl: 60_000,
              limit: config.get('RATE_LIMIT_AUTH_PER_MINUTE'),
              blockDuration: 1,
              skipIf: (context) => rateClassOf(context) !== 'auth' || officeCall(context),
            },
            {
              name: 'sensitive',
              ttl: 60_000,
              limit: config.get('RATE_LIMIT_SENSITIVE_PER_MINUTE'),
              blockDuration: 1,
              skipIf: (context) => rateClassOf(context) !== 'sensitive',
            },
          ],
          storage: new FixedWindowStorage(),
          errorMessage: 'Too many requests: slow down and retry after the Retry-After seconds',
        };
      },
    }),
  ],
  exports: [ThrottlerModule],
})
export class RateLimitModule {}
