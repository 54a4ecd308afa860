import { ContactGateService } from './services/contact-gate.service';
import { Module } from '@nestjs/common';
import { ComplianceModule } from '../compliance/compliance.module';
import { CustomersModule } from '../customers/customers.module';
import { NotificationsModule } from '../notifications/notifications.module';
import { CampaignsResolver } from './campaigns.resolver';
import { CustomerTasksResolver } from './customer-tasks.resolver';
import { TasksResolver } from './tasks.resolver';
import { OutreachAccessService } from './outreach-access.service';
import { OutreachMutationsResolver } from './outreach-mutations.resolver';
import { CampaignsService } from './services/campaigns.service';
import { TasksService } from './services/tasks.service';
import { OutboundService } from './services/outbound.service';

@Module({
  imports: [CustomersModule, ComplianceModule, NotificationsModule],
  providers: [
    OutreachAccessService,
    CampaignsService,
    TasksService,
    OutboundService,
    ContactGateService,
    TasksResolver,
    CampaignsResolver,
    CustomerTasksResolver,
    OutreachMutationsResolver,
  ],
  exports: [OutreachAccessService, CampaignsService, TasksService],
})
export class OutreachModule {}
