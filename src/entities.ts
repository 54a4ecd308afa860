import { AuditCheckpointEntity } from './modules/audit/entities/audit-checkpoint.entity';
import { AuditEventEntity } from './modules/audit/entities/audit-event.entity';
import { SiemOutboxEntity } from './modules/audit/entities/siem-outbox.entity';
import { CryptoKeyEntity } from './modules/crypto/entities/crypto-key.entity';
import { ReencryptionJobEntity } from './modules/crypto/entities/reencryption-job.entity';
import { CustomerEntity } from './modules/customers/entities/customer.entity';
import { DebtEntity } from './modules/customers/entities/debt.entity';
import { PlacementImportEntity } from './modules/customers/entities/placement-import.entity';
import { ApiKeyEntity } from './modules/identity/entities/api-key.entity';
import { RolePasskeyPolicyEntity } from './modules/identity/entities/role-passkey-policy.entity';
import { WebAuthnCredentialEntity } from './modules/identity/entities/webauthn-credential.entity';
import { BackupCodeEntity } from './modules/identity/entities/backup-code.entity';
import { OneTimeTokenEntity } from './modules/identity/entities/one-time-token.entity';
import { RefreshTokenEntity } from './modules/identity/entities/refresh-token.entity';
import { SessionEntity } from './modules/identity/entities/session.entity';
import { UserEntity } from './modules/identity/entities/user.entity';
import { RoleEntity } from './modules/authorization/entities/role.entity';
import { CampaignEntity } from './modules/outreach/entities/campaign.entity';
import { TaskEntity } from './modules/outreach/entities/task.entity';
import { ConsentEntity } from './modules/compliance/entities/consent.entity';
import { ContactAttemptEntity } from './modules/compliance/entities/contact-attempt.entity';
import { SenderNumberEntity } from './modules/compliance/entities/sender-number.entity';
import { DncEntryEntity } from './modules/compliance/entities/dnc-entry.entity';
import { CeaseRequestEntity } from './modules/compliance/entities/cease-request.entity';
import { BrandEntity } from './modules/compliance/entities/brand.entity';
import { MessagingCampaignEntity } from './modules/compliance/entities/messaging-campaign.entity';
import { DataSubjectRequestEntity } from './modules/privacy/entities/data-subject-request.entity';
import { LegalHoldEntity } from './modules/privacy/entities/legal-hold.entity';
import { DataSubjectExportEntity } from './modules/privacy/entities/data-subject-export.entity';
import { DataSubjectExportLinkEntity } from './modules/privacy/entities/data-subject-export-link.entity';
import { NotificationEntity } from './modules/notifications/entities/notification.entity';
import { ContentReviewEntity } from './modules/notifications/entities/content-review.entity';
import { RetentionRunEntity } from './modules/retention/entities/retention-run.entity';
import { RetentionPolicyEntity } from './modules/retention/entities/retention-policy.entity';
import { IncidentEntity } from './modules/incidents/entities/incident.entity';
import { IncidentTimelineEntity } from './modules/incidents/entities/incident-timeline.entity';
import { IncidentActionEntity } from './modules/incidents/entities/incident-action.entity';
import { IncidentDeadlineEntity } from './modules/incidents/entities/incident-deadline.entity';
import { OnCallShiftEntity } from './modules/incidents/entities/on-call-shift.entity';
import { DetectionRuleEntity } from './modules/incidents/entities/detection-rule.entity';
import { AddressBlockEntity } from './modules/incidents/entities/address-block.entity';

/**
 * Every TypeORM entity: the composition root's list, handed to the data source by the app, the
 * CLI, ormconfig.ts, the tests and the benches (core knows no domain).
 */
export const ENTITIES = [
  AuditEventEntity,
  AuditCheckpointEntity,
  SiemOutboxEntity,
  CryptoKeyEntity,
  ReencryptionJobEntity,
  CustomerEntity,
  DebtEntity,
  PlacementImportEntity,
  UserEntity,
  SessionEntity,
  RefreshTokenEntity,
  OneTimeTokenEntity,
  BackupCodeEntity,
  ApiKeyEntity,
  WebAuthnCredentialEntity,
  RolePasskeyPolicyEntity,
  NotificationEntity,
  ContentReviewEntity,
  RoleEntity,
  CampaignEntity,
  TaskEntity,
  ConsentEntity,
  DncEntryEntity,
  CeaseRequestEntity,
  ContactAttemptEntity,
  SenderNumberEntity,
  BrandEntity,
  MessagingCampaignEntity,
  DataSubjectRequestEntity,
  LegalHoldEntity,
  DataSubjectExportEntity,
  DataSubjectExportLinkEntity,
  RetentionRunEntity,
  RetentionPolicyEntity,
  IncidentEntity,
  IncidentTimelineEntity,
  IncidentActionEntity,
  IncidentDeadlineEntity,
  OnCallShiftEntity,
  DetectionRuleEntity,
  AddressBlockEntity,
];
