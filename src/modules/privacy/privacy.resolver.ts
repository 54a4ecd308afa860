import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { RequireStepUp } from '../../core/auth/auth.decorators';
import { Ctx, RequestContext } from '../../core/auth/request-context';
import { Allow } from '../../core/authorization/allow.decorator';
import {
  DataSubjectRequestDTO,
  DataSubjectRequestFilter,
  DataSubjectRequestIdInput,
  DenyErasureInput,
  RequestErasureInput,
} from './dto/privacy.dto';
import { PrivacyService } from './privacy.service';

@Resolver()
export class PrivacyResolver {
  constructor(private readonly privacy: PrivacyService) {}

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
