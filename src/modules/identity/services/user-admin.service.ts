import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditService } from '../../audit/audit.service';
import { UserEntity, UserStatus } from '../entities/user.entity';
import { PasswordResetService } from './password-reset.service';
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

  /** Disables a user and ends their sessions at once. */
  disable(id: string): Promise<UserEntity> {
    return this.dataSource.transaction(async (m) => {
      const user = await this.directory.require(id, m);
      user.status = UserStatus.Disabled;
      await m.getRepository(UserEntity).update({ id: user.id }, { status: UserStatus.Disabled });
      await this.sessions.revokeAllForUser(user.id, 'user_disabled', m);
      await this.audit.record(
        { action: 'user.disabled', resourceType: 'User', resourceId: user.id },
        m,
      );
      return user;
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
