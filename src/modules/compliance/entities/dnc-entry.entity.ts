import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * A do-not-contact entry: a whole person (optionally one channel) or one number/address, kept as
 * a blind-index hash so it outlives the customer record (erasure keeps only the hash).
 */
@Entity('dnc_entries')
export class DncEntryEntity {
  @PrimaryColumn({ type: 'char', length: 36 })
  id!: string;

  @Column({ name: 'customer_id', type: 'char', length: 36, nullable: true })
  customerId!: string | null;

  /** Null: every channel. */
  @Column({ type: 'enum', enum: ['call', 'sms', 'email'], nullable: true })
  channel!: 'call' | 'sms' | 'email' | null;

  @Column({ type: 'enum', enum: ['person', 'address'] })
  scope!: 'person' | 'address';

  @Column({ name: 'address_kind', type: 'enum', enum: ['phone', 'email'], nullable: true })
  addressKind!: 'phone' | 'email' | null;

  @Column({ name: 'address_bidx', type: 'binary', length: 32, nullable: true })
  addressBidx!: Buffer | null;

  @Column({
    type: 'enum',
    enum: ['internal', 'national', 'state', 'reassigned', 'litigator'],
    default: 'internal',
  })
  list!: 'internal' | 'national' | 'state' | 'reassigned' | 'litigator';

  @Column({ type: 'varchar', length: 255, nullable: true })
  reason!: string | null;

  @Column({ type: 'varchar', length: 64 })
  source!: string;

  @Column({ name: 'created_by', type: 'varchar', length: 64, nullable: true })
  createdBy!: string | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;
}
