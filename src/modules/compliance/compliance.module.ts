import { Global, Module } from '@nestjs/common';
import { CustomersModule } from '../customers/customers.module';
import { ComplianceResolver } from './compliance.resolver';
import { ComplianceService } from './compliance.service';
import { InboundController } from './inbound.controller';
import { ComplianceFactsService } from './services/facts.service';
import { InboundSmsService } from './services/inbound.service';

@Global()
@Module({
  imports: [CustomersModule],
  controllers: [InboundController],
  providers: [ComplianceFactsService, ComplianceService, InboundSmsService, ComplianceResolver],
  exports: [ComplianceService],
})
export class ComplianceModule {}
