import { Column, Entity, PrimaryColumn } from 'typeorm';

/** TCR standard use cases this business may register (collections fit the non-marketing ones). */
export enum MessagingUseCase {
  AccountNotification = 'account_notification',
  CustomerCare = 'customer_care',
  Marketing = 'marketing',
  Mixed = 'mixed',
  LowVolumeMixed = 'low_volume_mixed',
}

/** Carrier review state. Only an active messaging campaign may carry traffic. */
export enum MessagingCampaignStatus {
  Pending = 'pending',
  Active = 'active',
  Rejected = 'rejected',
  Suspended = 'suspended',
  Expired = 'expired',
}

/**
 * A 10DLC campaign: what a brand told the carriers it will send (use case, samples, opt-in flow,
 * HELP and STOP replies, whether messages embed links or phone numbers). An SMS campaign sends
 * under exactly one of these, and its content must stay within what was registered.
 */
@Entity('messaging_campaigns')
export class MessagingCampaignEntity {
  @PrimaryColumn({ type: 'char', length: 36 })
  id!: string;

  @Column({ name: 'brand_id', type: 'char', length: 36 })
  brandId!: string;

  @Column({ name: 'use_case', type: 'enum', enum: MessagingUseCase })
  useCase!: MessagingUseCase;

  @Column({ type: 'varchar', length: 1024 })
  description!: string;

  /** How consumers opt in (carriers reject campaigns that cannot show it). */
  @Column({ name: 'message_flow', type: 'varchar', length: 1024 })
  messageFlow!: string;

  @Column({ name: 'sample_messages', type: 'json' })
  sampleMessages!: string[];

  @Column({ name: 'help_message', type: 'varchar', length: 320 })
  helpMessage!: string;

  @Column({ name: 'opt_out_message', type: 'varchar', length: 320 })
  optOutMessage!: string;

  @Column({ name: 'embedded_links', type: 'boolean', default: false })
  embeddedLinks!: boolean;

  @Column({ name: 'embedded_phone', type: 'boolean', default: false })
  embeddedPhone!: boolean;

  @Column({ type: 'enum', enum: MessagingCampaignStatus, default: MessagingCampaignStatus.Pending })
  status!: MessagingCampaignStatus;

  @Column({ name: 'status_reason', type: 'varchar', length: 255, nullable: true })
  statusReason!: string | null;

  @Column({ name: 'tcr_campaign_id', type: 'varchar', length: 16, nullable: true })
  tcrCampaignId!: string | null;

  @Column({ name: 'created_by', type: 'varchar', length: 64 })
  createdBy!: string;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt!: Date;
}
