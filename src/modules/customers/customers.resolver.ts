import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { RequireStepUp } from '../../core/auth/auth.decorators';
import { Ctx, RequestContext } from '../../core/auth/request-context';
import { Allow } from '../../core/authorization/allow.decorator';
import { AuditSensitive } from '../audit/audit-sensitive.decorator';
import { AuditService } from '../audit/audit.service';
import {
  AuthorizationErrorCode,
  AuthorizationException,
} from '../authorization/authorization.exception';
import { IdArgs } from '../outreach/dto/outreach.dto';
import { CustomerAccessService } from './customer-access.service';
import { CustomerWritesService } from './customer-writes.service';
import {
  CreateCustomerInput,
  CustomerIdInput,
  UpdateCustomerInput,
} from './dto/customer-input.dto';
import {
  CustomerDTO,
  CustomerPageDTO,
  CustomersArgs,
  RevealCustomerFieldInput,
  RevealedFieldDTO,
} from './dto/customer.dto';
import { RateLimitClass } from '../../core/rate-limit/rate-class';

export const REVEALS_PER_HOUR = 30;

@Resolver(() => CustomerDTO)
export class CustomersResolver {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly access: CustomerAccessService,
    private readonly audit: AuditService,
    private readonly writes: CustomerWritesService,
  ) {}

  @Allow('create', 'Customer')
  @Mutation(() => CustomerDTO)
  createCustomer(@Args('input') input: CreateCustomerInput): Promise<CustomerDTO> {
    return this.writes.create(input);
  }

  @Allow('update', 'Customer')
  @Mutation(() => CustomerDTO, {
    description: 'Row rules apply (an agent: customers of their tasks)',
  })
  updateCustomer(
    @Ctx() ctx: RequestContext,
    @Args('input') input: UpdateCustomerInput,
  ): Promise<CustomerDTO> {
    return this.writes.update(ctx, input.id, input);
  }

  @Allow('delete', 'Customer')
  @Mutation(() => Boolean, {
    description: 'Soft deletion: hidden everywhere, pending tasks cancelled',
  })
  async deleteCustomer(
    @Ctx() ctx: RequestContext,
    @Args('input') input: CustomerIdInput,
  ): Promise<boolean> {
    await this.writes.remove(ctx, input.id);
    return true;
  }

  @Allow('read', 'Customer')
  @Query(() => CustomerPageDTO, {
    description: 'Customers the caller may see, personal fields masked by role',
  })
  customers(@Ctx() ctx: RequestContext, @Args() args: CustomersArgs): Promise<CustomerPageDTO> {
    return this.access.list(ctx, args.filter ?? {}, args.first, args.after);
  }

  @Allow('read', 'Customer')
  @Query(() => CustomerDTO, { description: 'NOT_FOUND also when the caller may not see it' })
  customer(@Ctx() ctx: RequestContext, @Args() args: IdArgs): Promise<CustomerDTO> {
    return this.access.get(ctx, args.id);
  }

  /**
   * The full value of one personal field, once, for a role that sees it masked: needs a recent MFA
   * check and a reason, is limited per user and hour, and is audited with the reason.
   */
  @RateLimitClass('sensitive')
  @Allow('reveal', 'Customer')
  @RequireStepUp()
  @AuditSensitive()
  @Mutation(() => RevealedFieldDTO)
  async revealCustomerField(
    @Ctx() ctx: RequestContext,
    @Args('input') input: RevealCustomerFieldInput,
  ): Promise<RevealedFieldDTO> {
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
    // Count and record in one transaction, serialized per user on the user's row: concurrent
    // reveals cannot all see 29 and all pass.
    await this.dataSource.transaction(async (m) => {
      await m.query('SELECT id FROM users WHERE id = ? FOR UPDATE', [ctx.principal.userId]);
      const [count] = await m.query<{ n: string }[]>(
        `SELECT COUNT(*) AS n FROM audit_events
          WHERE actor_id = ? AND action = 'customer.field_revealed' AND occurred_at > NOW(3) - INTERVAL 1 HOUR`,
        [ctx.principal.id],
      );
      if (Number(count.n) >= REVEALS_PER_HOUR) {
        throw new AuthorizationException(
          AuthorizationErrorCode.REVEAL_RATE_LIMITED,
          `At most ${REVEALS_PER_HOUR} reveals an hour`,
        );
      }
      await this.audit.record(
        {
          action: 'customer.field_revealed',
          resourceType: 'Customer',
          resourceId: customer.id,
          changes: { field: input.field, justification: input.reason },
        },
        m,
      );
    });
    const value = (customer as unknown as Record<string, string | null>)[input.field] ?? null;
    return { field: input.field, value };
  }
}
