import { Global, Module } from '@nestjs/common';
import { OPERATION_RECORDER } from '../../core/audit/operation-recorder';
import { AuditOperationRecorderService } from './audit-operation-recorder.service';
import { AuditService } from './audit.service';
import { AuditChainService } from './services/audit-chain.service';
import { SiemForwarderService } from './services/siem-forwarder.service';
import { SIEM_SENDER, WebhookSiemSender } from './services/siem-sender';

/**
 * The audit log every module writes to, and its SIEM forwarding. Global on purpose: it is
 * infrastructure (like the database) and depends on nothing but core, so it hides no cycle. What
 * needs keys (verification, signed checkpoints, the audit purge) is AuditIntegrityModule's.
 */
@Global()
@Module({
  providers: [
    AuditChainService,
    AuditService,
    { provide: SIEM_SENDER, useClass: WebhookSiemSender },
    SiemForwarderService,
    AuditOperationRecorderService,
    { provide: OPERATION_RECORDER, useExisting: AuditOperationRecorderService },
  ],
  exports: [AuditService, SiemForwarderService, OPERATION_RECORDER],
})
export class AuditModule {}
