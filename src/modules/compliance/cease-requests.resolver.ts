import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { Ctx, RequestContext } from '../../core/auth/request-context';
import { Allow } from '../../core/authorization/allow.decorator';
import { CustomerAccessService } from '../customers/customer-access.service';
import { ComplianceErrorCode, ComplianceException } from './compliance.exception';
import { CeaseRequestDTO, RecordCeaseRequestInput } from './dto/compliance.dto';
import { CeaseRequestsService } from './services/cease-requests.service';

/** Reg F 1006.6(c): the consumer's written refusal to pay or request to stop, per debt. */
@Resolver()
export class CeaseRequestsResolver {
  constructor(
    private readonly cease: CeaseRequestsService,
    private readonly customers: CustomerAccessService,
  ) {}

  @Allow('create', 'Consent')
  @Mutation(() => CeaseRequestDTO, {
    description:
      'Records a written refusal to pay or request to cease (Reg F 1006.6(c)); collection contact about the debt stops at once',
  })
  async recordCeaseRequest(
    @Ctx() ctx: RequestContext,
    @Args('input') input: RecordCeaseRequestInput,
  ): Promise<CeaseRequestDTO> {
    if (input.receivedAt && input.receivedAt.getTime() > Date.now() + 60_000)
      throw new ComplianceException(
        ComplianceErrorCode.INVALID_CEASE_REQUEST,
        'receivedAt cannot be in the future',
      );
    const customer = await this.customers.get(ctx, input.customerId);
    return this.cease.record({
      customerId: customer.id,
      debtId: input.debtId ?? null,
      kind: input.kind,
      receivedVia: input.receivedVia,
      receivedAt: input.receivedAt ?? new Date(),
      recordedBy: ctx.principal.id,
    });
  }

  @Allow('read', 'Consent')
  @Query(() => [CeaseRequestDTO], { description: 'Cease requests of a customer, newest first' })
  async ceaseRequests(
    @Ctx() ctx: RequestContext,
    @Args('customerId') customerId: string,
  ): Promise<CeaseRequestDTO[]> {
    const customer = await this.customers.get(ctx, customerId);
    return this.cease.list(customer.id);
  }
}
