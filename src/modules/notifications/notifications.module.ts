import { Module } from '@nestjs/common';
import { HttpNotificationSender, NOTIFICATION_SENDER } from './notification-sender';
import { NotificationsService } from './notifications.service';
import { ProviderRouterSender } from './senders/provider-router.sender';
import { SmtpEmailSender } from './senders/smtp-email.sender';
import { TwilioSmsSender } from './senders/twilio-sms.sender';

/** The outbound outbox: modules enqueue messages here (delivery is NotificationDeliveryModule's). */
@Module({
  providers: [
    NotificationsService,
    HttpNotificationSender,
    TwilioSmsSender,
    SmtpEmailSender,
    { provide: NOTIFICATION_SENDER, useClass: ProviderRouterSender },
  ],
  exports: [NotificationsService, NOTIFICATION_SENDER],
})
export class NotificationsModule {}
