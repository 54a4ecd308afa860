import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

export enum AuditResult {
  Success = 'success',
  Failure = 'failure',
}

export enum ActorType {
  User = 'user',
  ApiKey = 'api_key',
  System = 'system',
  Anonymous = 'anonymous',
}

/** One append-only, hash-chained audit entry. `seq` is gapless; the database refuses UPDATE and DELETE. */
@Entity('audit_events')
@Index('ix_audit_actor', ['actorId', 'seq'])
@Index('ix_audit_action', ['action', 'seq'])
@Index('ix_audit_resource', ['resourceType', 'resourceId', 'seq'])
@Index('ix_audit_result_action', ['result', 'action', 'occurredAt'])
@Index('ix_audit_time', ['occurredAt'])
export class AuditEventEntity {
  @PrimaryColumn({ name: 'seq', type: 'bigint', unsigned: true })
  seq!: string;

  @Column({ name: 'occurred_at', type: 'datetime', precision: 3 })
  occurredAt!: Date;

  @Column({ name: 'actor_type', type: 'enum', enum: ActorType })
  actorType!: ActorType;

  @Column({ name: 'actor_id', type: 'varchar', length: 64, nullable: true })
  actorId!: string | null;

  @Column({ name: 'actor_role', type: 'varchar', length: 64, nullable: true })
  actorRole!: string | null;

  @Column({ type: 'varchar', length: 100 })
  action!: string;

  @Column({ name: 'resource_type', type: 'varchar', length: 64, nullable: true })
  resourceType!: string | null;

  @Column({ name: 'resource_id', type: 'varchar', length: 64, nullable: true })
  resourceId!: string | null;

  @Column({ type: 'enum', enum: AuditResult })
  result!: AuditResult;

  @Column({ name: 'error_code', type: 'varchar', length: 64, nullable: true })
  errorCode!: string | null;

  @Column({ type: 'varchar', length: 45, nullable: true })
  ip!: string | null;

  @Column({ name: 'user_agent', type: 'varchar', length: 255, nullable: true })
  userAgent!: string | null;

  @Column({ name: 'request_id', type: 'varchar', length: 64, nullable: true })
  requestId!: string | null;

  @Column({ name: 'duration_ms', type: 'int', unsigned: true, nullable: true })
  durationMs!: number | null;

  @Column({ type: 'json', nullable: true })
  changes!: Record<string, unknown> | null;

  @Column({ name: 'prev_hash', type: 'binary', length: 32 })
  prevHash!: Buffer;

  @Column({ type: 'binary', length: 32 })
  hash!: Buffer;
}
