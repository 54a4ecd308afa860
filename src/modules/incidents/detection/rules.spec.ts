import { ContainmentKind } from '../entities/incident-action.entity';
import { hourBucket, rollupsOf } from './rollups';
import {
  DetectionEvent,
  effectiveThreshold,
  MatchContext,
  RULES,
  RULES_BY_KEY,
  windowFor,
  withinBusinessHours,
} from './rules';

const CTX: MatchContext = {
  businessHours: { zone: 'America/New_York', startHour: 8, endHour: 19 },
};
// A Wednesday, 15:00 in New York.
const WEEKDAY_AFTERNOON = new Date('2026-03-04T20:00:00Z');

function event(overrides: Partial<DetectionEvent> = {}): DetectionEvent {
  return {
    seq: '1',
    occurredAt: WEEKDAY_AFTERNOON,
    actorType: 'anonymous',
    actorId: null,
    action: 'auth.login',
    resourceType: 'User',
    resourceId: null,
    result: 'failure',
    errorCode: 'INVALID_CREDENTIALS',
    ip: '203.0.113.7',
    changes: { accountHash: 'ab'.repeat(16) },
    ...overrides,
  };
}

const rule = (key: string) => RULES_BY_KEY.get(key)!;

describe('detection rules', () => {
  it('count a failed password per account (locked attempts too) and per address and account', () => {
    const failed = event({ resourceId: 'user-1' });
    expect(rule('brute_force').match(failed, CTX)).toEqual({
      subject: `account:${'ab'.repeat(16)}`,
      refId: 'user-1',
    });
    expect(rule('credential_stuffing').match(failed, CTX)).toEqual({
      subject: 'ip:203.0.113.7',
      member: 'ab'.repeat(16),
      refId: '203.0.113.7',
    });
    const locked = event({ errorCode: 'TOO_MANY_ATTEMPTS' });
    expect(rule('brute_force').match(locked, CTX)?.subject).toBe(`account:${'ab'.repeat(16)}`);
    // A success, an MFA failure, or a failure without the account fingerprint is not a password guess.
    for (const e of [
      event({ result: 'success', errorCode: null }),
      event({ errorCode: 'INVALID_MFA_CODE' }),
      event({ changes: null }),
      event({ changes: { accountHash: 'not hex!' } }),
    ])
      expect(rule('brute_force').match(e, CTX)).toBeNull();
    expect(rule('credential_stuffing').match(event({ ip: null }), CTX)).toBeNull();
  });

  it('tie MFA guessing, token reuse, API abuse and PII reads to their user or key', () => {
    expect(
      rule('mfa_guessing').match(event({ errorCode: 'INVALID_MFA_CODE', resourceId: 'u' }), CTX),
    ).toEqual({ subject: 'user:u', refId: 'u' });
    expect(
      rule('refresh_token_reuse').match(
        event({ action: 'auth.refresh_token_reused', actorId: 'u', actorType: 'user' }),
        CTX,
      ),
    ).toEqual({ subject: 'user:u', refId: 'u' });
    expect(
      rule('api_abuse').match(
        event({
          action: 'graphql.customers',
          actorType: 'api_key',
          actorId: 'k',
          errorCode: 'RATE_LIMITED',
        }),
        CTX,
      ),
    ).toEqual({ subject: 'api_key:k', refId: 'k' });
    expect(
      rule('api_abuse').match(
        event({ actorType: 'user', actorId: 'u', errorCode: 'RATE_LIMITED' }),
        CTX,
      ),
    ).toBeNull();
    const reveal = event({
      action: 'customer.field_revealed',
      actorType: 'user',
      actorId: 'u',
      result: 'success',
      errorCode: null,
    });
    expect(rule('mass_pii_access').match(reveal, CTX)).toEqual({ subject: 'user:u', refId: 'u' });
    expect(rule('mass_pii_access').match({ ...reveal, result: 'failure' }, CTX)).toBeNull();
  });

  it('raise a critical incident on any failed decision replay or decision chain check', () => {
    const provenance = rule('decision_provenance');
    expect(provenance.defaults).toMatchObject({
      threshold: 1,
      severity: 'critical',
      enabled: true,
    });
    for (const action of [
      'compliance.decision_replay_mismatch',
      'compliance.decision_chain_broken',
    ])
      expect(provenance.match(event({ action, actorType: 'user', actorId: 'u' }), CTX)).toEqual({
        subject: 'contact_decisions',
      });
    expect(provenance.match(event({ action: 'compliance.rules_changed' }), CTX)).toBeNull();
  });

  it('flag privilege changes only outside business hours, in the business time zone', () => {
    const change = (at: string) =>
      event({
        action: 'user.role_changed',
        actorType: 'user',
        actorId: 'admin-1',
        result: 'success',
        errorCode: null,
        occurredAt: new Date(at),
      });
    const r = rule('privilege_change_off_hours');
    expect(r.match(change('2026-03-04T20:00:00Z'), CTX)).toBeNull(); // Wed 15:00 New York
    expect(r.match(change('2026-03-05T03:00:00Z'), CTX)).toEqual({
      subject: 'actor:admin-1',
      refId: 'admin-1',
    }); // Wed 22:00
    expect(r.match(change('2026-03-07T17:00:00Z'), CTX)).not.toBeNull(); // Saturday noon
    expect(withinBusinessHours(new Date('2026-03-04T13:00:00Z'), CTX.businessHours)).toBe(true); // 08:00
    expect(withinBusinessHours(new Date('2026-03-05T00:00:00Z'), CTX.businessHours)).toBe(false); // 19:00
  });

  it('open a window at the first hit and never split a burst at a clock boundary', () => {
    const start = new Date('2026-03-04T20:14:59Z');
    const first = windowFor(null, start, 900);
    expect(first).toEqual({ windowStart: start, fresh: true });
    const inside = windowFor(first, new Date(start.getTime() + 899_999), 900);
    expect(inside).toEqual({ windowStart: start, fresh: false });
    const after = new Date(start.getTime() + 900_000);
    expect(windowFor(first, after, 900)).toEqual({ windowStart: after, fresh: true });
  });

  it('raise the mass-PII threshold to a multiple of the user’s own baseline', () => {
    const pii = rule('mass_pii_access');
    expect(effectiveThreshold(pii, 100, 0)).toBe(100);
    expect(effectiveThreshold(pii, 100, 30)).toBe(150);
    expect(effectiveThreshold(rule('brute_force'), 20, 1000)).toBe(20);
  });

  it('default to actions each rule may take, and keep unique keys', () => {
    expect(new Set(RULES.map((r) => r.key)).size).toBe(RULES.length);
    for (const r of RULES) {
      for (const a of r.defaults.actions) expect(r.allowedActions).toContain(a);
      expect(r.allowedActions).not.toContain(ContainmentKind.PauseCampaign);
      expect(r.allowedActions).not.toContain(ContainmentKind.RotateDataKey);
      expect(r.defaults.threshold).toBeGreaterThanOrEqual(1);
    }
  });
});

describe('security rollups', () => {
  it('count a sign-in once (its MFA step, not its password step) and classify failures', () => {
    const ok = event({ result: 'success', errorCode: null, changes: null });
    expect(rollupsOf(ok)).toEqual([{ metric: 'signin_ok', dim: '', count: 1 }]);
    expect(rollupsOf({ ...ok, changes: { step: 'password', next: 'mfa' } })).toEqual([]);
    expect(rollupsOf({ ...ok, changes: { step: 'mfa', method: 'totp' } })).toEqual([
      { metric: 'signin_ok', dim: '', count: 1 },
    ]);
    expect(rollupsOf(event({ errorCode: 'TOO_MANY_ATTEMPTS' }))).toEqual([
      { metric: 'signin_failed', dim: 'TOO_MANY_ATTEMPTS', count: 1 },
      { metric: 'lockout', dim: '', count: 1 },
    ]);
    expect(
      rollupsOf(event({ action: 'graphql.createUser', errorCode: 'FORBIDDEN', actorId: 'u' })),
    ).toEqual([{ metric: 'authz_denied', dim: 'graphql.createUser', count: 1 }]);
    expect(
      rollupsOf(
        event({ action: 'report.exported', result: 'success', errorCode: null, actorId: 'u' }),
      ),
    ).toEqual([{ metric: 'pii_access', dim: 'u', count: 1 }]);
  });

  it('count an aggregate of refused sign-ins as the sign-ins it stands for', () => {
    const shed = (changes: Record<string, unknown>) =>
      rollupsOf(event({ errorCode: 'HASHING_BUSY', changes }));
    expect(shed({ shed: 4812, addresses: 900 })).toEqual([
      { metric: 'signin_failed', dim: 'HASHING_BUSY', count: 4812 },
    ]);
    // Anything but a positive whole number counts as the one event it is.
    for (const bad of [0, -3, 1.5, '12', null, Number.MAX_VALUE])
      expect(shed({ shed: bad })[0].count).toBe(1);
  });

  it('bucket by the UTC hour', () => {
    expect(hourBucket(new Date('2026-03-04T20:59:59.999Z'))).toBe('2026-03-04 20:00:00');
  });
});
