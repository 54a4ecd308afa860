import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { AudienceFilter } from '../../customers';

export enum Channel {
  Call = 'call',
  Sms = 'sms',
  Email = 'email',
}

export enum CampaignStatus {
  Draft = 'draft',
  Scheduled = 'scheduled',
  Running = 'running',
  Paused = 'paused',
  Completed = 'completed',
  Cancelled = 'cancelled',
}

/**
 * Who a campaign reaches: a filter over customers, or an explicit list. The customers module owns
 * the filter (it runs it); a campaign stores one.
 */
export type Audience = AudienceFilter;

/** A campaign a manager builds for their team. */
@Entity('campaigns')
@Index('ix_campaigns_team', ['teamId', 'status'])
export class CampaignEntity {
  @PrimaryColumn({ type: 'char', length: 36 })
  id!: string;

  @Column({ type: 'varchar', length: 120 })
  name!: string;

  @Column({ type: 'enum', enum: Channel })
  channel!: Channel;

  @Column({ type: 'enum', enum: CampaignStatus, default: CampaignStatus.Draft })
  status!: CampaignStatus;

  @Column({ type: 'enum', enum: ['collection', 'marketing'], default: 'collection' })
  purpose!: 'collection' | 'marketing';

  @Column({ type: 'json' })
  audience!: Audience;

  @Column({ name: 'message_template', type: 'text', nullable: true })
  messageTemplate!: string | null;

  /** SMS only: the registered 10DLC campaign the messages are sent under. */
  @Column({ name: 'messaging_campaign_id', type: 'char', length: 36, nullable: true })
  messagingCampaignId!: string | null;

  @Column({ name: 'starts_at', type: 'datetime', precision: 3, nullable: true })
  startsAt!: Date | null;

  @Column({ name: 'ends_at', type: 'datetime', precision: 3, nullable: true })
  endsAt!: Date | null;

  /** The daily window in the consumer's local time (inside the legal hours). */
  @Column({ name: 'window_start', type: 'char', length: 5, default: '09:00' })
  windowStart!: string;

  @Column({ name: 'window_end', type: 'char', length: 5, default: '20:00' })
  windowEnd!: string;

  @Column({ name: 'launched_at', type: 'datetime', precision: 3, nullable: true })
  launchedAt!: Date | null;

  @Column({ name: 'team_id', type: 'varchar', length: 64 })
  teamId!: string;

  @Column({ name: 'owner_id', type: 'char', length: 36 })
  ownerId!: string;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt!: Date;
}
