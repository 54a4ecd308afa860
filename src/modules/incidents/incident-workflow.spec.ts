import fc from 'fast-check';
import { breachDeadlines, IncidentStatus, isActive, move, timeLeft } from './incident-workflow';
import { propertyRuns } from '../../../test/utils/property-runs';

const STATUSES = Object.values(IncidentStatus);
const rank = (s: IncidentStatus) => STATUSES.indexOf(s);

describe('incident workflow', () => {
  it.each([
    ['open', 'investigating'],
    ['investigating', 'contained'],
    ['contained', 'resolved'],
    ['resolved', 'closed'],
    ['open', 'resolved'],
  ] as const)('advances %s -> %s', (from, to) => {
    expect(move(from as IncidentStatus, to as IncidentStatus)).toEqual({
      ok: true,
      kind: 'advance',
      to,
    });
  });

  it('refuses staying put, going back without a reopen, and a reopen without a reason', () => {
    expect(move(IncidentStatus.Open, IncidentStatus.Open)).toEqual({
      ok: false,
      reason: 'SAME_STATUS',
    });
    expect(move(IncidentStatus.Resolved, IncidentStatus.Contained, 'x')).toEqual({
      ok: false,
      reason: 'BACKWARD_NEEDS_REOPEN',
    });
    expect(move(IncidentStatus.Closed, IncidentStatus.Investigating, '  ')).toEqual({
      ok: false,
      reason: 'REOPEN_NEEDS_REASON',
    });
    expect(move(IncidentStatus.Closed, IncidentStatus.Investigating, 'new evidence')).toEqual({
      ok: true,
      kind: 'reopen',
      to: IncidentStatus.Investigating,
    });
  });

  it('allows exactly the forward moves, and backward ones only as a reasoned reopen', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...STATUSES),
        fc.constantFrom(...STATUSES),
        fc.option(fc.string(), { nil: undefined }),
        (from, to, reason) => {
          const m = move(from, to, reason);
          if (rank(to) > rank(from)) expect(m).toMatchObject({ ok: true, kind: 'advance' });
          else if (m.ok) {
            expect(m.kind).toBe('reopen');
            expect(rank(to)).toBeLessThanOrEqual(rank(IncidentStatus.Investigating));
            expect(reason?.trim()).toBeTruthy();
          }
        },
      ),
      { numRuns: propertyRuns(500) },
    );
  });

  it('counts resolved and closed incidents as no longer active', () => {
    expect(STATUSES.filter(isActive)).toEqual(['open', 'investigating', 'contained']);
  });

  it('gives a breach GDPR 72 hours plus the configured rules, soonest first, and says what is overdue', () => {
    const detected = new Date('2026-12-01T10:00:00Z');
    const deadlines = breachDeadlines(detected, [
      { rule: 'us-ca:residents', hours: 24 * 30 },
      { rule: 'contract:client-a', hours: 24 },
    ]);
    expect(deadlines.map((d) => [d.rule, d.dueAt.toISOString()])).toEqual([
      ['contract:client-a', '2026-12-02T10:00:00.000Z'],
      ['gdpr:authority', '2026-12-04T10:00:00.000Z'],
      ['us-ca:residents', '2026-12-31T10:00:00.000Z'],
    ]);
    const at = timeLeft(deadlines, new Date('2026-12-03T10:00:00Z'));
    expect(at.map((d) => [d.rule, d.overdue, d.msLeft / 3_600_000])).toEqual([
      ['contract:client-a', true, -24],
      ['gdpr:authority', false, 24],
      ['us-ca:residents', false, 672],
    ]);
  });
});
