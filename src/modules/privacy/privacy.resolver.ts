import { Args, Int, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { RateLimitClass } from '../../core/rate-limit/rate-class';
import { RequireStepUp } from '../../core/auth/auth.decorators';
import { Ctx, RequestContext } from '../../core/auth/request-context';
import { Allow } from '../../core/authorization/allow.decorator';
import {
  AttestIdentityInput,
  CompleteRectificationInput,
  RejectDataSubjectRequestInput,
  ReverseDataSubjectRequestInput,
  SendVerificationCodeInput,
  SubmitDataSubjectRequestInput,
  VerifyDataSubjectInput,
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
import { OPEN_STATUSES } from './entities/data-subject-request.entity';
import { PrivacyService } from './privacy.service';
import { LegalHoldsService } from './services/legal-holds.service';
import { SubjectVerificationService } from './services/subject-verification.service';

@Resolver(() => DataSubjectRequestDTO)
export class PrivacyResolver {
  constructor(
    private readonly privacy: PrivacyService,
    private readonly holds: LegalHoldsService,
    private readonly verification: SubjectVerificationService,
  ) {}

  @ResolveField(() => Boolean, { description: 'Open and past its deadline' })
  overdue(@Parent() request: DataSubjectRequestDTO): boolean {
    return OPEN_STATUSES.includes(request.status) && request.dueAt.getTime() < Date.now();
  }

  @ResolveField(() => Int, {
    nullable: true,
    description: 'Seconds to the deadline while open (negative: overdue); null once closed',
  })
  timeLeftSeconds(@Parent() request: DataSubjectRequestDTO): number | null {
    if (!OPEN_STATUSES.includes(request.status)) return null;
    return Math.round((request.dueAt.getTime() - Date.now()) / 1000);
  }

  @Allow('create', 'DataSubjectRequest')
  @Mutation(() => DataSubjectRequestDTO, {
    description:
      'Logs a request of any type; the subject is found by customer id, or by email or phone through the blind index, among the customers the caller may see. An erasure request stops contact at once; CCPA opt-outs take effect at once, unverified',
  })
  submitDataSubjectRequest(
    @Ctx() ctx: RequestContext,
    @Args('input') input: SubmitDataSubjectRequestInput,
  ): Promise<DataSubjectRequestDTO> {
    return this.privacy.submit(ctx, input);
  }

  @RateLimitClass('sensitive')
  @Allow('update', 'DataSubjectRequest')
  @Mutation(() => DataSubjectRequestDTO, {
    description:
      'Sends a one-time code (30 minutes, 5 guesses) to the email or phone on file, through the outbox; status Verifying',
  })
  sendDataSubjectVerificationCode(
    @Ctx() ctx: RequestContext,
    @Args('input') input: SendVerificationCodeInput,
  ): Promise<DataSubjectRequestDTO> {
    return this.verification.sendCode(ctx, input.id, input.channel);
  }

  @RateLimitClass('sensitive')
  @Allow('update', 'DataSubjectRequest')
  @Mutation(() => DataSubjectRequestDTO, {
    description: 'Checks the code the subject read back; status InProgress when right',
  })
  verifyDataSubjectRequest(
    @Ctx() ctx: RequestContext,
    @Args('input') input: VerifyDataSubjectInput,
  ): Promise<DataSubjectRequestDTO> {
    return this.verification.verifyCode(ctx, input.id, input.code);
  }

  @Allow('update', 'DataSubjectRequest')
  @RequireStepUp()
  @Mutation(() => DataSubjectRequestDTO, {
    description: 'The caller vouches for the subject’s identity with evidence; status InProgress',
  })
  attestDataSubjectIdentity(
    @Ctx() ctx: RequestContext,
    @Args('input') input: AttestIdentityInput,
  ): Promise<DataSubjectRequestDTO> {
    return this.verification.attest(ctx, input.id, input.evidence);
  }

  @Allow('update', 'DataSubjectRequest')
  @RequireStepUp()
  @Mutation(() => DataSubjectRequestDTO, {
    description:
      'Completes a verified erasure (irreversible), restriction (no contact, no audience until reversed), access or portability request (its export must be ready)',
  })
  completeDataSubjectRequest(
    @Ctx() ctx: RequestContext,
    @Args('input') input: DataSubjectRequestIdInput,
  ): Promise<DataSubjectRequestDTO> {
    return this.privacy.complete(ctx, input.id);
  }

  @Allow('update', 'DataSubjectRequest')
  @RequireStepUp()
  @Mutation(() => DataSubjectRequestDTO, {
    description:
      'Applies a verified rectification; before and after go to the audit log masked; reversible',
  })
  completeRectification(
    @Ctx() ctx: RequestContext,
    @Args('input') input: CompleteRectificationInput,
  ): Promise<DataSubjectRequestDTO> {
    return this.privacy.rectify(ctx, input.id, { ...input.changes });
  }

  @Allow('update', 'DataSubjectRequest')
  @RequireStepUp()
  @Mutation(() => DataSubjectRequestDTO, {
    description:
      'Refuses an open request with a reason; the subject is told why; an erasure request’s suppression is lifted',
  })
  rejectDataSubjectRequest(
    @Ctx() ctx: RequestContext,
    @Args('input') input: RejectDataSubjectRequestInput,
  ): Promise<DataSubjectRequestDTO> {
    return this.privacy.reject(ctx, input.id, input.reason, input.note);
  }

  @Allow('update', 'DataSubjectRequest')
  @RequireStepUp()
  @Mutation(() => DataSubjectRequestDTO, {
    description:
      'Undoes a completed rectification (previous values back) or restriction (processing resumes), once',
  })
  reverseDataSubjectRequest(
    @Ctx() ctx: RequestContext,
    @Args('input') input: ReverseDataSubjectRequestInput,
  ): Promise<DataSubjectRequestDTO> {
    return this.privacy.reverse(ctx, input.id, input.reason);
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
  @Query(() => [DataSubjectRequestDTO], {
    description: 'Open requests first, least time left first; then closed ones, newest first',
  })
  dataSubjectRequests(
    @Args('filter', { nullable: true }) filter?: DataSubjectRequestFilter,
  ): Promise<DataSubjectRequestDTO[]> {
    return this.privacy.list(filter ?? {});
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
    description:
      'Erases the customer’s personal data and destroys their key; irreversible. The request must be verified',
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
