import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { ActorType } from '../../audit';

export enum ContainmentKind {
  BlockAddress = 'block_address',
  DisableUser = 'disable_user',
  RevokeApiKey = 'revoke_api_key',
  ForcePasswordReset = 'force_password_reset',
  ForceMfaReenrollment = 'force_mfa_reenrollment',
  RotateDataKey = 'rotate_data_key',
  PauseCampaign = 'pause_campaign',
}

export enum ActionStatus {
  /** Requested (by a rule or by hand), not yet carried out: the responder's outbox. */
  Pending = 'pending',
  Applied = 'applied',
  Failed = 'failed',
  /** Refused by policy (an allow-listed office address is never blocked). */
  Skipped = 'skipped',
  Reversed = 'reversed',
}

/**
 * A containment action. Rules write it `pending` in the transaction that opens their incident, and
 * the responder carries it out after the commit (at least once: every action is idempotent), so
 * a crash between the two loses nothing.
 */
@Entity('incident_actions')
@Index('ix_incident_actions_status', ['status', 'lockedUntil'])
export class IncidentActionEntity {
  @PrimaryColumn({ type: 'char', length: 36 })
  id!: string;

  @Index('ix_incident_actions_incident')
  @Column({ name: 'incident_id', type: 'char', length: 36, nullable: true })
  incidentId!: string | null;

  @Column({ type: 'varchar', length: 32 })
  kind!: ContainmentKind;

  /** What it acts on: an address or CIDR, a user id, an API key id, a key purpose, a campaign id. */
  @Column({ type: 'varchar', length: 128 })
  target!: string;

  @Column({ type: 'json' })
  params!: Record<string, unknown>;

  @Column({ type: 'enum', enum: ActionStatus })
  status!: ActionStatus;

  /** Why it failed or was skipped, or what it did (never personal data). */
  @Column({ type: 'varchar', length: 200, nullable: true })
  outcome!: string | null;

  @Column({ name: 'requested_at', type: 'datetime', precision: 3 })
  requestedAt!: Date;

  @Column({ name: 'requested_by_type', type: 'enum', enum: ActorType })
  requestedByType!: ActorType;

  @Column({ name: 'requested_by_id', type: 'varchar', length: 64, nullable: true })
  requestedById!: string | null;

  @Column({ name: 'applied_at', type: 'datetime', precision: 3, nullable: true })
  appliedAt!: Date | null;

  @Column({ name: 'locked_until', type: 'datetime', precision: 3, nullable: true })
  lockedUntil!: Date | null;

  @Column({ type: 'int', unsigned: true, default: 0 })
  attempts!: number;

  @Column({ name: 'reversed_at', type: 'datetime', precision: 3, nullable: true })
  reversedAt!: Date | null;

  @Column({ name: 'reversed_by', type: 'varchar', length: 64, nullable: true })
  reversedBy!: string | null;
}
