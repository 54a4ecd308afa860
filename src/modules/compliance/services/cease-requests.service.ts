import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { AuditService } from '../../audit/audit.service';
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
 * refuses it from then on, and pending collection tasks of the customer are cancelled in the same
 * transaction (tasks do not yet name their debt, so every collection task of the customer goes).
 */
@Injectable()
export class CeaseRequestsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
  ) {}

  record(input: CeaseInput): Promise<CeaseRequestEntity> {
    return this.dataSource.transaction(async (m) => {
      const row = m.getRepository(CeaseRequestEntity).create({
        id: uuidv7(),
        ...input,
        createdAt: new Date(),
      });
      await m.getRepository(CeaseRequestEntity).insert(row);
      const cancelled = await m.query<{ affectedRows: number }>(
        `UPDATE tasks t JOIN campaigns k ON k.id = t.campaign_id
            SET t.status = 'cancelled', t.updated_at = NOW(3)
          WHERE t.customer_id = ? AND t.status = 'pending' AND k.purpose = 'collection'`,
        [input.customerId],
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
