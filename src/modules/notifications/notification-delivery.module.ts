import { Module } from '@nestjs/common';
import { ComplianceModule } from '../compliance/compliance.module';
import { CustomersModule } from '../customers/customers.module';
import { NotificationDeliveryService } from './notification-delivery.service';
import { NotificationsModule } from './notifications.module';

/**
 * The delivery worker: it asks compliance again before every send. Split from NotificationsModule
 * (which compliance itself uses to queue STOP and HELP replies) so the two form no cycle:
 * NotificationsModule <- ComplianceModule <- this.
 */
@Module({
  imports: [NotificationsModule, ComplianceModule, CustomersModule],
  providers: [NotificationDeliveryService],
  exports: [NotificationDeliveryService],
})
export class NotificationDeliveryModule {}
