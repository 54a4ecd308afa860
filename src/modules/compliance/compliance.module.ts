import { Module } from '@nestjs/common';
import { DecisionsResolver } from './decisions.resolver';
import { DecisionRecordsService } from './services/decision-records.service';
import { AuditIntegrityModule } from '../audit/audit-integrity.module';
import { CryptoModule } from '../crypto/crypto.module';
import { CustomersModule } from '../customers/customers.module';
import { NotificationsModule } from '../notifications/notifications.module';
import { CeaseRequestsResolver } from './cease-requests.resolver';
import { ComplianceResolver } from './compliance.resolver';
import { ZoneDataResolver } from './zone-data.resolver';
import { ComplianceService } from './compliance.service';
import { InboundController } from './inbound.controller';
import { ReportsController } from './reports.controller';
import { CeaseRequestsService } from './services/cease-requests.service';
import { ComplianceReportsService } from './services/compliance-reports.service';
import { ZoneDataHealthService } from './services/zone-data-health.service';
import { ComplianceFactsService } from './services/compliance-facts.service';
import { InboundSmsService } from './services/inbound-sms.service';
import { ComplianceRulesAdminService } from './services/compliance-rules-admin.service';
import { SubjectRecordsService } from './services/subject-records.service';
import { TenDlcService } from './services/ten-dlc.service';
import { ThroughputService } from './services/throughput.service';
import { UnsubscribeService } from './services/unsubscribe.service';
import { TenDlcResolver } from './ten-dlc.resolver';
import { EvidencePackCollectorService } from './evidence/evidence-pack-collector.service';
import { EvidencePackLinksService } from './evidence/evidence-pack-links.service';
import { EvidencePacksController } from './evidence/evidence-packs.controller';
import { EvidencePacksResolver } from './evidence/evidence-packs.resolver';
import { EvidencePacksService } from './evidence/evidence-packs.service';

@Module({
  imports: [CustomersModule, CryptoModule, NotificationsModule, AuditIntegrityModule],
  controllers: [InboundController, ReportsController, EvidencePacksController],
  providers: [
    ComplianceFactsService,
    DecisionRecordsService,
    DecisionsResolver,
    ComplianceService,
    InboundSmsService,
    UnsubscribeService,
    ComplianceRulesAdminService,
    ComplianceReportsService,
    ComplianceResolver,
    CeaseRequestsService,
    CeaseRequestsResolver,
    ZoneDataHealthService,
    ZoneDataResolver,
    TenDlcService,
    ThroughputService,
    TenDlcResolver,
    SubjectRecordsService,
    EvidencePackCollectorService,
    EvidencePacksService,
    EvidencePackLinksService,
    EvidencePacksResolver,
  ],
  exports: [
    ComplianceService,
    UnsubscribeService,
    TenDlcService,
    ThroughputService,
    SubjectRecordsService,
  ],
})
export class ComplianceModule {}
