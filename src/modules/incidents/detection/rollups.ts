import type { DetectionEvent } from './rules';

/**
 * One hourly count the security metrics read: `metric` (and `dim`, '' when none) in an hour, and
 * what the event adds to it.
 */
export interface RollupKey {
  metric: RollupMetric;
  dim: string;
  count: number;
}

export type RollupMetric =
  'signin_ok' | 'signin_failed' | 'lockout' | 'authz_denied' | 'pii_access';

/**
 * The hourly counts an audit event adds to. The migration back-filled the first four from the
 * history with the same classification (1764100300000-Incidents.ts); keep the two in step.
 */
export function rollupsOf(e: DetectionEvent): RollupKey[] {
  const out: RollupKey[] = [];
  if (e.action === 'auth.login') {
    if (e.result === 'success') {
      // The password step of an MFA sign-in is not a sign-in yet: its MFA step is.
      if (e.changes?.next !== 'mfa') out.push({ metric: 'signin_ok', dim: '', count: 1 });
    } else {
      // Sign-ins refused for want of hashing capacity are audited in aggregate: one event
      // carries how many were refused (LoginShedService).
      const shed = e.changes?.shed;
      const count = typeof shed === 'number' && Number.isSafeInteger(shed) && shed > 0 ? shed : 1;
      out.push({ metric: 'signin_failed', dim: e.errorCode ?? '', count });
      if (e.errorCode === 'TOO_MANY_ATTEMPTS') out.push({ metric: 'lockout', dim: '', count: 1 });
    }
  }
  if (e.result === 'failure' && e.errorCode === 'FORBIDDEN')
    out.push({ metric: 'authz_denied', dim: e.action.slice(0, 64), count: 1 });
  if (
    (e.action === 'customer.field_revealed' || e.action === 'report.exported') &&
    e.result === 'success' &&
    e.actorId
  )
    out.push({ metric: 'pii_access', dim: e.actorId.slice(0, 64), count: 1 });
  return out;
}

/** The hour an event counts in, as the DATETIME the rollup table keys on (UTC). */
export function hourBucket(at: Date): string {
  return `${at.toISOString().slice(0, 13).replace('T', ' ')}:00:00`;
}
