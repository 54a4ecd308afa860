import { Module } from '@nestjs/common';
import { ADDRESS_GATE } from '../../core/request/address-gate';
import { CryptoModule } from '../crypto/crypto.module';
import { IdentityModule } from '../identity/identity.module';
import { NotificationsModule } from '../notifications/notifications.module';
import { OutreachModule } from '../outreach/outreach.module';
import { IncidentsResolver } from './incidents.resolver';
import { AddressBlocksService } from './services/address-blocks.service';
import { ContainmentService } from './services/containment.service';
import { DetectionService } from './services/detection.service';
import { GeoService } from './services/geo.service';
import { IncidentsService } from './services/incidents.service';
import { SecurityMetricsService } from './services/security-metrics.service';

/**
 * Incidents: the workflow and timeline, detection off the audit log, containment (with the address
 * gate core runs before every request), the on-call schedule and the security metrics.
 */
@Module({
  imports: [IdentityModule, NotificationsModule, CryptoModule, OutreachModule],
  providers: [
    IncidentsService,
    ContainmentService,
    DetectionService,
    AddressBlocksService,
    SecurityMetricsService,
    GeoService,
    IncidentsResolver,
    { provide: ADDRESS_GATE, useExisting: AddressBlocksService },
  ],
  exports: [ADDRESS_GATE, IncidentsService, DetectionService],
})
export class IncidentsModule {}
