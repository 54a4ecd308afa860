import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One CASL rule as stored: conditions may use `${user.id}` and `${user.teamId}`. */
export interface StoredRule {
  action: string | string[];
  subject: string | string[];
  fields?: string[];
  conditions?: Record<string, unknown>;
  inverted?: boolean;
}

/** A custom role defined by admins; built-in roles live in code. */
@Entity('roles')
export class RoleEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  name!: string;

  @Column({ type: 'varchar', length: 255, default: '' })
  description!: string;

  @Column({ type: 'json' })
  rules!: StoredRule[];

  /** Roles whose rules this one includes (built-in or custom). */
  @Column({ type: 'json' })
  inherits!: string[];

  /** Bumped on every change: abilities are cached per (role, version). */
  @Column({ type: 'int', unsigned: true, default: 1 })
  version!: number;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt!: Date;
}
