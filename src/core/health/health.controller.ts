import { Controller, Get } from '@nestjs/common';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorService,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import { TdeStatusService } from '../database/tde-status.service';
import { SkipThrottle } from '@nestjs/throttler';
import { Public } from '../auth/public.decorator';

/** Probes from the orchestrator are not callers: they never spend a rate-limit budget. */
@SkipThrottle()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    private readonly tde: TdeStatusService,
  ) {}

  /** The process is up and its event loop answers. */
  @Public()
  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([]);
  }

  /** The service can do its job: the database answers and holds our data encrypted at rest. */
  @Public()
  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check([
      () => this.db.pingCheck('database', { timeout: 1500 }),
      async () => {
        const session = this.indicators.check('encryptionAtRest');
        try {
          const status = await this.tde.status();
          const unencrypted = status.tables.filter((t) => !t.encrypted).map((t) => t.table);
          return status.ok
            ? session.up({ tables: status.tables.length })
            : session.down({
                unencrypted,
                redoLog: status.settings.innodb_encrypt_log ?? 'unknown',
              });
        } catch {
          return session.down({ message: 'cannot read encryption status' });
        }
      },
    ]);
  }
}
