import {
  Args,
  Field,
  ID,
  InputType,
  Int,
  Mutation,
  ObjectType,
  Query,
  Resolver,
  registerEnumType,
} from '@nestjs/graphql';
import {
  IsEnum,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { Ctx, RequestContext } from '../../core/auth/request-context';
import { Allow } from '../../core/authorization/allow.decorator';
import { PiiField } from '../../core/authorization/pii-field';
import { actorOf } from '../audit';
import { ContentReviewsService } from './content-reviews.service';
import type { ContentReviewView } from './content-reviews.service';
import { ContentReviewStatus } from './entities/content-review.entity';

registerEnumType(ContentReviewStatus, { name: 'ContentReviewStatus' });

@ObjectType('ContentFinding')
export class ContentFindingDTO {
  @Field({
    description: 'The screening rule, e.g. pii.card_number, shaft.cannabis, regf.debt_details',
  })
  rule!: string;
  @Field({ description: 'block or review' }) severity!: string;
  @Field({ description: 'What was found (never the value itself)' }) detail!: string;
}

@ObjectType('ContentReview')
export class ContentReviewDTO {
  @Field(() => ID) id!: string;
  @Field(() => ID) messageId!: string;
  @Field(() => ID, { nullable: true }) customerId!: string | null;
  @Field() channel!: string;
  @Field(() => [ContentFindingDTO]) findings!: ContentFindingDTO[];
  @Field(() => ContentReviewStatus) status!: ContentReviewStatus;
  @PiiField(
    'ContentReview',
    'text',
    'The message as it would leave: personal data of its customer, read in full by reviewers (and so recorded in their read-access log)',
    'customerId',
  )
  messageText!: string | null;
  @Field() createdAt!: Date;
  @Field(() => String, { nullable: true }) decidedBy!: string | null;
  @Field(() => Date, { nullable: true }) decidedAt!: Date | null;
  @Field(() => String, { nullable: true }) reason!: string | null;
}

@InputType()
export class ContentReviewsInput {
  @Field(() => ContentReviewStatus, { nullable: true })
  @IsOptional()
  @IsEnum(ContentReviewStatus)
  status?: ContentReviewStatus;
  @Field(() => Int, { nullable: true }) @IsOptional() @IsInt() @Min(1) @Max(200) first?: number;
}

@InputType()
export class ContentReviewIdInput {
  @Field(() => ID) @IsUUID() id!: string;
}

@InputType()
export class RejectContentReviewInput extends ContentReviewIdInput {
  @Field() @IsString() @MaxLength(500) @Matches(/\S/) reason!: string;
}

const view = ({ body, ...r }: ContentReviewView): ContentReviewDTO => ({
  ...r,
  findings: r.findings,
  messageText: body,
});

@Resolver(() => ContentReviewDTO)
export class ContentReviewsResolver {
  constructor(private readonly reviews: ContentReviewsService) {}

  @Allow('read', 'ContentReview')
  @Query(() => [ContentReviewDTO], {
    description: 'Messages held for a person to review their content (pending first, oldest first)',
  })
  async contentReviews(
    @Args('input', { nullable: true }) input?: ContentReviewsInput,
  ): Promise<ContentReviewDTO[]> {
    return (
      await this.reviews.list(input?.status ?? ContentReviewStatus.Pending, input?.first ?? 50)
    ).map(view);
  }

  @Allow('update', 'ContentReview')
  @Mutation(() => ContentReviewDTO, { description: 'Approve a held message: it is sent' })
  async approveContentReview(
    @Ctx() ctx: RequestContext,
    @Args('input') input: ContentReviewIdInput,
  ): Promise<ContentReviewDTO> {
    return view(await this.reviews.approve(actorOf(ctx), input.id));
  }

  @Allow('update', 'ContentReview')
  @Mutation(() => ContentReviewDTO, { description: 'Reject a held message: it is cancelled' })
  async rejectContentReview(
    @Ctx() ctx: RequestContext,
    @Args('input') input: RejectContentReviewInput,
  ): Promise<ContentReviewDTO> {
    return view(await this.reviews.reject(actorOf(ctx), input.id, input.reason.trim()));
  }
}
