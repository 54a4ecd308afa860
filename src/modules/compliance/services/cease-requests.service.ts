import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { AuditService } from '../../audit/audit.service';
import { DebtsService } from '../../customers/debts.service';
import { ComplianceErrorCode, ComplianceException } from '../compliance.exception';
import { CeaseChannel, CeaseKind, CeaseRequestEntity } from '../entities/cease-request.entity';

export interface CeaseInput {
  customerId: string;
  debtId: string | null;
  kind: CeaseKind;
  receivedVia: CeaseChannel;
  receivedAt: Date;
  recordedBy: string;
}

/**
 * Cease-communication requests (Reg F 12 CFR 1006.6(c)): a consumer's written refusal to pay or
 * request to stop. Recording one stops collection contact about that debt at once: the engine
 * refuses it from then on, and pending collection tasks about it are cancelled in the same
 * transaction (for one debt: that debt's tasks and the customer's tasks that name no debt).
 * A named debt must be one of the customer's: another consumer's debt is refused; a reference
 * naming no debt on file is kept as given only for a customer with no debts on file (references
 * recorded before debts were kept).
 */
@Injectable()
export class CeaseRequestsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly debts: DebtsService,
  ) {}

  record(input: CeaseInput): Promise<CeaseRequestEntity> {
    return this.dataSource.transaction(async (m) => {
      if (
        input.debtId &&
        (await this.debts.debtOf(input.customerId, input.debtId, m)) === 'foreign'
      )
        throw new ComplianceException(
          ComplianceErrorCode.INVALID_CEASE_REQUEST,
          'debtId is not a debt of this customer',
        );
      const row = m.getRepository(CeaseRequestEntity).create({
        id: uuidv7(),
        ...input,
        createdAt: new Date(),
      });
      await m.getRepository(CeaseRequestEntity).insert(row);
      const cancelled = await m.query<{ affectedRows: number }>(
        `UPDATE tasks t JOIN campaigns k ON k.id = t.campaign_id
            SET t.status = 'cancelled', t.updated_at = NOW(3)
          WHERE t.customer_id = ? AND t.status = 'pending' AND k.purpose = 'collection'
            AND (? IS NULL OR t.debt_id IS NULL OR t.debt_id = ?)`,
        [input.customerId, input.debtId, input.debtId],
      );
      await this.audit.record(
        {
          action: 'cease.recorded',
          resourceType: 'Customer',
          resourceId: input.customerId,
          changes: {
            kind: input.kind,
            receivedVia: input.receivedVia,
            debt: input.debtId ? 'one' : 'all',
            tasksCancelled: cancelled.affectedRows,
          },
        },
        m,
      );
      return row;
    });
  }

  list(customerId: string): Promise<CeaseRequestEntity[]> {
    return this.dataSource
      .getRepository(CeaseRequestEntity)
      .find({ where: { customerId }, order: { receivedAt: 'DESC' }, take: 500 });
  }
}
