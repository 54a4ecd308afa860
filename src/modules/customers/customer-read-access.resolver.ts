import { Args, Query, Resolver } from '@nestjs/graphql';
import { AuditSensitive } from '../../core/audit/audit-sensitive.decorator';
import { Ctx, RequestContext } from '../../core/auth/request-context';
import { Allow } from '../../core/authorization/allow.decorator';
import { CustomerReadLogService } from './customer-read-log.service';
import { CustomerReadAccessArgs, CustomerReadAccessDTO } from './dto/customer-read-access.dto';

@Resolver(() => CustomerReadAccessDTO)
export class CustomerReadAccessResolver {
  constructor(private readonly readLog: CustomerReadLogService) {}

  /**
   * Who has seen this consumer: for those who read the audit log, on customers they may see; the
   * query is itself audited.
   */
  @Allow('read', 'AuditEvent')
  @AuditSensitive()
  @Query(() => [CustomerReadAccessDTO], {
    description:
      "Who read the customer's personal fields (unmasked results, reveals, exports), newest first, at most 1000 rows; NOT_FOUND when the caller may not see the customer (soft-deleted ones included)",
  })
  customerReadAccess(
    @Ctx() ctx: RequestContext,
    @Args() args: CustomerReadAccessArgs,
  ): Promise<CustomerReadAccessDTO[]> {
    return this.readLog.report(ctx, args.customerId, { from: args.from, to: args.to });
  }
}
