import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

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

  @Column({ name: 'team_id', type: 'varchar', length: 64 })
  teamId!: string;

  @Column({ name: 'owner_id', type: 'char', length: 36 })
  ownerId!: string;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt!: Date;
}
