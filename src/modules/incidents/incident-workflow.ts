/**
 * The incident workflow as pure rules (no I/O): the kinds and severities of incidents, the status
 * machine with its legal moves, and the notification deadlines a data breach carries. The incidents
 * service (issue #18) persists what these rules allow and records each move on the timeline.
 */

export enum IncidentType {
  DataBreach = 'data_breach',
  UnauthorizedAccess = 'unauthorized_access',
  CredentialStuffing = 'credential_stuffing',
  BruteForce = 'brute_force',
  ApiAbuse = 'api_abuse',
  InsiderThreat = 'insider_threat',
  Malware = 'malware',
  Ddos = 'ddos',
  ComplianceViolation = 'compliance_violation',
  Other = 'other',
}

export enum IncidentSeverity {
  Low = 'low',
  Medium = 'medium',
  High = 'high',
  Critical = 'critical',
}

export enum IncidentStatus {
  Open = 'open',
  Investigating = 'investigating',
  Contained = 'contained',
  Resolved = 'resolved',
  Closed = 'closed',
}

/**
 * Forward moves only: open -> investigating -> contained -> resolved -> closed. A step may be
 * skipped forward (a false alarm is resolved straight from open) but never backward: going back is
 * a reopen, which needs a reason and is recorded as one.
 */
const ORDER: readonly IncidentStatus[] = [
  IncidentStatus.Open,
  IncidentStatus.Investigating,
  IncidentStatus.Contained,
  IncidentStatus.Resolved,
  IncidentStatus.Closed,
];

export type MoveRefusal = 'SAME_STATUS' | 'BACKWARD_NEEDS_REOPEN' | 'REOPEN_NEEDS_REASON';

export type Move =
  { ok: true; kind: 'advance' | 'reopen'; to: IncidentStatus } | { ok: false; reason: MoveRefusal };

/** Whether `from -> to` is legal; a backward move is a reopen and needs a non-empty reason. */
export function move(from: IncidentStatus, to: IncidentStatus, reopenReason?: string | null): Move {
  const a = ORDER.indexOf(from);
  const b = ORDER.indexOf(to);
  if (a === b) return { ok: false, reason: 'SAME_STATUS' };
  if (b > a) return { ok: true, kind: 'advance', to };
  // Reopening lands on investigating (or open): someone has to look again.
  if (to !== IncidentStatus.Open && to !== IncidentStatus.Investigating)
    return { ok: false, reason: 'BACKWARD_NEEDS_REOPEN' };
  if (!reopenReason || !reopenReason.trim()) return { ok: false, reason: 'REOPEN_NEEDS_REASON' };
  return { ok: true, kind: 'reopen', to };
}

/** Statuses where the incident is still being worked (deadlines and on-call pages apply). */
export function isActive(status: IncidentStatus): boolean {
  return status !== IncidentStatus.Resolved && status !== IncidentStatus.Closed;
}

/** One notification a data breach owes, and by when. */
export interface BreachDeadline {
  /** e.g. `gdpr:authority` */
  rule: string;
  dueAt: Date;
}

/** GDPR Art. 33(1): the supervisory authority within 72 hours of becoming aware of the breach. */
export const GDPR_AUTHORITY_HOURS = 72;

/**
 * The deadlines a data breach carries from the moment it was detected: GDPR's 72 hours to the
 * authority, plus the configured rules (US state laws, contracts) as hours after detection.
 */
export function breachDeadlines(
  detectedAt: Date,
  extra: readonly { rule: string; hours: number }[] = [],
): BreachDeadline[] {
  const after = (hours: number) => new Date(detectedAt.getTime() + hours * 3_600_000);
  return [
    { rule: 'gdpr:authority', dueAt: after(GDPR_AUTHORITY_HOURS) },
    ...extra.map((r) => ({ rule: r.rule, dueAt: after(r.hours) })),
  ].sort((x, y) => x.dueAt.getTime() - y.dueAt.getTime());
}

/** Time left on each deadline at `now` (negative: overdue). */
export function timeLeft(
  deadlines: readonly BreachDeadline[],
  now: Date,
): { rule: string; dueAt: Date; msLeft: number; overdue: boolean }[] {
  return deadlines.map((d) => {
    const msLeft = d.dueAt.getTime() - now.getTime();
    return { ...d, msLeft, overdue: msLeft < 0 };
  });
}
