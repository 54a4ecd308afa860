import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { RequestContext } from '../../core/auth/request-context';
import { actorOf } from '../audit';
import { AuditService } from '../audit/audit.service';
import { AuthorizationErrorCode, AuthorizationException } from '../authorization';
import { CustomerAccessService } from './customer-access.service';
import { CustomerReadLogService, ReadAccessKind } from './customer-read-log.service';
import type { RevealCustomerFieldInput, RevealedFieldDTO } from './dto/customer.dto';

export const REVEALS_PER_HOUR = 30;
const REVEALED = 'customer.field_revealed';

/** One-off reads of a masked personal field: allowed by role, limited per user and hour, audited. */
@Injectable()
export class CustomerRevealService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly access: CustomerAccessService,
    private readonly audit: AuditService,
    private readonly readLog: CustomerReadLogService,
  ) {}

  async reveal(ctx: RequestContext, input: RevealCustomerFieldInput): Promise<RevealedFieldDTO> {
    if (
      !ctx.ability.can('reveal', 'Customer', input.field) &&
      !ctx.ability.can('readPii', 'Customer', input.field)
    ) {
      throw new AuthorizationException(
        AuthorizationErrorCode.REVEAL_NOT_ALLOWED,
        `Your role may not reveal ${input.field}`,
      );
    }
    const customer = await this.access.get(ctx, input.id);
    // Count and record in one transaction, serialized per user on the caller's own user row (a
    // mutex only; nothing is read from it): concurrent reveals cannot all see 29 and all pass.
    await this.dataSource.transaction(async (m) => {
      await m.query('SELECT id FROM users WHERE id = ? FOR UPDATE', [ctx.principal.userId]);
      const recent = await this.audit.countRecent(m, {
        actorId: ctx.principal.id,
        action: REVEALED,
        since: new Date(Date.now() - 3_600_000),
      });
      if (recent >= REVEALS_PER_HOUR) {
        throw new AuthorizationException(
          AuthorizationErrorCode.REVEAL_RATE_LIMITED,
          `At most ${REVEALS_PER_HOUR} reveals an hour`,
        );
      }
      await this.audit.record(
        {
          action: REVEALED,
          resourceType: 'Customer',
          resourceId: customer.id,
          changes: { field: input.field, justification: input.reason },
        },
        m,
      );
      await this.readLog.record(
        [{ customerId: customer.id, kind: ReadAccessKind.Reveal, fields: [input.field] }],
        actorOf(ctx),
        m,
      );
    });
    const value = (customer as unknown as Record<string, string | null>)[input.field] ?? null;
    return { field: input.field, value };
  }
}
