import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, IsNull } from 'typeorm';
import { inTransaction } from '../../../core/database/transaction';
import { AuditService } from '../../audit/audit.service';
import type { AuditActor } from '../../audit';
import { BackupCodeEntity } from '../entities/backup-code.entity';
import { UserEntity, UserStatus } from '../entities/user.entity';
import { WebAuthnCredentialEntity } from '../entities/webauthn-credential.entity';
import { PasswordResetService } from './password-reset.service';
import { PasswordService } from './password.service';
import { SessionService } from './session.service';
import { ThrottleService } from './throttle.service';
import { UsersService } from './users.service';

export interface NewStaffUser {
  email: string;
  displayName: string;
  role: string;
  teamId?: string | null;
}

export interface StaffUserChanges {
  displayName?: string;
  teamId?: string | null;
  role?: string;
}

/** An admin's changes to staff accounts, each audited in the transaction that makes it. */
@Injectable()
export class UserAdminService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly directory: UsersService,
    private readonly passwordReset: PasswordResetService,
    private readonly sessions: SessionService,
    private readonly throttle: ThrottleService,
    private readonly audit: AuditService,
    private readonly passwords: PasswordService,
  ) {}

  /** Creates a user and emails them a link to set their own password. */
  async create(input: NewStaffUser): Promise<UserEntity> {
    const user = await this.dataSource.transaction(async (m) => {
      // Nobody knows this password: the user sets their own through the emailed link.
      const created = await this.directory.create(
        { ...input, password: `${randomBytes(24).toString('base64url')}!` },
        m,
      );
      await this.audit.record(
        {
          action: 'user.created',
          resourceType: 'User',
          resourceId: created.id,
          changes: { after: { role: created.role, teamId: created.teamId, email: input.email } },
        },
        m,
      );
      return created;
    });
    await this.passwordReset.requestPasswordReset(input.email, 'admin');
    return user;
  }

  /** Name, team or role; a role change ends the user's sessions (the role is in every token). */
  async update(id: string, changes: StaffUserChanges): Promise<UserEntity> {
    if (changes.role !== undefined) await this.directory.assertRole(changes.role);
    return this.dataSource.transaction(async (m) => {
      const user = await this.directory.require(id, m);
      const before = { role: user.role, teamId: user.teamId };
      if (changes.displayName !== undefined) user.displayName = changes.displayName;
      if (changes.teamId !== undefined) user.teamId = changes.teamId;
      if (changes.role !== undefined) user.role = changes.role;
      const saved = await m.getRepository(UserEntity).save(user);
      if (changes.role !== undefined && before.role !== saved.role) {
        await this.sessions.revokeAllForUser(saved.id, 'role_changed', m);
        await this.audit.record(
          {
            action: 'user.role_changed',
            resourceType: 'User',
            resourceId: saved.id,
            changes: { before, after: { role: saved.role, teamId: saved.teamId } },
          },
          m,
        );
      } else {
        await this.audit.record(
          {
            action: 'user.updated',
            resourceType: 'User',
            resourceId: saved.id,
            changes: { before, after: { teamId: saved.teamId } },
          },
          m,
        );
      }
      return saved;
    });
  }

  /** Disables a user and ends their sessions at once (in `manager`'s transaction if given). */
  disable(id: string, manager?: EntityManager, actor?: AuditActor): Promise<UserEntity> {
    return inTransaction(this.dataSource, manager, async (m) => {
      const user = await this.directory.require(id, m);
      user.status = UserStatus.Disabled;
      await m.getRepository(UserEntity).update({ id: user.id }, { status: UserStatus.Disabled });
      await this.sessions.revokeAllForUser(user.id, 'user_disabled', m);
      await this.audit.record(
        { action: 'user.disabled', actor, resourceType: 'User', resourceId: user.id },
        m,
      );
      return user;
    });
  }

  /**
   * Containment of a stolen password: the current one stops working at once (replaced by a hash of
   * a secret nobody knows), every session ends, and the user is emailed a link to set a new one.
   */
  async forcePasswordReset(id: string, actor?: AuditActor): Promise<void> {
    const unusable = await this.passwords.hash(`${randomBytes(32).toString('base64url')}!`);
    await this.dataSource.transaction(async (m) => {
      const user = await this.directory.require(id, m);
      await m.getRepository(UserEntity).update({ id: user.id }, { passwordHash: unusable });
      await this.sessions.revokeAllForUser(user.id, 'password_reset_forced', m);
      await this.audit.record(
        { action: 'user.password_reset_forced', actor, resourceType: 'User', resourceId: user.id },
        m,
      );
    });
    await this.passwordReset.adminResetPassword(id, actor?.id ?? 'system');
  }

  /**
   * Containment of a compromised authenticator: the TOTP secret, backup codes and passkeys go,
   * sessions end, and the next sign-in may only enroll a new authenticator (whatever the role).
   */
  forceMfaReenrollment(id: string, actor?: AuditActor): Promise<void> {
    return this.dataSource.transaction(async (m) => {
      const user = await this.directory.require(id, m);
      user.mfaEnabled = false;
      user.totpSecret = null;
      user.totpLastStep = null;
      user.mfaEnrolledAt = null;
      user.mfaReenrollRequired = true;
      await m.getRepository(UserEntity).save(user);
      await m.getRepository(BackupCodeEntity).delete({ userId: user.id });
      const passkeys = await m
        .getRepository(WebAuthnCredentialEntity)
        .update({ userId: user.id, revokedAt: IsNull() }, { revokedAt: new Date() });
      await this.sessions.revokeAllForUser(user.id, 'mfa_reenrollment_forced', m);
      await this.audit.record(
        {
          action: 'user.mfa_reenrollment_forced',
          actor,
          resourceType: 'User',
          resourceId: user.id,
          changes: { passkeysRevoked: passkeys.affected ?? 0 },
        },
        m,
      );
    });
  }

  /** Lifts a lockout and re-enables a disabled user. */
  async unlock(id: string): Promise<UserEntity> {
    const user = await this.directory.require(id);
    await this.throttle.clearAccount(user.emailBidx);
    await this.dataSource.transaction(async (m) => {
      if (user.status !== UserStatus.Active) {
        await m.getRepository(UserEntity).update({ id: user.id }, { status: UserStatus.Active });
        user.status = UserStatus.Active;
      }
      await this.audit.record(
        { action: 'user.unlocked', resourceType: 'User', resourceId: user.id },
        m,
      );
    });
    return user;
  }
}
