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
import { SenderNumberEntity, SenderNumberStatus } from '../entities/sender-number.entity';
import { parsePhoneNumberFromString } from 'libphonenumber-js';

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
        vettingScore: null,
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

  /**
   * Records TCR's vetting result (or a carrier suspension) for a brand, and its vetting score when
   * one is given (undefined: unchanged), which sets its campaigns' carrier throughput.
   */
  async recordBrandStatus(
    id: string,
    status: BrandStatus,
    tcrBrandId: string | null,
    vettingScore?: number,
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
      const before = { status: brand.status, vettingScore: brand.vettingScore };
      brand.status = status;
      brand.tcrBrandId = tcrBrandId ?? brand.tcrBrandId;
      if (vettingScore !== undefined) brand.vettingScore = vettingScore;
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
          changes: {
            before,
            after: { status, tcrBrandId: brand.tcrBrandId, vettingScore: brand.vettingScore },
          },
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

  /** Adds a number to a 10DLC campaign's pool (E.164, US; one campaign per number), audited. */
  async addSenderNumber(
    messagingCampaignId: string,
    number: string,
    createdBy: string,
  ): Promise<SenderNumberEntity> {
    const parsed = parsePhoneNumberFromString(number, 'US');
    if (!parsed?.isValid() || parsed.country !== 'US')
      throw new ComplianceException(
        ComplianceErrorCode.INVALID_REGISTRATION,
        'A sender number is a valid US number in E.164 (+1...)',
      );
    return this.dataSource.transaction(async (m) => {
      if (!(await m.getRepository(MessagingCampaignEntity).existsBy({ id: messagingCampaignId })))
        throw new ComplianceException(
          ComplianceErrorCode.NOT_FOUND,
          'Messaging campaign not found',
        );
      const row = m.getRepository(SenderNumberEntity).create({
        id: uuidv7(),
        messagingCampaignId,
        e164: parsed.number,
        status: SenderNumberStatus.Active,
        assignedAt: new Date(),
        retiredAt: null,
        createdBy,
      });
      await this.saveUnique(m, SenderNumberEntity, row, 'This number is in a sender pool already');
      await this.audit.record(
        {
          action: 'tendlc.sender_number_added',
          resourceType: 'MessagingCampaign',
          resourceId: messagingCampaignId,
          changes: { senderNumberId: row.id, number: row.e164 },
        },
        m,
      );
      return row;
    });
  }

  /** Takes a number out of its pool: its consumers get another active number of the pool next. */
  async retireSenderNumber(id: string): Promise<SenderNumberEntity> {
    return this.dataSource.transaction(async (m) => {
      const row = await m
        .getRepository(SenderNumberEntity)
        .findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!row)
        throw new ComplianceException(ComplianceErrorCode.NOT_FOUND, 'Sender number not found');
      if (row.status === SenderNumberStatus.Retired) return row;
      row.status = SenderNumberStatus.Retired;
      row.retiredAt = new Date();
      await m.getRepository(SenderNumberEntity).save(row);
      await this.audit.record(
        {
          action: 'tendlc.sender_number_retired',
          resourceType: 'MessagingCampaign',
          resourceId: row.messagingCampaignId,
          changes: { senderNumberId: row.id, number: row.e164 },
        },
        m,
      );
      return row;
    });
  }

  senderNumbers(messagingCampaignId: string): Promise<SenderNumberEntity[]> {
    return this.dataSource
      .getRepository(SenderNumberEntity)
      .find({ where: { messagingCampaignId }, order: { assignedAt: 'ASC', id: 'ASC' } });
  }

  /**
   * The number a consumer's texts under this 10DLC campaign leave from, in the caller's
   * transaction (which holds the customer's row lock, so one customer's sends do this one at a
   * time): the number they were given, while it is active; else the pool's active number with the
   * fewest consumers, given to them from now on. Null when the pool has no active number.
   */
  async senderFor(
    m: EntityManager,
    customerId: string,
    messagingCampaignId: string,
  ): Promise<string | null> {
    const [current] = await m.query<{ e164: string; status: SenderNumberStatus }[]>(
      `SELECT n.e164, n.status FROM sender_assignments a
         JOIN sender_numbers n ON n.id = a.sender_number_id
        WHERE a.customer_id = ? AND a.messaging_campaign_id = ?`,
      [customerId, messagingCampaignId],
    );
    if (current?.status === SenderNumberStatus.Active) return current.e164;
    const [pick] = await m.query<{ id: string; e164: string }[]>(
      `SELECT n.id, n.e164 FROM sender_numbers n
         LEFT JOIN sender_assignments a ON a.sender_number_id = n.id
        WHERE n.messaging_campaign_id = ? AND n.status = 'active'
        GROUP BY n.id, n.e164 ORDER BY COUNT(a.customer_id), n.id LIMIT 1`,
      [messagingCampaignId],
    );
    if (!pick) return null;
    await m.query(
      `INSERT INTO sender_assignments (customer_id, messaging_campaign_id, sender_number_id, assigned_at)
       VALUES (?, ?, ?, NOW(3))
       ON DUPLICATE KEY UPDATE sender_number_id = VALUES(sender_number_id), assigned_at = NOW(3)`,
      [customerId, messagingCampaignId, pick.id],
    );
    return pick.e164;
  }

  /**
   * Saves, turning a duplicate unique value (a TCR id, a sender number) into a conflict with
   * `message` instead of a database error.
   */
  private async saveUnique<T extends BrandEntity | MessagingCampaignEntity | SenderNumberEntity>(
    m: EntityManager,
    type: new () => T,
    row: T,
    message = 'This TCR id belongs to another registration',
  ): Promise<void> {
    try {
      await m.getRepository(type).save(row);
    } catch (e) {
      const err = e as { code?: string; driverError?: { code?: string } };
      if ((err.driverError?.code ?? err.code) === 'ER_DUP_ENTRY')
        throw new ComplianceException(ComplianceErrorCode.REGISTRATION_CONFLICT, message);
      throw e;
    }
  }
}
