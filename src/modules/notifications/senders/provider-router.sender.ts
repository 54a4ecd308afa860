import { Injectable } from '@nestjs/common';
import { AppConfigService } from '../../../core/config/app-config.service';
import { NotificationChannel } from '../entities/notification.entity';
import {
  HttpNotificationSender,
  NotificationSender,
  OutboundMessage,
} from '../notification-sender';
import { SmtpEmailSender } from './smtp-email.sender';
import { TwilioSmsSender } from './twilio-sms.sender';

/**
 * The one NOTIFICATION_SENDER the delivery worker uses: per channel, the adapter the configuration
 * names. Texts: SMS_PROVIDER `relay` (HttpNotificationSender, NOTIFY_SMS_URL) or `twilio`; emails:
 * EMAIL_PROVIDER `relay` (NOTIFY_EMAIL_URL) or `smtp`.
 */
@Injectable()
export class ProviderRouterSender implements NotificationSender {
  private readonly senders: Record<NotificationChannel, NotificationSender>;

  constructor(
    config: AppConfigService,
    relay: HttpNotificationSender,
    twilio: TwilioSmsSender,
    smtp: SmtpEmailSender,
  ) {
    this.senders = {
      [NotificationChannel.Sms]: config.get('SMS_PROVIDER') === 'twilio' ? twilio : relay,
      [NotificationChannel.Email]: config.get('EMAIL_PROVIDER') === 'smtp' ? smtp : relay,
    };
  }

  enabled(channel: NotificationChannel): boolean {
    return this.senders[channel].enabled(channel);
  }

  send(message: OutboundMessage): Promise<string | null> {
    return this.senders[message.channel].send(message);
  }
}
