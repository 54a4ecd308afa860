import { Args, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import { Ctx, RequestContext } from '../../core/auth/request-context';
import { Allow } from '../../core/authorization/allow.decorator';
import {
  AddSenderNumberInput,
  BrandDTO,
  MessagingCampaignDTO,
  MessagingThroughputDTO,
  RecordBrandStatusInput,
  RecordMessagingCampaignStatusInput,
  RegisterBrandInput,
  RegisterMessagingCampaignInput,
  SenderNumberDTO,
  SenderNumberIdInput,
} from './dto/ten-dlc.dto';
import { TenDlcService } from './services/ten-dlc.service';
import { ThroughputService } from './services/throughput.service';
import { CARRIER_CLASSES } from './rules/throughput';
import { ComplianceErrorCode, ComplianceException } from './compliance.exception';

/** 10DLC brands and messaging campaigns: registered by admins, read by managers. */
@Resolver()
export class TenDlcResolver {
  constructor(
    private readonly tenDlc: TenDlcService,
    private readonly throughput: ThroughputService,
  ) {}

  @Allow('read', 'Brand')
  @Query(() => [BrandDTO])
  brands(): Promise<BrandDTO[]> {
    return this.tenDlc.listBrands();
  }

  @Allow('read', 'MessagingCampaign')
  @Query(() => [MessagingCampaignDTO])
  messagingCampaigns(
    @Args('brandId', { type: () => ID, nullable: true }) brandId?: string,
  ): Promise<MessagingCampaignDTO[]> {
    return this.tenDlc.listCampaigns(brandId);
  }

  @Allow('create', 'Brand')
  @Mutation(() => BrandDTO, { description: 'Records a brand submitted to TCR (status pending)' })
  registerBrand(
    @Ctx() ctx: RequestContext,
    @Args('input') input: RegisterBrandInput,
  ): Promise<BrandDTO> {
    return this.tenDlc.registerBrand(input, ctx.principal.id);
  }

  @Allow('update', 'Brand')
  @Mutation(() => BrandDTO, { description: 'Records TCR vetting or a carrier suspension' })
  recordBrandStatus(@Args('input') input: RecordBrandStatusInput): Promise<BrandDTO> {
    return this.tenDlc.recordBrandStatus(
      input.id,
      input.status,
      input.tcrBrandId ?? null,
      input.vettingScore,
    );
  }

  @Allow('read', 'MessagingCampaign')
  @Query(() => MessagingThroughputDTO, {
    description: 'The carriers’ throughput for a 10DLC campaign and what its brand sent today',
  })
  async messagingThroughput(
    @Args('messagingCampaignId', { type: () => ID }) messagingCampaignId: string,
  ): Promise<MessagingThroughputDTO> {
    const t = await this.throughput.of(messagingCampaignId);
    if (!t)
      throw new ComplianceException(ComplianceErrorCode.NOT_FOUND, 'Messaging campaign not found');
    return {
      messagingCampaignId,
      useCaseGroup: t.limits.group,
      vettingScore: t.limits.score,
      perCarrier: CARRIER_CLASSES.map((carrier) => ({
        carrier,
        perMinute: t.limits.perMinute[carrier],
      })),
      ratePerSecond: t.limits.ratePerSecond,
      tmobileDailyCap: t.limits.tmobileDaily,
      sentToday: t.sentToday,
      dataVersion: t.dataVersion,
    };
  }

  @Allow('create', 'MessagingCampaign')
  @Mutation(() => MessagingCampaignDTO, {
    description: 'Records a 10DLC campaign submitted under a verified brand (status pending)',
  })
  registerMessagingCampaign(
    @Ctx() ctx: RequestContext,
    @Args('input') input: RegisterMessagingCampaignInput,
  ): Promise<MessagingCampaignDTO> {
    return this.tenDlc.registerCampaign(input, ctx.principal.id);
  }

  @Allow('update', 'MessagingCampaign')
  @Mutation(() => MessagingCampaignDTO, {
    description:
      'Records the carriers’ review, a suspension or an expiry; only active campaigns send',
  })
  recordMessagingCampaignStatus(
    @Args('input') input: RecordMessagingCampaignStatusInput,
  ): Promise<MessagingCampaignDTO> {
    return this.tenDlc.recordCampaignStatus(
      input.id,
      input.status,
      input.tcrCampaignId ?? null,
      input.reason ?? null,
    );
  }

  @Allow('read', 'MessagingCampaign')
  @Query(() => [SenderNumberDTO], { description: 'A 10DLC campaign’s pool of sender numbers' })
  senderNumbers(
    @Args('messagingCampaignId', { type: () => ID }) messagingCampaignId: string,
  ): Promise<SenderNumberDTO[]> {
    return this.tenDlc.senderNumbers(messagingCampaignId);
  }

  @Allow('update', 'MessagingCampaign')
  @Mutation(() => SenderNumberDTO, {
    description: 'Adds a number to a 10DLC campaign’s pool; consumers are spread over the pool',
  })
  addSenderNumber(
    @Ctx() ctx: RequestContext,
    @Args('input') input: AddSenderNumberInput,
  ): Promise<SenderNumberDTO> {
    return this.tenDlc.addSenderNumber(input.messagingCampaignId, input.number, ctx.principal.id);
  }

  @Allow('update', 'MessagingCampaign')
  @Mutation(() => SenderNumberDTO, {
    description: 'Retires a sender number: its consumers get another number of the pool next',
  })
  retireSenderNumber(@Args('input') input: SenderNumberIdInput): Promise<SenderNumberDTO> {
    return this.tenDlc.retireSenderNumber(input.id);
  }
}
