import { Global, Module } from '@nestjs/common';
import { AuditResolver } from './audit.resolver';
import { AuditService } from './audit.service';
import { AuditChainService } from './services/audit-chain.service';
import { AuditCheckpointScheduler } from './services/audit-checkpoint.scheduler';
import { AuditVerifierService } from './services/audit-verifier.service';
import { SiemForwarderService } from './services/siem-forwarder.service';
import { SIEM_SENDER, WebhookSiemSender } from './services/siem-sender';

@Global()
@Module({
  providers: [
    AuditChainService,
    AuditService,
    AuditVerifierService,
    AuditCheckpointScheduler,
    { provide: SIEM_SENDER, useClass: WebhookSiemSender },
    SiemForwarderService,
    AuditResolver,
  ],
  exports: [AuditService, AuditVerifierService, SiemForwarderService],
})
export class AuditModule {}
