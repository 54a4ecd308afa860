import { Module } from '@nestjs/common';
import { CryptoModule } from '../crypto/crypto.module';
import { AuditResolver } from './audit.resolver';
import { AuditCheckpointScheduler } from './services/audit-checkpoint.scheduler';
import { AuditVerifierService } from './services/audit-verifier.service';

/**
 * The parts of the audit log that need keys: chain verification, signed checkpoints and the audit
 * purge. Split from AuditModule so crypto (which records its key events in the log) and the log's
 * integrity (which signs with crypto's keys) form no cycle: AuditModule <- CryptoModule <- this.
 */
@Module({
  imports: [CryptoModule],
  providers: [AuditVerifierService, AuditCheckpointScheduler, AuditResolver],
  exports: [AuditVerifierService],
})
export class AuditIntegrityModule {}
