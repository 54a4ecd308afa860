import type { ChainEntryProof } from '../../audit/audit.service';
import type { CheckpointProof } from '../../audit/services/audit-verifier.service';
import type { ChainVerification, ReplayResult } from '../services/decision-records.service';

/** What an evidence pack is about: one customer, one debt, or one phone number (by blind index). */
export type EvidenceScopeKind = 'customer' | 'debt' | 'phone';

export interface EvidenceScope {
  kind: EvidenceScopeKind;
  /** Customer id, debt id, or the phone's blind index (hex): never a phone in clear. */
  ref: string;
  /** The phone as the API masks it (phone scope only). */
  phoneMasked?: string;
  customerIds: string[];
}

export interface PackDecisionCheck {
  rule: string;
  kind: string;
  passed: boolean;
  detail: string;
  citation: string | null;
}

export interface PackDecision {
  id: string;
  seq: string;
  gate: string;
  decidedAt: string;
  allowed: boolean;
  /** The decision names this attempt as the one it authorised. */
  namesAttempt: boolean;
  ruleSetVersion: number;
  ruleSetHash: string;
  checks: PackDecisionCheck[];
  facts: {
    at: string;
    zones: string[];
    localTimes: Record<string, string>;
    state: string | null;
    toType: string;
    consents: {
      id: string | null;
      evidenceHash: string | null;
      channel: string;
      purpose: string;
      granted: boolean;
      at: string;
    }[];
    bans: { id: string | null; channel: string | null; scope: string }[];
    attemptsCounted: number;
    ceases: { debtId: string | null; at: string }[];
  };
  replay: Pick<ReplayResult, 'matches' | 'replayedAllowed' | 'differences'>;
  prevHash: string;
  hash: string;
}

export interface PackAttempt {
  id: string;
  customerId: string;
  debtId: string | null;
  taskId: string | null;
  campaignId: string | null;
  channel: string;
  purpose: string;
  occurredAt: string;
  outcome: string | null;
  consumerInitiated: boolean;
  /** The decision that allowed it; null (and flagged) when none was kept. */
  decision: PackDecision | null;
  /** Why this attempt needs a look: no decision, a decision naming another attempt, a failed replay. */
  flags: string[];
}

export interface PackConsent {
  id: string;
  customerId: string;
  channel: string;
  purpose: string;
  granted: boolean;
  source: string;
  effectiveAt: string;
  expiresAt: string | null;
  recordedAt: string;
  evidenceHash: string | null;
  /** The decrypted evidence, for a role allowed to read it; null otherwise (or when there is none). */
  evidence: Record<string, unknown> | null;
  evidenceWithheld: boolean;
  /** The stored evidence still hashes to `evidenceHash`; null when there is no evidence (or it was erased). */
  evidenceMatchesHash: boolean | null;
  reliedOnBy: string[];
}

export interface PackOptOut {
  kind: 'consent_revocation' | 'dnc_entry' | 'cease_request';
  id: string;
  customerId: string | null;
  channel: string | null;
  detail: string;
  receivedAt: string;
  recordedAt: string;
  /** When contact stopped: the suppression and the cancellation of pending work commit together. */
  honouredAt: string;
  honouredAfterSeconds: number;
  pendingTasksCancelled: number;
  pendingTasksCancelledAt: string | null;
  /** Contact attempts in scope after it was received that it covers (none expected). */
  attemptsAfter: { id: string; occurredAt: string; channel: string }[];
  /** A later consent grant that ended a revocation (attempts after it are not counted). */
  supersededAt: string | null;
}

export interface EvidencePackContent {
  format: 'callwarden-evidence-pack/1';
  packId: string;
  scope: EvidenceScope;
  range: { from: string; to: string };
  generatedAt: string;
  generatedBy: { id: string; role: string };
  consentEvidence: 'included' | 'withheld for your role';
  summary: {
    attempts: number;
    attemptsWithoutDecision: number;
    replayMismatches: number;
    consents: number;
    consentEvidenceDisclosed: number;
    optOuts: number;
    attemptsAfterOptOut: number;
  };
  attempts: PackAttempt[];
  consents: PackConsent[];
  optOuts: PackOptOut[];
  proof: {
    decisions: {
      chain: ChainVerification & { fromSeq: string | null };
      rows: { id: string; seq: string; prevHash: string; hash: string }[];
      howToVerify: string;
    };
    audit: {
      entries: (Omit<ChainEntryProof, 'occurredAt'> & { occurredAt: string })[];
      checkpoint: (Omit<CheckpointProof, 'createdAt'> & { createdAt: string }) | null;
      verification:
        | { ok: true; checked: number; fromSeq: string; toSeq: string }
        | { ok: false; checked: number; brokenAt: string; reason: string }
        | null;
      howToVerify: string;
    };
  };
}
