import { Args, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { RequireStepUp } from '../../core/auth/auth.decorators';
import { Ctx, RequestContext } from '../../core/auth/request-context';
import { Allow } from '../../core/authorization/allow.decorator';
import {
  DataSubjectRequestDTO,
  DataSubjectRequestFilter,
  DataSubjectRequestIdInput,
  DenyErasureInput,
  ExtendRequestInput,
  LegalHoldDTO,
  LegalHoldIdInput,
  PlaceLegalHoldInput,
  RequestErasureInput,
} from './dto/privacy.dto';
import { DsrStatus } from './entities/data-subject-request.entity';
import { PrivacyService } from './privacy.service';
import { LegalHoldsService } from './services/legal-holds.service';

@Resolver(() => DataSubjectRequestDTO)
export class PrivacyResolver {
  constructor(
    private readonly privacy: PrivacyService,
    private readonly holds: LegalHoldsService,
  ) {}

  @ResolveField(() => Boolean, { description: 'Open and past its deadline' })
  overdue(@Parent() request: DataSubjectRequestDTO): boolean {
    return request.status === DsrStatus.Received && request.dueAt.getTime() < Date.now();
  }

  @Allow('update', 'DataSubjectRequest')
  @RequireStepUp()
  @Mutation(() => DataSubjectRequestDTO, {
    description:
      'The one extension the law allows (GDPR two months, CCPA 45 days), before the deadline; the subject is told why',
  })
  extendDataSubjectRequest(
    @Ctx() ctx: RequestContext,
    @Args('input') input: ExtendRequestInput,
  ): Promise<DataSubjectRequestDTO> {
    return this.privacy.extend(ctx, input.id, input.reason);
  }

  @ResolveField(() => [LegalHoldDTO], {
    description: 'Active legal holds on its customer: while any, the erasure cannot complete',
  })
  async legalHolds(
    @Ctx() ctx: RequestContext,
    @Parent() request: DataSubjectRequestDTO,
  ): Promise<LegalHoldDTO[]> {
    const holds = await this.holds.of(request.customerId, true);
    // Who reads requests but not holds learns that (and why) a hold blocks, not the matter itself.
    if (ctx.ability.can('read', 'LegalHold')) return holds;
    return holds.map((h) => ({ ...h, note: '(restricted)', debtRef: null, placedBy: '' }));
  }

  @Allow('read', 'LegalHold')
  @Query(() => [LegalHoldDTO], { description: 'A customer’s legal holds, newest first' })
  legalHoldsOf(
    @Args('customerId', { type: () => String }) customerId: string,
  ): Promise<LegalHoldDTO[]> {
    return this.holds.of(customerId);
  }

  @Allow('create', 'LegalHold')
  @Mutation(() => LegalHoldDTO, {
    description: 'Holds a customer’s records: no erasure, no purge until released or expired',
  })
  placeLegalHold(
    @Ctx() ctx: RequestContext,
    @Args('input') input: PlaceLegalHoldInput,
  ): Promise<LegalHoldDTO> {
    return this.holds.place(ctx, input);
  }

  @Allow('update', 'LegalHold')
  @Mutation(() => LegalHoldDTO)
  releaseLegalHold(
    @Ctx() ctx: RequestContext,
    @Args('input') input: LegalHoldIdInput,
  ): Promise<LegalHoldDTO> {
    return this.holds.release(ctx, input.id);
  }

  @Allow('read', 'DataSubjectRequest')
  @Query(() => [DataSubjectRequestDTO], { description: 'Oldest deadline first' })
  dataSubjectRequests(
    @Args('filter', { nullable: true }) filter?: DataSubjectRequestFilter,
  ): Promise<DataSubjectRequestDTO[]> {
    return this.privacy.list(filter?.status);
  }

  @Allow('create', 'DataSubjectRequest')
  @Mutation(() => DataSubjectRequestDTO, {
    description: 'Logs an erasure request; contact stops and pending tasks are cancelled at once',
  })
  requestErasure(
    @Ctx() ctx: RequestContext,
    @Args('input') input: RequestErasureInput,
  ): Promise<DataSubjectRequestDTO> {
    return this.privacy.requestErasure(ctx, input);
  }

  @Allow('update', 'DataSubjectRequest')
  @RequireStepUp()
  @Mutation(() => DataSubjectRequestDTO, {
    description: 'Erases the customer’s personal data and destroys their key; irreversible',
  })
  completeErasure(
    @Ctx() ctx: RequestContext,
    @Args('input') input: DataSubjectRequestIdInput,
  ): Promise<DataSubjectRequestDTO> {
    return this.privacy.completeErasure(ctx, input.id);
  }

  @Allow('update', 'DataSubjectRequest')
  @RequireStepUp()
  @Mutation(() => DataSubjectRequestDTO, {
    description: 'Refuses under an exemption; the suppression the request placed is lifted',
  })
  denyErasure(
    @Ctx() ctx: RequestContext,
    @Args('input') input: DenyErasureInput,
  ): Promise<DataSubjectRequestDTO> {
    return this.privacy.denyErasure(ctx, input.id, input.reason);
  }
}
