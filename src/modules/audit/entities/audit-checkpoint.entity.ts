import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export enum CheckpointKind {
  Periodic = 'periodic',
  Purge = 'purge',
}

/** A signed statement "the chain's head at seq N was H": anchors verification and retention purges. */
@Entity('audit_checkpoints')
export class AuditCheckpointEntity {
  @PrimaryGeneratedColumn({ type: 'int', unsigned: true })
  id!: number;

  @Column({ type: 'enum', enum: CheckpointKind })
  kind!: CheckpointKind;

  @Column({ name: 'upto_seq', type: 'bigint', unsigned: true })
  uptoSeq!: string;

  @Column({ name: 'head_hash', type: 'binary', length: 32 })
  headHash!: Buffer;

  @Column({ name: 'key_id', type: 'int', unsigned: true })
  keyId!: number;

  @Column({ type: 'binary', length: 32 })
  signature!: Buffer;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;
}
