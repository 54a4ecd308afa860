import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { EncryptedField } from '../../crypto';

export enum TaskOutcome {
  Reached = 'reached',
  LeftVoicemail = 'left_voicemail',
  NoAnswer = 'no_answer',
  PromiseToPay = 'promise_to_pay',
  Dispute = 'dispute',
  WrongNumber = 'wrong_number',
  OptOutRequested = 'opt_out_requested',
  /** A text or email campaign's message went out. */
  Sent = 'sent',
}

export enum TaskStatus {
  Pending = 'pending',
  InProgress = 'in_progress',
  Done = 'done',
  Cancelled = 'cancelled',
}

/** Work for one agent: contact one customer (about one debt, when it names one) for one campaign. */
@Entity('tasks')
@Index('ix_tasks_assignee', ['assigneeId', 'status'])
@Index('ix_tasks_customer', ['customerId', 'status'])
@Index('ix_tasks_campaign', ['campaignId', 'status'])
@Index('ix_tasks_team', ['teamId', 'status'])
@Index('ix_tasks_debt', ['debtId', 'status'])
export class TaskEntity {
  @PrimaryColumn({ type: 'char', length: 36 })
  id!: string;

  @Column({ name: 'campaign_id', type: 'char', length: 36 })
  campaignId!: string;

  @Column({ name: 'customer_id', type: 'char', length: 36 })
  customerId!: string;

  /** The debt the contact is about (a debt campaign's task); null: the customer as a whole. */
  @Column({ name: 'debt_id', type: 'char', length: 36, nullable: true })
  debtId!: string | null;

  @Column({ name: 'assignee_id', type: 'char', length: 36, nullable: true })
  assigneeId!: string | null;

  /** The campaign's team, copied here so row rules need no join. */
  @Column({ name: 'team_id', type: 'varchar', length: 64 })
  teamId!: string;

  @Column({ type: 'enum', enum: TaskStatus, default: TaskStatus.Pending })
  status!: TaskStatus;

  @Column({ type: 'varchar', length: 32, nullable: true })
  outcome!: TaskOutcome | null;

  /** Free text after DLP redaction (card numbers and SSNs removed), encrypted. */
  @EncryptedField({ cipherProperty: 'notesCipher' })
  notes!: string | null;
  @Column({ name: 'notes_enc', type: 'varbinary', length: 8192, nullable: true })
  notesCipher!: Buffer | null;

  @Column({ name: 'started_at', type: 'datetime', precision: 3, nullable: true })
  startedAt!: Date | null;

  /** The decision that allowed the start (a call): the attempt logged at completion names it. */
  @Column({ name: 'decision_id', type: 'char', length: 36, nullable: true })
  decisionId!: string | null;

  /** The id the call's attempt is logged under, chosen when the decision authorised it. */
  @Column({ name: 'attempt_id', type: 'char', length: 36, nullable: true })
  attemptId!: string | null;

  @Column({ name: 'completed_at', type: 'datetime', precision: 3, nullable: true })
  completedAt!: Date | null;

  @Column({ name: 'due_at', type: 'datetime', precision: 3, nullable: true })
  dueAt!: Date | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt!: Date;
}
