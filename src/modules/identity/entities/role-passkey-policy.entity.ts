import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * Whether a role must sign in and step up with a passkey (set by an admin). A role without a row
 * requires none.
 */
@Entity('role_passkey_policies')
export class RolePasskeyPolicyEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  role!: string;

  @Column({ type: 'boolean' })
  required!: boolean;

  /** The admin who set it last. */
  @Column({ name: 'updated_by', type: 'char', length: 36 })
  updatedBy!: string;

  @Column({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt!: Date;
}
