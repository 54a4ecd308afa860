import { Module } from '@nestjs/common';
import { CustomersModule } from '../customers/customers.module';
import { CampaignsResolver, CustomerTasksResolver, TasksResolver } from './outreach.resolvers';
import { OutreachAccessService } from './outreach-access.service';

@Module({
  imports: [CustomersModule],
  providers: [OutreachAccessService, TasksResolver, CampaignsResolver, CustomerTasksResolver],
  exports: [OutreachAccessService],
})
export class OutreachModule {}
