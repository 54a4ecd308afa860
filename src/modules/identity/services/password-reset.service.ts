import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, IsNull, MoreThan } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { AppConfigService } from '../../../core/config/app-config.service';
import { AuditService } from '../../audit/audit.service';
import { ActorType, AuditResult } from '../../audit';
import { NotificationChannel } from '../../notifications';
import { NotificationsService } from '../../notifications/notifications.service';
import { OneTimeTokenEntity, OneTimeTokenKind } from '../entities/one-time-token.entity';
import { UserStatus, UserEntity } from '../entities/user.entity';
import { IdentityErrorCode, IdentityException } from '../identity.exception';
import { randomToken, sha256 } from '../utils/secrets';
import { PasswordService } from './password.service';
import { SecurityNoticesService } from './security-notices.service';
import { SessionService } from './session.service';
import { UsersService } from './users.service';

export const RESET_TOKEN_MINUTES = 30;

/**
 * Password reset: a single-use link by email (self-service or started by an admin), and setting
 * the new password with it, which ends every session of the user.
 */
@Injectable()
export class PasswordResetService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly users: UsersService,
    private readonly passwords: PasswordService,
    private readonly sessions: SessionService,
    private readonly audit: AuditService,
    private readonly notifications: NotificationsService,
    private readonly config: AppConfigService,
    private readonly notices: SecurityNoticesService,
  ) {}

  /**
   * Self-service reset: always answers the same; when the account exists and is active, a single-use
   * token (30 minutes, stored hashed) goes out through the notification outbox.
   */
  async requestPasswordReset(email: string, initiatedBy?: string): Promise<void> {
    const user = await this.users.findByEmail(email);
    if (!user || user.status !== UserStatus.Active) {
      await this.audit.record({
        action: 'auth.password_reset_requested',
        result: AuditResult.Failure,
        errorCode: 'UNKNOWN_OR_INACTIVE',
      });
      return;
    }
    await this.sendResetLink(user, initiatedBy);
  }

  /** Admin-initiated reset: the user's sessions end now and a reset link is sent. */
  async adminResetPassword(userId: string, adminId: string): Promise<void> {
    const user = await this.users.require(userId);
    await this.sessions.revokeAllForUser(user.id, 'admin_reset');
    await this.sendResetLink(user, adminId);
  }

  async resetPassword(token: string, next: string): Promise<void> {
    const row = await this.dataSource.getRepository(OneTimeTokenEntity).findOneBy({
      tokenHash: sha256(token),
      kind: OneTimeTokenKind.PasswordReset,
      usedAt: IsNull(),
      expiresAt: MoreThan(new Date()),
    });
    if (!row) {
      await this.audit.record({
        action: 'auth.password_reset',
        result: AuditResult.Failure,
        errorCode: IdentityErrorCode.INVALID_RESET_TOKEN,
      });
      throw new IdentityException(
        IdentityErrorCode.INVALID_RESET_TOKEN,
        'This reset link is invalid or has expired',
      );
    }
    const user = await this.users.require(row.userId);
    this.passwords.assertAcceptable(next, user.email);
    const hash = await this.passwords.hash(next);
    await this.dataSource.transaction(async (m) => {
      const used = await m
        .getRepository(OneTimeTokenEntity)
        .update({ id: row.id, usedAt: IsNull() }, { usedAt: new Date() });
      if ((used.affected ?? 0) !== 1) {
        throw new IdentityException(
          IdentityErrorCode.INVALID_RESET_TOKEN,
          'This reset link is invalid or has expired',
        );
      }
      await m
        .getRepository(UserEntity)
        .update({ id: user.id }, { passwordHash: hash, passwordChangedAt: new Date() });
      const revoked = await this.sessions.revokeAllForUser(user.id, 'password_reset', m);
      await this.notices.notify(user, 'password_reset', m);
      await this.audit.record(
        {
          action: 'auth.password_reset',
          actor: { type: ActorType.User, id: user.id, role: user.role },
          resourceType: 'User',
          resourceId: user.id,
          changes: { sessionsRevoked: revoked },
        },
        m,
      );
    });
  }

  private async sendResetLink(user: UserEntity, initiatedBy?: string): Promise<void> {
    const token = randomToken();
    const link = `${this.config.get('APP_PUBLIC_URL')}/reset-password?token=${token}`;
    await this.dataSource.transaction(async (m) => {
      await m.getRepository(OneTimeTokenEntity).insert({
        id: uuidv7(),
        kind: OneTimeTokenKind.PasswordReset,
        userId: user.id,
        tokenHash: sha256(token),
        expiresAt: new Date(Date.now() + RESET_TOKEN_MINUTES * 60_000),
        usedAt: null,
        attempts: 0,
      });
      await this.notifications.enqueue(
        NotificationChannel.Email,
        'password_reset',
        user.email,
        `Reset your CallWarden password within ${RESET_TOKEN_MINUTES} minutes: ${link}\nIf you did not ask for this, ignore this message.`,
        m,
      );
      await this.audit.record(
        {
          action: 'auth.password_reset_requested',
          resourceType: 'User',
          resourceId: user.id,
          changes: { initiatedBy: initiatedBy ?? 'self' },
        },
        m,
      );
    });
  }
}
