import { RetentionMetrics } from './retention.metrics';
import { Module } from '@nestjs/common';
import { ComplianceModule } from '../compliance/compliance.module';
import { PrivacyModule } from '../privacy/privacy.module';
import { RetentionResolver } from './retention.resolver';
import { RetentionService } from './retention.service';
import { RetentionRunsService } from './services/retention-runs.service';

/** The scheduled retention purge (and its on-demand run for admins and the CLI). */
@Module({
  imports: [PrivacyModule, ComplianceModule],
  providers: [RetentionService, RetentionRunsService, RetentionResolver, RetentionMetrics],
  exports: [RetentionService],
})
export class RetentionModule {}
