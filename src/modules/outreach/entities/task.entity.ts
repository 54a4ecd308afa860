import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

export enum TaskStatus {
  Pending = 'pending',
  InProgress = 'in_progress',
  Done = 'done',
  Cancelled = 'cancelled',
}

/** Work for one agent: contact one customer for one campaign. */
@Entity('tasks')
@Index('ix_tasks_assignee', ['assigneeId', 'status'])
@Index('ix_tasks_customer', ['customerId', 'status'])
@Index('ix_tasks_campaign', ['campaignId', 'status'])
@Index('ix_tasks_team', ['teamId', 'status'])
export class TaskEntity {
  @PrimaryColumn({ type: 'char', length: 36 })
  id!: string;

  @Column({ name: 'campaign_id', type: 'char', length: 36 })
  campaignId!: string;

  @Column({ name: 'customer_id', type: 'char', length: 36 })
  customerId!: string;

  @Column({ name: 'assignee_id', type: 'char', length: 36, nullable: true })
  assigneeId!: string | null;

  /** The campaign's team, copied here so row rules need no join. */
  @Column({ name: 'team_id', type: 'varchar', length: 64 })
  teamId!: string;

  @Column({ type: 'enum', enum: TaskStatus, default: TaskStatus.Pending })
  status!: TaskStatus;

  @Column({ name: 'due_at', type: 'datetime', precision: 3, nullable: true })
  dueAt!: Date | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt!: Date;
}
