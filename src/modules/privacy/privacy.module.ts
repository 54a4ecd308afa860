import { Module } from '@nestjs/common';
import { ComplianceModule } from '../compliance/compliance.module';
import { CryptoModule } from '../crypto/crypto.module';
import { CustomersModule } from '../customers/customers.module';
import { NotificationsModule } from '../notifications/notifications.module';
import { OutreachModule } from '../outreach/outreach.module';
import { PrivacyResolver } from './privacy.resolver';
import { EXPORT_READINESS, PrivacyService } from './privacy.service';
import { LegalHoldsService } from './services/legal-holds.service';
import { SubjectExportCollectorService } from './services/subject-export-collector.service';
import { SubjectExportLinksService } from './services/subject-export-links.service';
import { SubjectExportService } from './services/subject-export.service';
import { SubjectVerificationService } from './services/subject-verification.service';
import { SubjectExportsController } from './subject-exports.controller';
import { SubjectExportsResolver } from './subject-exports.resolver';

/** Data subject requests (GDPR / CCPA erasure). */
@Module({
  imports: [CustomersModule, ComplianceModule, CryptoModule, NotificationsModule, OutreachModule],
  controllers: [SubjectExportsController],
  providers: [
    PrivacyService,
    LegalHoldsService,
    SubjectVerificationService,
    PrivacyResolver,
    SubjectExportCollectorService,
    SubjectExportService,
    SubjectExportLinksService,
    SubjectExportsResolver,
    { provide: EXPORT_READINESS, useExisting: SubjectExportService },
  ],
  exports: [PrivacyService],
})
export class PrivacyModule {}
