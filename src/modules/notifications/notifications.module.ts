import { Module } from '@nestjs/common';
import { HttpNotificationSender, NOTIFICATION_SENDER } from './notification-sender';
import { NotificationsService } from './notifications.service';

/** The outbound outbox: modules enqueue messages here (delivery is NotificationDeliveryModule's). */
@Module({
  providers: [
    NotificationsService,
    { provide: NOTIFICATION_SENDER, useClass: HttpNotificationSender },
  ],
  exports: [NotificationsService, NOTIFICATION_SENDER],
})
export class NotificationsModule {}
