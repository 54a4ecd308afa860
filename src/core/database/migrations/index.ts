import { Foundation1764000000000 } from './1764000000000-Foundation';
import { CryptoAndCustomers1764000100000 } from './1764000100000-CryptoAndCustomers';
import { Audit1764000200000 } from './1764000200000-Audit';
import { Identity1764000300000 } from './1764000300000-Identity';
import { RolesCampaignsTasks1764000400000 } from './1764000400000-RolesCampaignsTasks';
import { Compliance1764000500000 } from './1764000500000-Compliance';
import { CampaignDetails1764000600000 } from './1764000600000-CampaignDetails';
import { ConsentReencryption1764000700000 } from './1764000700000-ConsentReencryption';
import { TenDlcAndPrivacy1764000800000 } from './1764000800000-TenDlcAndPrivacy';
import { PhoneRegion1764000900000 } from './1764000900000-PhoneRegion';
import { NotificationDelivery1764001000000 } from './1764001000000-NotificationDelivery';
import { ContactLawII1764001100000 } from './1764001100000-ContactLawII';
import { SecurityII1764001200000 } from './1764001200000-SecurityII';
import { KeyLifecycle1764100000000 } from './1764100000000-KeyLifecycle';
import { RetentionRuns1764100100000 } from './1764100100000-RetentionRuns';
import { DeliveryAttempts1764100200000 } from './1764100200000-DeliveryAttempts';
import { Incidents1764100300000 } from './1764100300000-Incidents';
import { LegalHolds1764100400000 } from './1764100400000-LegalHolds';
import { RetentionPolicies1764100500000 } from './1764100500000-RetentionPolicies';
import { RequestExtensions1764100600000 } from './1764100600000-RequestExtensions';
import { PrivacyLifecycle1764100700000 } from './1764100700000-PrivacyLifecycle';
import { ContactDecisions1764101000000 } from './1764101000000-ContactDecisions';
import { EvidencePacks1764101200000 } from './1764101200000-EvidencePacks';
import { DecisionChainStart1764101300000 } from './1764101300000-DecisionChainStart';
import { LeanerAttempts1764101400000 } from './1764101400000-LeanerAttempts';
import { AttemptPartitions1764101500000 } from './1764101500000-AttemptPartitions';
import { DecisionPages1764101600000 } from './1764101600000-DecisionPages';
import { ContentReviews1764101700000 } from './1764101700000-ContentReviews';
import { ImportHeartbeat1764101800000 } from './1764101800000-ImportHeartbeat';
import { SenderNumbers1764101900000 } from './1764101900000-SenderNumbers';
import { ReadLogMessages1764102000000 } from './1764102000000-ReadLogMessages';
import { CarrierThroughput1764102100000 } from './1764102100000-CarrierThroughput';
import { DeliveryReceipts1764102300000 } from './1764102300000-DeliveryReceipts';
import { Passkeys1764102400000 } from './1764102400000-Passkeys';
import { ReadAccessLog1764100800000 } from './1764100800000-ReadAccessLog';
import { SubjectExports1764100900000 } from './1764100900000-SubjectExports';
import { Debts1764101100000 } from './1764101100000-Debts';

/** Every migration, in order. A landed migration is never edited: add a new one. */
export const MIGRATIONS = [
  Foundation1764000000000,
  CryptoAndCustomers1764000100000,
  Audit1764000200000,
  Identity1764000300000,
  RolesCampaignsTasks1764000400000,
  Compliance1764000500000,
  CampaignDetails1764000600000,
  ConsentReencryption1764000700000,
  TenDlcAndPrivacy1764000800000,
  PhoneRegion1764000900000,
  NotificationDelivery1764001000000,
  ContactLawII1764001100000,
  SecurityII1764001200000,
  KeyLifecycle1764100000000,
  RetentionRuns1764100100000,
  DeliveryAttempts1764100200000,
  Incidents1764100300000,
  LegalHolds1764100400000,
  RetentionPolicies1764100500000,
  RequestExtensions1764100600000,
  PrivacyLifecycle1764100700000,
  ReadAccessLog1764100800000,
  SubjectExports1764100900000,
  ContactDecisions1764101000000,
  Debts1764101100000,
  EvidencePacks1764101200000,
  DecisionChainStart1764101300000,
  LeanerAttempts1764101400000,
  AttemptPartitions1764101500000,
  DecisionPages1764101600000,
  ContentReviews1764101700000,
  ImportHeartbeat1764101800000,
  SenderNumbers1764101900000,
  ReadLogMessages1764102000000,
  CarrierThroughput1764102100000,
  DeliveryReceipts1764102300000,
  Passkeys1764102400000,
];
