import { Column, Entity, PrimaryColumn } from 'typeorm';

export enum SenderNumberStatus {
  Active = 'active',
  Retired = 'retired',
}

/** A long-code number texts leave from, in the pool of one 10DLC campaign. */
@Entity('sender_numbers')
export class SenderNumberEntity {
  @PrimaryColumn({ type: 'char', length: 36 })
  id!: string;

  @Column({ name: 'messaging_campaign_id', type: 'char', length: 36 })
  messagingCampaignId!: string;

  /** E.164, e.g. +12125550123. */
  @Column({ type: 'varchar', length: 16 })
  e164!: string;

  @Column({ type: 'enum', enum: SenderNumberStatus })
  status!: SenderNumberStatus;

  @Column({ name: 'assigned_at', type: 'datetime', precision: 3 })
  assignedAt!: Date;

  @Column({ name: 'retired_at', type: 'datetime', precision: 3, nullable: true })
  retiredAt!: Date | null;

  @Column({ name: 'created_by', type: 'varchar', length: 64 })
  createdBy!: string;
}
