import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, IsNull } from 'typeorm';
import { AuditService } from '../../audit/audit.service';
import { RolePasskeyPolicyEntity } from '../entities/role-passkey-policy.entity';
import { UserEntity } from '../entities/user.entity';
import { WebAuthnCredentialEntity } from '../entities/webauthn-credential.entity';
import { IdentityErrorCode, IdentityException } from '../identity.exception';
import { UsersService } from './users.service';

/**
 * Which factors a user has, and the roles whose users must use their passkey: for a user of such
 * a role who has an active passkey, TOTP and backup codes no longer sign in or step up
 * (PASSKEY_REQUIRED). A user of that role without a passkey keeps using codes until they enroll
 * one (`me.passkeyRequired` and `me.hasPasskey` tell the console to ask for it).
 */
@Injectable()
export class PasskeyPolicyService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly users: UsersService,
    private readonly audit: AuditService,
  ) {}

  hasActivePasskey(userId: string, manager?: EntityManager): Promise<boolean> {
    return (manager ?? this.dataSource.manager)
      .getRepository(WebAuthnCredentialEntity)
      .exists({ where: { userId, revokedAt: IsNull() } });
  }

  /** Whether the user has a second factor: TOTP on, or an active passkey. */
  async hasSecondFactor(user: UserEntity, manager?: EntityManager): Promise<boolean> {
    if (user.mfaEnabled) return true;
    return this.hasActivePasskey(user.id, manager);
  }

  async isRequired(role: string): Promise<boolean> {
    const row = await this.dataSource.getRepository(RolePasskeyPolicyEntity).findOneBy({ role });
    return row?.required ?? false;
  }

  /** Whether the user may still use codes (TOTP, backup) to sign in and to step up. */
  async codesAllowed(user: UserEntity): Promise<boolean> {
    return !((await this.isRequired(user.role)) && (await this.hasActivePasskey(user.id)));
  }

  /** The PASSKEY_REQUIRED refusal of a code (TOTP, backup) where the policy says so, else null. */
  async codesRefusal(user: UserEntity): Promise<IdentityException | null> {
    return (await this.codesAllowed(user))
      ? null
      : new IdentityException(
          IdentityErrorCode.PASSKEY_REQUIRED,
          'Your role requires your passkey: codes are not accepted',
        );
  }

  list(): Promise<RolePasskeyPolicyEntity[]> {
    return this.dataSource.getRepository(RolePasskeyPolicyEntity).find({ order: { role: 'ASC' } });
  }

  /** Sets whether a role (built-in or custom) requires passkeys; audited with the change. */
  async setRequired(
    role: string,
    required: boolean,
    actorId: string,
  ): Promise<RolePasskeyPolicyEntity> {
    await this.users.assertRole(role);
    return this.dataSource.transaction(async (m) => {
      const repo = m.getRepository(RolePasskeyPolicyEntity);
      const before = await repo.findOne({ where: { role }, lock: { mode: 'pessimistic_write' } });
      const row = repo.create({ role, required, updatedBy: actorId, updatedAt: new Date() });
      await repo.save(row);
      await this.audit.record(
        {
          action: 'passkey.policy_changed',
          resourceType: 'Role',
          resourceId: role,
          changes: { before: { required: before?.required ?? false }, after: { required } },
        },
        m,
      );
      return row;
    });
  }
}
