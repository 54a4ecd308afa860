import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { AppConfigService } from '../../../core/config/app-config.service';
import { AuditVerifierService } from './audit-verifier.service';

const NAME = 'audit-checkpoint';

/** Signs the chain head every AUDIT_CHECKPOINT_INTERVAL_SECONDS. */
@Injectable()
export class AuditCheckpointScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(AuditCheckpointScheduler.name);

  constructor(
    private readonly verifier: AuditVerifierService,
    private readonly registry: SchedulerRegistry,
    private readonly config: AppConfigService,
  ) {}

  onApplicationBootstrap(): void {
    const timer = setInterval(
      () => {
        this.verifier.checkpoint().catch((e: unknown) => {
          this.logger.warn(
            `audit checkpoint failed: ${e instanceof Error ? e.message : 'unknown'}`,
          );
        });
      },
      this.config.get('AUDIT_CHECKPOINT_INTERVAL_SECONDS') * 1000,
    );
    timer.unref();
    this.registry.addInterval(NAME, timer);
  }

  onModuleDestroy(): void {
    if (this.registry.doesExist('interval', NAME)) this.registry.deleteInterval(NAME);
  }
}
