import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A call, text or email that was made (or received): feeds frequency caps and reports. */
@Entity('contact_attempts')
export class ContactAttemptEntity {
  @PrimaryColumn({ type: 'char', length: 36 })
  id!: string;

  @Column({ name: 'customer_id', type: 'char', length: 36 })
  customerId!: string;

  @Column({ name: 'task_id', type: 'char', length: 36, nullable: true })
  taskId!: string | null;

  @Column({ name: 'campaign_id', type: 'char', length: 36, nullable: true })
  campaignId!: string | null;

  @Column({ name: 'agent_id', type: 'char', length: 36, nullable: true })
  agentId!: string | null;

  @Column({ type: 'enum', enum: ['call', 'sms', 'email'] })
  channel!: 'call' | 'sms' | 'email';

  @Column({ type: 'enum', enum: ['collection', 'marketing'] })
  purpose!: 'collection' | 'marketing';

  @Column({ name: 'debt_id', type: 'varchar', length: 64, nullable: true })
  debtId!: string | null;

  @Column({ name: 'to_bidx', type: 'binary', length: 32, nullable: true })
  toBidx!: Buffer | null;

  @Column({
    name: 'to_type',
    type: 'enum',
    enum: ['home', 'cell', 'work', 'unknown'],
    default: 'unknown',
  })
  toType!: 'home' | 'cell' | 'work' | 'unknown';

  @Column({ name: 'occurred_at', type: 'datetime', precision: 3 })
  occurredAt!: Date;

  @Column({ type: 'varchar', length: 32, nullable: true })
  outcome!: string | null;

  @Column({ name: 'consumer_initiated', type: 'boolean', default: false })
  consumerInitiated!: boolean;

  @Column({ type: 'boolean', default: false })
  conversation!: boolean;

  @Column({ name: 'with_consent', type: 'boolean', default: false })
  withConsent!: boolean;

  /** The decision that allowed it (contact_decisions.id); null for consumer-initiated ones. */
  @Column({ name: 'decision_id', type: 'char', length: 36, nullable: true })
  decisionId!: string | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;
}
