import { Controller, Get, Inject } from '@nestjs/common';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorService,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import { TdeStatusService } from '../database/tde-status.service';
import { SkipThrottle } from '@nestjs/throttler';
import { Public } from '../auth/public.decorator';
import { OPERATION_RECORDER, OperationRecorder } from '../audit/operation-recorder';

/** Probes from the orchestrator are not callers: they never spend a rate-limit budget. */
@SkipThrottle()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    private readonly tde: TdeStatusService,
    @Inject(OPERATION_RECORDER) private readonly auditLog: OperationRecorder,
  ) {}

  /** The process is up and its event loop answers. */
  @Public()
  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([]);
  }

  /**
   * The service can do its job: the database answers and holds our data encrypted at rest, and the
   * audit log takes writes (down from a failed append until the next one succeeds).
   */
  @Public()
  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check([
      // Our own ping: terminus's puts the driver's error text into this public answer.
      async () => {
        const session = this.indicators.check('database');
        try {
          const ping = await this.db.pingCheck('database', { timeout: 1500 });
          if (ping.database?.status === 'up') return session.up();
        } catch {
          // down below
        }
        return session.down({ message: 'unreachable' });
      },
      async () => {
        const session = this.indicators.check('encryptionAtRest');
        try {
          const status = await this.tde.status();
          const unencrypted = status.tables.filter((t) => !t.encrypted).map((t) => t.table);
          return status.ok
            ? session.up({ tables: status.tables.length })
            : session.down({
                unencrypted,
                redoLog: status.redoLog ?? 'unknown',
              });
        } catch {
          return session.down({ message: 'cannot read encryption status' });
        }
      },
      async () => {
        const session = this.indicators.check('auditLog');
        const health = await this.auditLog.health();
        const details = {
          failedEntries: health.failedEntries,
          lastFailureAt: health.lastFailureAt?.toISOString() ?? null,
        };
        return health.ok ? session.up(details) : session.down(details);
      },
    ]);
  }
}
