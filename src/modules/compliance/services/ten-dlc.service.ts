import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { AuditService } from '../../audit/audit.service';
import { ComplianceErrorCode, ComplianceException } from '../compliance.exception';
import { BrandEntity, BrandEntityType, BrandStatus } from '../entities/brand.entity';
import {
  MessagingCampaignEntity,
  MessagingCampaignStatus,
  MessagingUseCase,
} from '../entities/messaging-campaign.entity';
import { registrationTextProblems, SenderRegistration } from '../rules/ten-dlc';

export interface BrandInput {
  displayName: string;
  legalName: string;
  entityType: BrandEntityType;
  ein: string;
  website?: string | null;
  vertical: string;
}

export interface MessagingCampaignInput {
  brandId: string;
  useCase: MessagingUseCase;
  description: string;
  messageFlow: string;
  sampleMessages: string[];
  helpMessage: string;
  optOutMessage: string;
  embeddedLinks: boolean;
  embeddedPhone: boolean;
}

/** Which vetting outcomes may follow which (TCR re-vetting, carrier suspensions and appeals). */
const BRAND_MOVES: Record<BrandStatus, BrandStatus[]> = {
  [BrandStatus.Pending]: [BrandStatus.Verified, BrandStatus.Unverified],
  [BrandStatus.Unverified]: [BrandStatus.Verified],
  [BrandStatus.Verified]: [BrandStatus.Suspended],
  [BrandStatus.Suspended]: [BrandStatus.Verified],
};
const CAMPAIGN_MOVES: Record<MessagingCampaignStatus, MessagingCampaignStatus[]> = {
  [MessagingCampaignStatus.Pending]: [
    MessagingCampaignStatus.Active,
    MessagingCampaignStatus.Rejected,
  ],
  [MessagingCampaignStatus.Active]: [
    MessagingCampaignStatus.Suspended,
    MessagingCampaignStatus.Expired,
  ],
  [MessagingCampaignStatus.Suspended]: [
    MessagingCampaignStatus.Active,
    MessagingCampaignStatus.Expired,
  ],
  [MessagingCampaignStatus.Rejected]: [],
  [MessagingCampaignStatus.Expired]: [],
};

/**
 * 10DLC sender registration. The Campaign Registry and the carriers decide; this records what was
 * submitted and what they answered (an admin enters the vetting and review results, or a provider
 * integration does), and keeps SMS traffic inside what was approved.
 */
@Injectable()
export class TenDlcService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
  ) {}

  async registerBrand(input: BrandInput, createdBy: string): Promise<BrandEntity> {
    const ein = input.ein.replace(/\D/g, '');
    if (ein.length !== 9)
      throw new ComplianceException(
        ComplianceErrorCode.INVALID_REGISTRATION,
        'ein must have 9 digits',
      );
    return this.dataSource.transaction(async (m) => {
      if (await m.getRepository(BrandEntity).existsBy({ ein }))
        throw new ComplianceException(
          ComplianceErrorCode.REGISTRATION_CONFLICT,
          'A brand with this EIN is already registered',
        );
      const now = new Date();
      const brand = m.getRepository(BrandEntity).create({
        id: uuidv7(),
        displayName: input.displayName.trim(),
        legalName: input.legalName.trim(),
        entityType: input.entityType,
        ein,
        website: input.website?.trim() || null,
        vertical: input.vertical,
        status: BrandStatus.Pending,
        tcrBrandId: null,
        createdBy,
        createdAt: now,
        updatedAt: now,
      });
      await m.getRepository(BrandEntity).insert(brand);
      await this.audit.record(
        {
          action: 'tendlc.brand_registered',
          resourceType: 'Brand',
          resourceId: brand.id,
          changes: { after: { displayName: brand.displayName, entityType: brand.entityType } },
        },
        m,
      );
      return brand;
    });
  }

  /** Records TCR's vetting result (or a carrier suspension) for a brand. */
  async recordBrandStatus(
    id: string,
    status: BrandStatus,
    tcrBrandId: string | null,
  ): Promise<BrandEntity> {
    return this.dataSource.transaction(async (m) => {
      const brand = await m
        .getRepository(BrandEntity)
        .findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!brand) throw new ComplianceException(ComplianceErrorCode.NOT_FOUND, 'Brand not found');
      if (!BRAND_MOVES[brand.status].includes(status))
        throw new ComplianceException(
          ComplianceErrorCode.REGISTRATION_CONFLICT,
          `A ${brand.status} brand cannot become ${status}`,
        );
      if (status === BrandStatus.Verified && !(tcrBrandId ?? brand.tcrBrandId))
        throw new ComplianceException(
          ComplianceErrorCode.INVALID_REGISTRATION,
          'A verified brand needs its TCR brand id',
        );
      const before = brand.status;
      brand.status = status;
      brand.tcrBrandId = tcrBrandId ?? brand.tcrBrandId;
      brand.updatedAt = new Date();
      await this.saveUnique(m, BrandEntity, brand);
      await this.audit.record(
        {
          action:
            status === BrandStatus.Verified
              ? 'tendlc.brand_approved'
              : 'tendlc.brand_status_changed',
          resourceType: 'Brand',
          resourceId: id,
          changes: { before: { status: before }, after: { status, tcrBrandId: brand.tcrBrandId } },
        },
        m,
      );
      return brand;
    });
  }

  async registerCampaign(
    input: MessagingCampaignInput,
    createdBy: string,
  ): Promise<MessagingCampaignEntity> {
    return this.dataSource.transaction(async (m) => {
      const brand = await m.getRepository(BrandEntity).findOneBy({ id: input.brandId });
      if (!brand) throw new ComplianceException(ComplianceErrorCode.NOT_FOUND, 'Brand not found');
      if (brand.status !== BrandStatus.Verified)
        throw new ComplianceException(
          ComplianceErrorCode.REGISTRATION_CONFLICT,
          `Campaigns are registered under a verified brand (this one is ${brand.status})`,
        );
      const problems = registrationTextProblems({ ...input, brandName: brand.displayName });
      if (problems.length)
        throw new ComplianceException(
          ComplianceErrorCode.INVALID_REGISTRATION,
          problems.join('; '),
        );
      const now = new Date();
      const campaign = m.getRepository(MessagingCampaignEntity).create({
        id: uuidv7(),
        ...input,
        status: MessagingCampaignStatus.Pending,
        statusReason: null,
        tcrCampaignId: null,
        createdBy,
        createdAt: now,
        updatedAt: now,
      });
      await m.getRepository(MessagingCampaignEntity).insert(campaign);
      await this.audit.record(
        {
          action: 'tendlc.campaign_registered',
          resourceType: 'MessagingCampaign',
          resourceId: campaign.id,
          changes: { after: { brandId: brand.id, useCase: campaign.useCase } },
        },
        m,
      );
      return campaign;
    });
  }

  /** Records the carriers' review (active or rejected) or a later suspension or expiry. */
  async recordCampaignStatus(
    id: string,
    status: MessagingCampaignStatus,
    tcrCampaignId: string | null,
    reason: string | null,
  ): Promise<MessagingCampaignEntity> {
    return this.dataSource.transaction(async (m) => {
      const campaign = await m
        .getRepository(MessagingCampaignEntity)
        .findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!campaign)
        throw new ComplianceException(
          ComplianceErrorCode.NOT_FOUND,
          'Messaging campaign not found',
        );
      if (!CAMPAIGN_MOVES[campaign.status].includes(status))
        throw new ComplianceException(
          ComplianceErrorCode.REGISTRATION_CONFLICT,
          `A ${campaign.status} 10DLC campaign cannot become ${status}`,
        );
      if (status === MessagingCampaignStatus.Active && !(tcrCampaignId ?? campaign.tcrCampaignId))
        throw new ComplianceException(
          ComplianceErrorCode.INVALID_REGISTRATION,
          'An active 10DLC campaign needs its TCR campaign id',
        );
      const before = campaign.status;
      campaign.status = status;
      campaign.tcrCampaignId = tcrCampaignId ?? campaign.tcrCampaignId;
      campaign.statusReason = reason;
      campaign.updatedAt = new Date();
      await this.saveUnique(m, MessagingCampaignEntity, campaign);
      await this.audit.record(
        {
          action:
            status === MessagingCampaignStatus.Active
              ? 'tendlc.campaign_approved'
              : 'tendlc.campaign_status_changed',
          resourceType: 'MessagingCampaign',
          resourceId: id,
          changes: {
            before: { status: before },
            after: { status, tcrCampaignId: campaign.tcrCampaignId },
          },
        },
        m,
      );
      return campaign;
    });
  }

  /** The brand and campaign an SMS campaign sends under, as the content rules see them. */
  async registration(
    messagingCampaignId: string,
    manager?: EntityManager,
  ): Promise<SenderRegistration | null> {
    const rows = await (manager ?? this.dataSource).query<
      {
        display_name: string;
        brand_status: string;
        use_case: string;
        status: string;
        embedded_links: number;
        embedded_phone: number;
      }[]
    >(
      `SELECT b.display_name, b.status AS brand_status, mc.use_case, mc.status, mc.embedded_links, mc.embedded_phone
         FROM messaging_campaigns mc JOIN brands b ON b.id = mc.brand_id WHERE mc.id = ?`,
      [messagingCampaignId],
    );
    const r = rows[0];
    if (!r) return null;
    return {
      brand: { displayName: r.display_name, status: r.brand_status },
      campaign: {
        useCase: r.use_case,
        status: r.status,
        embeddedLinks: Boolean(r.embedded_links),
        embeddedPhone: Boolean(r.embedded_phone),
      },
    };
  }

  listBrands(): Promise<BrandEntity[]> {
    return this.dataSource
      .getRepository(BrandEntity)
      .find({ order: { createdAt: 'DESC' }, take: 500 });
  }

  listCampaigns(brandId?: string): Promise<MessagingCampaignEntity[]> {
    return this.dataSource.getRepository(MessagingCampaignEntity).find({
      where: brandId ? { brandId } : {},
      order: { createdAt: 'DESC' },
      take: 500,
    });
  }

  /** Saves, turning a duplicate TCR id into a conflict instead of a database error. */
  private async saveUnique<T extends BrandEntity | MessagingCampaignEntity>(
    m: EntityManager,
    type: new () => T,
    row: T,
  ): Promise<void> {
    try {
      await m.getRepository(type).save(row);
    } catch (e) {
      const err = e as { code?: string; driverError?: { code?: string } };
      if ((err.driverError?.code ?? err.code) === 'ER_DUP_ENTRY')
        throw new ComplianceException(
          ComplianceErrorCode.REGISTRATION_CONFLICT,
          'This TCR id belongs to another registration',
        );
      throw e;
    }
  }
}
