import { Module } from '@nestjs/common';
import { ComplianceModule } from '../compliance/compliance.module';
import { CryptoModule } from '../crypto/crypto.module';
import { CustomersModule } from '../customers/customers.module';
import { NotificationsModule } from '../notifications/notifications.module';
import { PrivacyResolver } from './privacy.resolver';
import { PrivacyService } from './privacy.service';
import { LegalHoldsService } from './services/legal-holds.service';
import { SubjectVerificationService } from './services/subject-verification.service';

/** Data subject requests (GDPR / CCPA erasure). */
@Module({
  imports: [CustomersModule, ComplianceModule, CryptoModule, NotificationsModule],
  providers: [PrivacyService, LegalHoldsService, SubjectVerificationService, PrivacyResolver],
  exports: [PrivacyService],
})
export class PrivacyModule {}
