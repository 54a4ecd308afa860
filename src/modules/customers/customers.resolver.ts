import { Args, Info, Mutation, Query, Resolver } from '@nestjs/graphql';
import type { GraphQLResolveInfo } from 'graphql';
import { selectedFields } from '../../core/graphql/selected-fields';
import { RequireStepUp } from '../../core/auth/auth.decorators';
import { Ctx, RequestContext } from '../../core/auth/request-context';
import { Allow } from '../../core/authorization/allow.decorator';
import { IdArgs } from '../../core/graphql/id-args';
import { CustomerAccessService } from './customer-access.service';
import { CustomerRevealService } from './customer-reveal.service';
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

@Resolver(() => CustomerDTO)
export class CustomersResolver {
  constructor(
    private readonly access: CustomerAccessService,
    private readonly writes: CustomerWritesService,
    private readonly reveals: CustomerRevealService,
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
  customers(
    @Ctx() ctx: RequestContext,
    @Args() args: CustomersArgs,
    @Info() info: GraphQLResolveInfo,
  ): Promise<CustomerPageDTO> {
    return this.access.list(
      ctx,
      args.filter ?? {},
      args.first,
      args.after,
      selectedFields(info, ['items']),
    );
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
  @Mutation(() => RevealedFieldDTO)
  revealCustomerField(
    @Ctx() ctx: RequestContext,
    @Args('input') input: RevealCustomerFieldInput,
  ): Promise<RevealedFieldDTO> {
    return this.reveals.reveal(ctx, input);
  }
}
