import { Global, Module } from '@nestjs/common';
import { NotificationDeliveryService } from './notification-delivery.service';
import { HttpNotificationSender, NOTIFICATION_SENDER } from './notification-sender';
import { NotificationsService } from './notifications.service';

@Global()
@Module({
  providers: [
    NotificationsService,
    { provide: NOTIFICATION_SENDER, useClass: HttpNotificationSender },
    NotificationDeliveryService,
  ],
  exports: [NotificationsService, NotificationDeliveryService],
})
export class NotificationsModule {}
