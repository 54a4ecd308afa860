import { Module } from '@nestjs/common';
import { ComplianceModule } from '../compliance/compliance.module';
import { CustomersModule } from '../customers/customers.module';
import { ContentReviewsResolver } from './content-reviews.resolver';
import { ContentReviewsService } from './content-reviews.service';
import { DeliveryReceiptsController } from './delivery-receipts.controller';
import { DeliveryReceiptsService } from './delivery-receipts.service';
import { NotificationDeliveryService } from './notification-delivery.service';
import { NotificationsModule } from './notifications.module';

/**
 * The delivery worker: it asks compliance again before every send, and screens a message's content
 * again (holding it for the review queue, ContentReviewsService, when a person must look first). Split from NotificationsModule
 * (which compliance itself uses to queue STOP and HELP replies) so the two form no cycle:
 * NotificationsModule <- ComplianceModule <- this. Delivery receipts (the provider's status
 * callbacks) live here too: a permanent failure suppresses the number through compliance.
 */
@Module({
  imports: [NotificationsModule, ComplianceModule, CustomersModule],
  controllers: [DeliveryReceiptsController],
  providers: [
    NotificationDeliveryService,
    ContentReviewsService,
    ContentReviewsResolver,
    DeliveryReceiptsService,
  ],
  exports: [NotificationDeliveryService, ContentReviewsService, DeliveryReceiptsService],
})
export class NotificationDeliveryModule {}
