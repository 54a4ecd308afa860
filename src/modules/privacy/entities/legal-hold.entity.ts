import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

export enum LegalHoldReason {
  Litigation = 'litigation',
  Dispute = 'dispute',
  RegulatorRequest = 'regulator_request',
  /** Reg F (12 CFR 1006.100): records of a debt's collection kept three years after the last activity. */
  RegFRecordKeeping = 'reg_f_record_keeping',
}

/**
 * A legal hold on a customer (or one of their debts): while active (not released, not expired) it
 * blocks the erasure of the customer and the retention purge of their records.
 */
@Entity('legal_holds')
@Index('ix_legal_holds_customer', ['customerId', 'releasedAt'])
export class LegalHoldEntity {
  @PrimaryColumn({ type: 'char', length: 36 })
  id!: string;

  @Column({ name: 'customer_id', type: 'char', length: 36 })
  customerId!: string;

  /** The debt (account) it is about, when it is about one; null: the whole customer. */
  @Column({ name: 'debt_ref', type: 'varchar', length: 64, nullable: true })
  debtRef!: string | null;

  @Column({ type: 'enum', enum: LegalHoldReason })
  reason!: LegalHoldReason;

  /** Plain text: the matter, the docket or the regulator's reference. */
  @Column({ type: 'text' })
  note!: string;

  @Column({ name: 'placed_by', type: 'varchar', length: 64 })
  placedBy!: string;

  @Column({ name: 'placed_at', type: 'datetime', precision: 3 })
  placedAt!: Date;

  @Column({ name: 'expires_at', type: 'datetime', precision: 3, nullable: true })
  expiresAt!: Date | null;

  @Column({ name: 'released_at', type: 'datetime', precision: 3, nullable: true })
  releasedAt!: Date | null;

  @Column({ name: 'released_by', type: 'varchar', length: 64, nullable: true })
  releasedBy!: string | null;
}
