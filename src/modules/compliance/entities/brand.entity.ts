import { Column, Entity, PrimaryColumn } from 'typeorm';

export enum BrandEntityType {
  PrivateProfit = 'private_profit',
  PublicProfit = 'public_profit',
  NonProfit = 'non_profit',
  Government = 'government',
}

/** Where The Campaign Registry's vetting left the brand. Only a verified brand may send. */
export enum BrandStatus {
  Pending = 'pending',
  Verified = 'verified',
  Unverified = 'unverified',
  Suspended = 'suspended',
}

/**
 * The business that sends A2P text messages over 10DLC, as registered with The Campaign Registry
 * (TCR). Its identifiers are a company's, not a person's: they are stored in clear.
 */
@Entity('brands')
export class BrandEntity {
  @PrimaryColumn({ type: 'char', length: 36 })
  id!: string;

  /** The name consumers see in messages: every SMS template must carry it. */
  @Column({ name: 'display_name', type: 'varchar', length: 60 })
  displayName!: string;

  @Column({ name: 'legal_name', type: 'varchar', length: 255 })
  legalName!: string;

  @Column({ name: 'entity_type', type: 'enum', enum: BrandEntityType })
  entityType!: BrandEntityType;

  /** US employer identification number, digits only. */
  @Column({ type: 'varchar', length: 10 })
  ein!: string;

  @Column({ type: 'varchar', length: 255, nullable: true })
  website!: string | null;

  @Column({ type: 'varchar', length: 40 })
  vertical!: string;

  @Column({ type: 'enum', enum: BrandStatus, default: BrandStatus.Pending })
  status!: BrandStatus;

  /**
   * The brand's vetting (trust) score from TCR's secondary vetting, 0..100; null: not vetted. The
   * carriers' throughput for its campaigns depends on it (rules/throughput.ts).
   */
  @Column({ name: 'vetting_score', type: 'tinyint', unsigned: true, nullable: true })
  vettingScore!: number | null;

  @Column({ name: 'tcr_brand_id', type: 'varchar', length: 16, nullable: true })
  tcrBrandId!: string | null;

  @Column({ name: 'created_by', type: 'varchar', length: 64 })
  createdBy!: string;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt!: Date;
}
