import { Module } from '@nestjs/common';
import { CustomersModule } from '../customers/customers.module';
import { PrivacyResolver } from './privacy.resolver';
import { PrivacyService } from './privacy.service';

/** Data subject requests (GDPR / CCPA erasure). */
@Module({
  imports: [CustomersModule],
  providers: [PrivacyService, PrivacyResolver],
  exports: [PrivacyService],
})
export class PrivacyModule {}
