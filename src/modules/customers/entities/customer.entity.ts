import { phoneRegionOf, phoneZonesOf } from '../../compliance';
import {
  Column,
  CreateDateColumn,
  DeleteDateColumn,
  Entity,
  Index,
  PrimaryColumn,
  UpdateDateColumn,
} from 'typeorm';
import { maskAccount, maskEmail, maskName, maskPhone, maskSsn } from '../../../core/pii/mask';
import { EncryptedField } from '../../crypto';

export enum CustomerStatus {
  Active = 'active',
  Inactive = 'inactive',
  Erased = 'erased',
}

export enum PhoneType {
  Mobile = 'mobile',
  Landline = 'landline',
  Unknown = 'unknown',
}

/**
 * A consumer. Every personal field is application-encrypted (AES-256-GCM, AAD bound to this row);
 * email and phone have blind indexes for lookups; masked forms sit beside the ciphertext so masked
 * reads decrypt nothing. Date of birth and SSN use the customer's own key: erasure shreds them.
 */
@Entity('customers')
export class CustomerEntity {
  @PrimaryColumn({ type: 'char', length: 36 })
  id!: string;

  @Index({ unique: true })
  @Column({ name: 'external_ref', type: 'varchar', length: 100 })
  externalRef!: string;

  @EncryptedField({
    cipherProperty: 'firstNameCipher',
    hint: { property: 'firstNameMasked', mask: maskName },
  })
  firstName!: string | null;
  @Column({ name: 'first_name_enc', type: 'varbinary', length: 512, nullable: true, select: true })
  firstNameCipher!: Buffer | null;
  @Column({ name: 'first_name_masked', type: 'varchar', length: 16, nullable: true })
  firstNameMasked!: string | null;

  @EncryptedField({
    cipherProperty: 'lastNameCipher',
    hint: { property: 'lastNameMasked', mask: maskName },
  })
  lastName!: string | null;
  @Column({ name: 'last_name_enc', type: 'varbinary', length: 512, nullable: true })
  lastNameCipher!: Buffer | null;
  @Column({ name: 'last_name_masked', type: 'varchar', length: 16, nullable: true })
  lastNameMasked!: string | null;

  @EncryptedField({
    cipherProperty: 'emailCipher',
    blindIndex: { kind: 'email', property: 'emailBidx' },
    hint: { property: 'emailMasked', mask: maskEmail },
  })
  email!: string | null;
  @Column({ name: 'email_enc', type: 'varbinary', length: 640, nullable: true })
  emailCipher!: Buffer | null;
  @Index()
  @Column({ name: 'email_bidx', type: 'binary', length: 32, nullable: true })
  emailBidx!: Buffer | null;
  @Column({ name: 'email_masked', type: 'varchar', length: 260, nullable: true })
  emailMasked!: string | null;

  @EncryptedField({
    cipherProperty: 'phoneCipher',
    blindIndex: { kind: 'phone', property: 'phoneBidx' },
    hint: { property: 'phoneMasked', mask: maskPhone },
    derived: [
      { property: 'phoneRegion', derive: phoneRegionOf },
      { property: 'phoneZones', derive: phoneZonesOf },
    ],
  })
  phone!: string | null;
  @Column({ name: 'phone_enc', type: 'varbinary', length: 128, nullable: true })
  phoneCipher!: Buffer | null;
  @Index()
  @Column({ name: 'phone_bidx', type: 'binary', length: 32, nullable: true })
  phoneBidx!: Buffer | null;
  @Column({ name: 'phone_masked', type: 'varchar', length: 16, nullable: true })
  phoneMasked!: string | null;
  /** The area code's state ('' when none; null on rows written before it existed). */
  @Column({ name: 'phone_region', type: 'varchar', length: 2, nullable: true })
  phoneRegion!: string | null;
  /**
   * The area code's candidate zones, comma-separated ('' none, '*' an area code the data does not
   * know: every mainland zone); null on rows written before it existed. No finer than a time zone.
   */
  @Column({ name: 'phone_zones', type: 'varchar', length: 160, nullable: true })
  phoneZones!: string | null;

  @Column({ name: 'phone_type', type: 'enum', enum: PhoneType, default: PhoneType.Unknown })
  phoneType!: PhoneType;

  @EncryptedField({ cipherProperty: 'addressLineCipher' })
  addressLine!: string | null;
  @Column({ name: 'address_line_enc', type: 'varbinary', length: 640, nullable: true })
  addressLineCipher!: Buffer | null;

  @EncryptedField({ cipherProperty: 'cityCipher' })
  city!: string | null;
  @Column({ name: 'city_enc', type: 'varbinary', length: 256, nullable: true })
  cityCipher!: Buffer | null;

  /** Two-letter US state: kept in clear for set-based compliance rules and audience filters. */
  @Index()
  @Column({ type: 'char', length: 2, nullable: true })
  state!: string | null;

  /** ZIP5: in clear for time zone derivation (a coarse quasi-identifier, like state). */
  @Column({ type: 'char', length: 5, nullable: true })
  zip!: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  timezone!: string | null;

  @EncryptedField({ cipherProperty: 'dateOfBirthCipher', subjectProperty: 'id' })
  dateOfBirth!: string | null;
  @Column({ name: 'date_of_birth_enc', type: 'varbinary', length: 128, nullable: true })
  dateOfBirthCipher!: Buffer | null;

  @EncryptedField({
    cipherProperty: 'ssnCipher',
    subjectProperty: 'id',
    blindIndex: { kind: 'ssn', property: 'ssnBidx' },
    hint: { property: 'ssnMasked', mask: maskSsn },
  })
  ssn!: string | null;
  @Column({ name: 'ssn_enc', type: 'varbinary', length: 128, nullable: true })
  ssnCipher!: Buffer | null;
  @Index()
  @Column({ name: 'ssn_bidx', type: 'binary', length: 32, nullable: true })
  ssnBidx!: Buffer | null;
  @Column({ name: 'ssn_masked', type: 'varchar', length: 16, nullable: true })
  ssnMasked!: string | null;

  @EncryptedField({
    cipherProperty: 'accountRefCipher',
    hint: { property: 'accountRefMasked', mask: maskAccount },
  })
  accountRef!: string | null;
  @Column({ name: 'account_ref_enc', type: 'varbinary', length: 256, nullable: true })
  accountRefCipher!: Buffer | null;
  @Column({ name: 'account_ref_masked', type: 'varchar', length: 16, nullable: true })
  accountRefMasked!: string | null;

  /** The consumer's own contact window ("not before 10"), HH:mm local; null: none given. */
  @Column({ name: 'contact_window_start', type: 'char', length: 5, nullable: true })
  contactWindowStart!: string | null;

  @Column({ name: 'contact_window_end', type: 'char', length: 5, nullable: true })
  contactWindowEnd!: string | null;

  @Column({ type: 'decimal', precision: 14, scale: 2, default: '0.00' })
  balance!: string;

  @Index()
  @Column({ type: 'enum', enum: CustomerStatus, default: CustomerStatus.Active })
  status!: CustomerStatus;

  @Column({ type: 'json', nullable: true })
  tags!: string[] | null;

  /** GDPR Art. 18: while set, no contact and no campaign audience (a restriction request). */
  @Column({ name: 'processing_restricted_at', type: 'datetime', precision: 3, nullable: true })
  processingRestrictedAt!: Date | null;

  /** CCPA 1798.120: the consumer opted out of the sale or sharing of their information. */
  @Column({ name: 'sale_opted_out_at', type: 'datetime', precision: 3, nullable: true })
  saleOptedOutAt!: Date | null;

  /** CCPA 1798.121: the consumer limited the use of their sensitive personal information. */
  @Column({ name: 'sensitive_use_limited_at', type: 'datetime', precision: 3, nullable: true })
  sensitiveUseLimitedAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt!: Date;

  @DeleteDateColumn({ name: 'deleted_at', type: 'datetime', precision: 3 })
  deletedAt!: Date | null;
}
