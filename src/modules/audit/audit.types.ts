import { ActorType, AuditResult } from './entities/audit-event.entity';

export interface AuditActor {
  type: ActorType;
  id?: string | null;
  role?: string | null;
}

/** What a caller tells the audit log. Request metadata and the actor default to the current request's. */
export interface AuditInput {
  action: string;
  result?: AuditResult;
  actor?: AuditActor;
  resourceType?: string | null;
  resourceId?: string | null;
  errorCode?: string | null;
  durationMs?: number | null;
  /** Before/after snapshots (PII keys are masked, secrets dropped) or other context. */
  changes?: Record<string, unknown> | null;
  /** Changes built from client input: sanitized deny-by-default instead. */
  untrustedChanges?: boolean;
}

export interface PreparedEntry {
  occurredAt: Date;
  actorType: ActorType;
  actorId: string | null;
  actorRole: string | null;
  action: string;
  resourceType: string | null;
  resourceId: string | null;
  result: AuditResult;
  errorCode: string | null;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
  durationMs: number | null;
  changes: Record<string, unknown> | null;
}

export interface AuditReceipt {
  seq: string;
}

/** Events that also go to the SIEM. */
export const CRITICAL_ACTIONS = new Set([
  'user.created',
  'user.deleted',
  'user.role_changed',
  'role.changed',
  'permission.changed',
  'api_key.created',
  'crypto.key_rotated',
  'crypto.key_retired',
  'crypto.master_key_rewrapped',
  'crypto.key_destruction_scheduled',
  'crypto.key_destruction_cancelled',
  'crypto.key_destruction_refused',
  'crypto.key_destroyed',
  'crypto.scheduled_key_used',
  'crypto.subject_key_destroyed',
  'tendlc.brand_approved',
  'tendlc.campaign_approved',
  'privacy.erasure_executed',
  'privacy.legal_hold_placed',
  'privacy.legal_hold_released',
  'privacy.requests_overdue',
  'privacy.export_failed',
  'compliance.decision_replay_mismatch',
  'compliance.decision_chain_broken',
  // Content that must never leave by text or email reached the delivery worker (issue #21).
  'message.content_blocked',
  'incident.raised_critical',
  'incident.deadline_overdue',
  'incident.action_failed',
  'detection.rule_changed',
  'detection.failing',
  'address.blocked',
  'address.unblocked',
  'user.disabled',
  'user.password_reset_forced',
  'user.mfa_reenrollment_forced',
  // Passkeys: who must use them changed; a genuine signature whose counter went back (a clone?).
  'passkey.policy_changed',
  'passkey.counter_regressed',
  'audit.verification_failed',
  'audit.purged',
  'retention.purged',
  'retention.policy_changed',
  'retention.purge_interrupted',
  'retention.customer_erased',
  'retention.customer_skipped',
  'sms.inbound_refused',
  // A delivery receipt refused for its signature: receipts (and the suppressions they carry) are lost.
  'sms.status_refused',
  'audit.write_failed',
  'customer.read_log_failed',
]);

export type VerifyResult =
  | { ok: true; checked: number; firstSeq: string | null; lastSeq: string | null }
  | { ok: false; checked: number; brokenAt: string; reason: string };
