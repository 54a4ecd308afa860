import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { maskAccount } from '../../../core/pii/mask';
import { EncryptedField } from '../../crypto';

export enum DebtStatus {
  Active = 'active',
  Disputed = 'disputed',
  Paid = 'paid',
  Settled = 'settled',
  Closed = 'closed',
  /** Taken back by the creditor. */
  Recalled = 'recalled',
}

/**
 * An account placed with the agency for collection: collections is per debt (Reg F counts its
 * call caps per debt, a cease request names the debt). The account reference and the balances
 * are personal data: application-encrypted, the reference also as a blind index (lookups) and a
 * masked hint; the creditor is a business and stays in clear.
 */
@Entity('debts')
@Index('ix_debts_customer', ['customerId', 'status'])
export class DebtEntity {
  @PrimaryColumn({ type: 'char', length: 36 })
  id!: string;

  @Column({ name: 'customer_id', type: 'char', length: 36 })
  customerId!: string;

  /** The placement's own id in the creditor's file: unique, so a re-import finds it again. */
  @Index('ux_debts_placement', { unique: true })
  @Column({ name: 'placement_ref', type: 'varchar', length: 100 })
  placementRef!: string;

  @Column({ type: 'varchar', length: 200 })
  creditor!: string;

  @EncryptedField({
    cipherProperty: 'accountRefCipher',
    blindIndex: { kind: 'account', property: 'accountRefBidx' },
    hint: { property: 'accountRefMasked', mask: maskAccount },
  })
  accountRef!: string | null;
  @Column({ name: 'account_ref_enc', type: 'varbinary', length: 256, nullable: true })
  accountRefCipher!: Buffer | null;
  @Index('ix_debts_account')
  @Column({ name: 'account_ref_bidx', type: 'binary', length: 32, nullable: true })
  accountRefBidx!: Buffer | null;
  @Column({ name: 'account_ref_masked', type: 'varchar', length: 16, nullable: true })
  accountRefMasked!: string | null;

  /** Decimal string, two places (`1234.50`). */
  @EncryptedField({ cipherProperty: 'originalBalanceCipher' })
  originalBalance!: string | null;
  @Column({ name: 'original_balance_enc', type: 'varbinary', length: 128, nullable: true })
  originalBalanceCipher!: Buffer | null;

  @EncryptedField({ cipherProperty: 'currentBalanceCipher' })
  currentBalance!: string | null;
  @Column({ name: 'current_balance_enc', type: 'varbinary', length: 128, nullable: true })
  currentBalanceCipher!: Buffer | null;

  @Column({ type: 'enum', enum: DebtStatus, default: DebtStatus.Active })
  status!: DebtStatus;

  /** The placement date, `YYYY-MM-DD`. */
  @Column({ name: 'placed_at', type: 'date', utc: true })
  placedAt!: string;

  /** When the validation notice (Reg F 1006.34) was sent; null: not yet. */
  @Column({ name: 'validation_notice_at', type: 'datetime', precision: 3, nullable: true })
  validationNoticeAt!: Date | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt!: Date;
}
