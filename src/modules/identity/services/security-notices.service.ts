import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { NotificationChannel } from '../../notifications';
import { NotificationsService } from '../../notifications/notifications.service';

/** Account events the user is told about (OWASP ASVS 4.0.3, 2.2.3 and 2.8.5). */
export type SecurityNotice =
  | 'password_changed'
  | 'password_reset'
  | 'mfa_enabled'
  | 'mfa_disabled'
  | 'backup_codes_regenerated'
  | 'passkey_added'
  | 'passkey_removed'
  | 'api_key_created'
  | 'new_device_sign_in'
  | 'totp_code_reused'
  | 'password_change_due';

const TEXT: Record<SecurityNotice, string> = {
  password_changed: 'The password of your CallWarden account was changed.',
  password_reset: 'The password of your CallWarden account was reset with an emailed link.',
  mfa_enabled: 'Two-factor authentication was turned on for your CallWarden account.',
  mfa_disabled: 'Two-factor authentication was turned off for your CallWarden account.',
  backup_codes_regenerated:
    'New backup codes were made for your CallWarden account; the old ones no longer work.',
  passkey_added: 'A passkey was added to your CallWarden account.',
  passkey_removed: 'A passkey was removed from your CallWarden account.',
  api_key_created: 'A new API key was created on your CallWarden account.',
  new_device_sign_in: 'Your CallWarden account was signed in to from a device not seen before.',
  password_change_due:
    'You signed in to CallWarden with a password that is on a list of common or breached passwords. Change it now (Account, Change password).',
  totp_code_reused:
    'An authenticator code of your CallWarden account that was already used was entered again. Someone may know your password and have seen a code.',
};

/**
 * Security notices by email, through the outbox: written in the transaction of the change they
 * report (so a notice goes out if and only if the change happened), or on its own for a refused
 * attempt. They name the event and when, never a secret, code or key.
 */
@Injectable()
export class SecurityNoticesService {
  constructor(private readonly notifications: NotificationsService) {}

  async notify(
    user: { email: string },
    notice: SecurityNotice,
    manager?: EntityManager,
  ): Promise<void> {
    await this.notifications.enqueue(
      NotificationChannel.Email,
      `security_${notice}`,
      user.email,
      `${TEXT[notice]}\nWhen: ${new Date().toISOString()}\nIf this was not you, reset your password and tell your administrator.`,
      manager,
    );
  }
}
