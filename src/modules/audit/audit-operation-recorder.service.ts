import { Injectable } from '@nestjs/common';
import type {
  AuditLogHealth,
  OperationRecord,
  OperationRecorder,
} from '../../core/audit/operation-recorder';
import { AuditService } from './audit.service';
import { AuditResult } from './entities/audit-event.entity';

/** The audit log behind core's OPERATION_RECORDER: the GraphQL capture and readiness use it. */
@Injectable()
export class AuditOperationRecorderService implements OperationRecorder {
  constructor(private readonly audit: AuditService) {}

  async recordOperation(op: OperationRecord): Promise<void> {
    await this.audit.record({
      action: op.action,
      resourceType: op.resourceType,
      resourceId: op.resourceId,
      result: op.succeeded ? AuditResult.Success : AuditResult.Failure,
      errorCode: op.errorCode,
      durationMs: op.durationMs,
      changes: { args: op.args },
      untrustedChanges: true,
    });
  }

  health(): Promise<AuditLogHealth> {
    return this.audit.probe();
  }
}
