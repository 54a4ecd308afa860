import { DateTime } from 'luxon';
import { ContainmentKind } from '../entities/incident-action.entity';
import { IncidentSeverity, IncidentType } from '../incident-workflow';

/** An audit event as detection reads it (a row of audit_events). */
export interface DetectionEvent {
  seq: string;
  occurredAt: Date;
  actorType: string;
  actorId: string | null;
  action: string;
  resourceType: string | null;
  resourceId: string | null;
  result: 'success' | 'failure';
  errorCode: string | null;
  ip: string | null;
  changes: Record<string, unknown> | null;
  /**
   * For a completed sign-in, when a geo source is configured: where it came from and what that
   * says against the user's earlier sign-ins (filled by detection before the rules match).
   */
  geo?: {
    country: string;
    /** A country the user has not signed in from in the last 90 days (not their first sign-in). */
    newCountry: boolean;
    /** Against the previous sign-in: distance, speed, and whether no traveller could do it. */
    travel: { km: number; kmh: number; impossible: boolean } | null;
  };
}

/**
 * What one event counts towards: the subject whose count grows (an account, an address, a user, a
 * key), the distinct member it adds for rules that count distinct things (accounts per address),
 * and the record the rule's actions act on (a user or key id, an address).
 */
export interface Hit {
  subject: string;
  member?: string;
  /** The user or API key behind the subject, when known: the target of user and key actions. */
  refId?: string | null;
}

/** The settings an admin edits (detection_rules). */
export interface RuleSettings {
  enabled: boolean;
  threshold: number;
  windowSeconds: number;
  severity: IncidentSeverity;
  actions: ContainmentKind[];
  blockMinutes: number;
}

export interface MatchContext {
  /** Business hours in the business time zone, for rules about changes made outside them. */
  businessHours: { zone: string; startHour: number; endHour: number };
}

/** A detection rule: what it matches is code, its settings are data (defaults below). */
export interface RuleDefinition {
  key: string;
  type: IncidentType;
  title: string;
  /** Counts distinct members per subject (accounts per address) instead of events. */
  distinct: boolean;
  /** Actions this rule may be set to take (their targets must be derivable from its hits). */
  allowedActions: readonly ContainmentKind[];
  /**
   * For rules about volume per user: the threshold also rises to this many times the subject's own
   * average over the last 7 days (mass PII access is "far above their baseline").
   */
  baselineFactor?: number;
  defaults: RuleSettings;
  match(e: DetectionEvent, ctx: MatchContext): Hit | null;
}

/** Contact decision provenance that failed: a replay that differs, a chain that breaks. */
const DECISION_FAILURES = new Set([
  'compliance.decision_replay_mismatch',
  'compliance.decision_chain_broken',
]);

const USER_ACTIONS = [
  ContainmentKind.DisableUser,
  ContainmentKind.ForcePasswordReset,
  ContainmentKind.ForceMfaReenrollment,
] as const;

const LOGIN = 'auth.login';
/** Refusals of a password: wrong, or refused because the account is already locked. */
const PASSWORD_FAILURES = new Set(['INVALID_CREDENTIALS', 'TOO_MANY_ATTEMPTS']);
const PRIVILEGE_CHANGES = new Set([
  'user.role_changed',
  'role.changed',
  'permission.changed',
  'user.created',
  'api_key.created',
]);
/** Reads of personal data the audit log records one by one: reveals of masked fields, exports. */
const PII_READS = new Set(['customer.field_revealed', 'report.exported']);
const AUDIT_FAILURES = new Set(['audit.write_failed', 'audit.verification_failed']);
const KEY_FAILURES = new Set([
  'crypto.scheduled_key_used',
  'crypto.key_destruction_refused',
  'system.tde_incomplete',
]);

function accountHashOf(e: DetectionEvent): string | null {
  const hash = e.changes?.accountHash;
  return typeof hash === 'string' && /^[0-9a-f]{16,64}$/.test(hash) ? hash : null;
}

const MINUTES = 60;
const HOUR = 3600;

/** Settings of a rule that opens an incident on every matching event (and takes no action). */
const onEachEvent = (severity: IncidentSeverity): RuleSettings => ({
  enabled: true,
  threshold: 1,
  windowSeconds: HOUR,
  severity,
  actions: [],
  blockMinutes: 60,
});

/** Every rule, in the order they are evaluated and listed. */
export const RULES: readonly RuleDefinition[] = [
  {
    key: 'brute_force',
    type: IncidentType.BruteForce,
    title: 'Brute force on one account',
    distinct: false,
    allowedActions: USER_ACTIONS,
    defaults: {
      enabled: true,
      threshold: 20,
      windowSeconds: 15 * MINUTES,
      severity: IncidentSeverity.High,
      actions: [ContainmentKind.ForcePasswordReset],
      blockMinutes: 60,
    },
    match: (e) => {
      if (e.action !== LOGIN || e.result !== 'failure') return null;
      if (!PASSWORD_FAILURES.has(e.errorCode ?? '')) return null;
      const account = accountHashOf(e);
      if (!account) return null;
      return { subject: `account:${account}`, refId: e.resourceId };
    },
  },
  {
    key: 'credential_stuffing',
    type: IncidentType.CredentialStuffing,
    title: 'Credential stuffing from one address',
    distinct: true,
    allowedActions: [ContainmentKind.BlockAddress],
    defaults: {
      enabled: true,
      threshold: 10,
      windowSeconds: 15 * MINUTES,
      severity: IncidentSeverity.High,
      actions: [ContainmentKind.BlockAddress],
      blockMinutes: 60,
    },
    match: (e) => {
      if (e.action !== LOGIN || e.result !== 'failure' || !e.ip) return null;
      if (!PASSWORD_FAILURES.has(e.errorCode ?? '')) return null;
      const account = accountHashOf(e);
      if (!account) return null;
      return { subject: `ip:${e.ip}`, member: account, refId: e.ip };
    },
  },
  {
    key: 'mfa_guessing',
    type: IncidentType.UnauthorizedAccess,
    title: 'Repeated wrong MFA codes after a correct password',
    distinct: false,
    allowedActions: USER_ACTIONS,
    defaults: {
      enabled: true,
      threshold: 5,
      windowSeconds: 15 * MINUTES,
      severity: IncidentSeverity.High,
      // Wrong codes after a right password: the password is known to someone.
      actions: [ContainmentKind.ForcePasswordReset],
      blockMinutes: 60,
    },
    match: (e) =>
      e.action === LOGIN &&
      e.result === 'failure' &&
      e.errorCode === 'INVALID_MFA_CODE' &&
      e.resourceId
        ? { subject: `user:${e.resourceId}`, refId: e.resourceId }
        : null,
  },
  {
    key: 'refresh_token_reuse',
    type: IncidentType.UnauthorizedAccess,
    title: 'A spent refresh token was presented again (stolen session)',
    distinct: false,
    allowedActions: USER_ACTIONS,
    defaults: onEachEvent(IncidentSeverity.High),
    match: (e) =>
      e.action === 'auth.refresh_token_reused' && e.actorId
        ? { subject: `user:${e.actorId}`, refId: e.actorId }
        : null,
  },
  {
    key: 'api_abuse',
    type: IncidentType.ApiAbuse,
    title: 'An API key keeps exceeding its rate budget',
    distinct: false,
    allowedActions: [ContainmentKind.RevokeApiKey],
    defaults: {
      enabled: true,
      threshold: 20,
      windowSeconds: 5 * MINUTES,
      severity: IncidentSeverity.Medium,
      actions: [],
      blockMinutes: 60,
    },
    match: (e) =>
      e.actorType === 'api_key' && e.actorId && e.errorCode === 'RATE_LIMITED'
        ? { subject: `api_key:${e.actorId}`, refId: e.actorId }
        : null,
  },
  {
    key: 'mass_pii_access',
    type: IncidentType.InsiderThreat,
    title: 'Personal data read far above the user’s baseline',
    distinct: false,
    allowedActions: USER_ACTIONS,
    baselineFactor: 5,
    defaults: {
      enabled: true,
      threshold: 100,
      windowSeconds: HOUR,
      severity: IncidentSeverity.High,
      actions: [],
      blockMinutes: 60,
    },
    match: (e) =>
      PII_READS.has(e.action) && e.result === 'success' && e.actorType === 'user' && e.actorId
        ? { subject: `user:${e.actorId}`, refId: e.actorId }
        : null,
  },
  {
    key: 'privilege_change_off_hours',
    type: IncidentType.InsiderThreat,
    title: 'Privileges changed outside business hours',
    distinct: false,
    allowedActions: USER_ACTIONS,
    defaults: onEachEvent(IncidentSeverity.Medium),
    match: (e, ctx) => {
      if (!PRIVILEGE_CHANGES.has(e.action) || e.result !== 'success') return null;
      if (withinBusinessHours(e.occurredAt, ctx.businessHours)) return null;
      const who = e.actorId ?? 'system';
      return { subject: `actor:${who}`, refId: e.actorType === 'user' ? e.actorId : null };
    },
  },
  {
    key: 'new_country',
    type: IncidentType.UnauthorizedAccess,
    title: 'Sign-in from a country not seen for this user',
    distinct: false,
    allowedActions: USER_ACTIONS,
    defaults: onEachEvent(IncidentSeverity.Medium),
    match: (e) =>
      e.geo?.newCountry && e.actorId ? { subject: `user:${e.actorId}`, refId: e.actorId } : null,
  },
  {
    key: 'impossible_travel',
    type: IncidentType.UnauthorizedAccess,
    title: 'Two sign-ins further apart than anyone could travel in between',
    distinct: false,
    allowedActions: USER_ACTIONS,
    defaults: onEachEvent(IncidentSeverity.High),
    match: (e) =>
      e.geo?.travel?.impossible && e.actorId
        ? { subject: `user:${e.actorId}`, refId: e.actorId }
        : null,
  },
  {
    key: 'audit_integrity',
    type: IncidentType.ComplianceViolation,
    title: 'The audit log failed a write or a verification',
    distinct: false,
    allowedActions: [],
    defaults: onEachEvent(IncidentSeverity.Critical),
    match: (e) => (AUDIT_FAILURES.has(e.action) ? { subject: 'audit' } : null),
  },
  {
    key: 'decision_provenance',
    type: IncidentType.ComplianceViolation,
    title: 'A kept contact decision did not replay the same, or its chain did not verify',
    distinct: false,
    allowedActions: [],
    defaults: onEachEvent(IncidentSeverity.Critical),
    match: (e) => (DECISION_FAILURES.has(e.action) ? { subject: 'contact_decisions' } : null),
  },
  {
    key: 'key_failure',
    type: IncidentType.Other,
    title: 'Encryption keys or encryption at rest failed a check',
    distinct: false,
    allowedActions: [],
    defaults: onEachEvent(IncidentSeverity.Critical),
    match: (e) => (KEY_FAILURES.has(e.action) ? { subject: 'crypto' } : null),
  },
];

export const RULES_BY_KEY = new Map(RULES.map((r) => [r.key, r]));

/** Weekdays from startHour to endHour (local time of `zone`). */
export function withinBusinessHours(
  at: Date,
  hours: { zone: string; startHour: number; endHour: number },
): boolean {
  const local = DateTime.fromJSDate(at, { zone: hours.zone });
  if (local.weekday > 5) return false;
  return local.hour >= hours.startHour && local.hour < hours.endHour;
}

/**
 * Where an event's window starts: windows open at a subject's first counted event and last
 * `windowSeconds`; an event after the window opens the next one (so a burst is never split by a
 * clock boundary).
 */
export function windowFor(
  current: { windowStart: Date } | null,
  at: Date,
  windowSeconds: number,
): { windowStart: Date; fresh: boolean } {
  if (current && at.getTime() < current.windowStart.getTime() + windowSeconds * 1000)
    return { windowStart: current.windowStart, fresh: false };
  return { windowStart: at, fresh: true };
}

/** The threshold that applies, given the subject's average count per window over the last week. */
export function effectiveThreshold(
  rule: RuleDefinition,
  threshold: number,
  baseline: number,
): number {
  if (!rule.baselineFactor) return threshold;
  return Math.max(threshold, Math.ceil(baseline * rule.baselineFactor));
}
