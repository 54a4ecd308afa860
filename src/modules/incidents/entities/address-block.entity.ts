import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** An address or CIDR refused on every request until `expiresAt` (or until lifted). */
@Entity('address_blocks')
export class AddressBlockEntity {
  @PrimaryColumn({ type: 'char', length: 36 })
  id!: string;

  @Column({ type: 'varchar', length: 64 })
  cidr!: string;

  @Column({ type: 'varchar', length: 200 })
  reason!: string;

  @Column({ name: 'incident_id', type: 'char', length: 36, nullable: true })
  incidentId!: string | null;

  @Column({ name: 'created_by', type: 'varchar', length: 64, nullable: true })
  createdBy!: string | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;

  @Index('ix_address_blocks_expires')
  @Column({ name: 'expires_at', type: 'datetime', precision: 3 })
  expiresAt!: Date;

  @Column({ name: 'lifted_at', type: 'datetime', precision: 3, nullable: true })
  liftedAt!: Date | null;

  @Column({ name: 'lifted_by', type: 'varchar', length: 64, nullable: true })
  liftedBy!: string | null;
}
