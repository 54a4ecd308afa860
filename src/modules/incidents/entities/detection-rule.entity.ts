import { Column, Entity, PrimaryColumn } from 'typeorm';
import { IncidentSeverity } from '../incident-workflow';

/**
 * A detection rule's editable settings. What a rule matches is code (detection/rules.ts); whether it
 * runs, its threshold and window, the severity of its incidents and the actions it takes are data,
 * edited by admins and audited.
 */
@Entity('detection_rules')
export class DetectionRuleEntity {
  @PrimaryColumn({ name: 'rule_key', type: 'varchar', length: 64 })
  key!: string;

  @Column({ type: 'boolean' })
  enabled!: boolean;

  @Column({ type: 'int', unsigned: true })
  threshold!: number;

  @Column({ name: 'window_seconds', type: 'int', unsigned: true })
  windowSeconds!: number;

  @Column({ type: 'enum', enum: IncidentSeverity })
  severity!: IncidentSeverity;

  @Column({ type: 'json' })
  actions!: string[];

  /** How long an address block by this rule lasts. */
  @Column({ name: 'block_minutes', type: 'int', unsigned: true })
  blockMinutes!: number;

  @Column({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt!: Date;

  @Column({ name: 'updated_by', type: 'varchar', length: 64, nullable: true })
  updatedBy!: string | null;
}
