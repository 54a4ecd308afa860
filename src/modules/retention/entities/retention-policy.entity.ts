import { Column, Entity, PrimaryColumn } from 'typeorm';

/** An admin's setting of one purge rule; a rule without a row keeps its configured default. */
@Entity('retention_policies')
export class RetentionPolicyEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  rule!: string;

  @Column({ type: 'int', unsigned: true })
  days!: number;

  @Column({ type: 'boolean' })
  enabled!: boolean;

  @Column({ name: 'legal_basis', type: 'varchar', length: 300 })
  legalBasis!: string;

  @Column({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt!: Date;

  @Column({ name: 'updated_by', type: 'varchar', length: 64 })
  updatedBy!: string;
}
