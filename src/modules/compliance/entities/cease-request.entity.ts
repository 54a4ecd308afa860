import { Column, Entity, PrimaryColumn } from 'typeorm';

export const CEASE_KINDS = ['refusal_to_pay', 'cease_communication'] as const;
export type CeaseKind = (typeof CEASE_KINDS)[number];
export const CEASE_CHANNELS = ['mail', 'email', 'electronic', 'fax', 'in_person'] as const;
export type CeaseChannel = (typeof CEASE_CHANNELS)[number];

/**
 * A consumer's written refusal to pay or request to stop communicating (12 CFR 1006.6(c)(1)):
 * append-only, per debt (null: every debt of the consumer). From `receivedAt` on it stops every
 * collection communication about that debt except the notices of 1006.6(c)(2)(i)-(iii).
 */
@Entity('cease_requests')
export class CeaseRequestEntity {
  @PrimaryColumn({ type: 'char', length: 36 })
  id!: string;

  @Column({ name: 'customer_id', type: 'char', length: 36 })
  customerId!: string;

  @Column({ name: 'debt_id', type: 'varchar', length: 64, nullable: true })
  debtId!: string | null;

  @Column({ type: 'enum', enum: CEASE_KINDS })
  kind!: CeaseKind;

  @Column({ name: 'received_via', type: 'enum', enum: CEASE_CHANNELS })
  receivedVia!: CeaseChannel;

  @Column({ name: 'received_at', type: 'datetime', precision: 3 })
  receivedAt!: Date;

  @Column({ name: 'recorded_by', type: 'varchar', length: 64, nullable: true })
  recordedBy!: string | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;
}
