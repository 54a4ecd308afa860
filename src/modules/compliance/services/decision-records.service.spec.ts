import { createHash } from 'node:crypto';
import fc from 'fast-check';
import type { DataSource, EntityManager } from 'typeorm';
import { canonicalJson } from '../../audit';
import { DEFAULT_RULES } from '../rules/default-rules';
import { evaluate } from '../rules/engine';
import { decodeMember } from '../rules/decision-page';
import type { PageFacts } from '../rules/decision-page';
import type { ContactFacts } from '../rules/types';
import {
  canonicalJsonOfPlain,
  DecisionRecordsService,
  ruleSetHash,
  storeFacts,
} from './decision-records.service';
import { propertyRuns } from '../../../../test/utils/property-runs';

const AT = new Date('2026-03-10T17:00:00.000Z');

function factsFor(n: number): ContactFacts {
  return {
    channel: 'call',
    purpose: 'collection',
    at: AT,
    zones: n % 2 ? ['America/New_York'] : ['America/Denver', 'America/Chicago'],
    state: n % 2 ? 'NY' : 'OK',
    zipState: n % 3 ? undefined : 'OK',
    phoneState: 'TX',
    toType: 'home',
    debtId: n % 4 ? null : `debt-${n}`,
    consents:
      n % 5
        ? []
        : [
            {
              id: `c${n}`,
              evidenceHash: undefined,
              channel: 'call',
              purpose: 'collection',
              granted: true,
              at: new Date(AT.getTime() - 90 * 86_400_000),
              expiresAt: null,
            },
          ],
    bans: n % 7 ? [] : [{ id: `b${n}`, channel: null, scope: 'person', reason: 'asked' }],
    attempts:
      n % 3
        ? []
        : [
            {
              id: `a${n}`,
              channel: 'call',
              purpose: 'collection',
              at: new Date(AT.getTime() - 86_400_000),
              debtId: null,
              consumerInitiated: false,
              conversation: n % 2 === 0,
              withConsent: false,
              toType: 'home',
            },
          ],
    preferredWindow: null,
    campaignWindow: { start: '08:00', end: '21:00' },
  };
}

/** The chain's definition as first written: canonicalJson of the row with its JSON read back. */
function referenceHash(prev: Buffer, row: unknown[], version: number): Buffer {
  const [seq, id, decidedAt, gate, customerId, debtId, taskId, campaignId, messageId, attemptId] =
    row as string[];
  const canonical = canonicalJson({
    seq: String(seq),
    id,
    decidedAt: (decidedAt as unknown as Date).toISOString(),
    gate,
    customerId,
    debtId,
    taskId,
    campaignId,
    messageId,
    attemptId,
    channel: row[10],
    purpose: row[11],
    allowed: Boolean(row[12]),
    ruleSetVersion: version,
    ruleSetHash: ruleSetHash(DEFAULT_RULES).toString('hex'),
    facts: JSON.parse(String(row[15])) as unknown,
    checks: JSON.parse(String(row[16])) as unknown,
  });
  return createHash('sha256').update(prev).update(canonical, 'utf8').digest();
}

describe('canonicalJsonOfPlain', () => {
  it('is canonicalJson of what JSON keeps of a value', () => {
    const value = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        fc.constantFrom(null, undefined, true, false, 0, -0, 1.5, -3, Number.NaN, Infinity),
        fc.string(),
        fc.date({ noInvalidDate: true }),
        fc.array(tie('node')),
        fc.dictionary(fc.string(), tie('node')),
      ),
    })).node;
    fc.assert(
      fc.property(fc.dictionary(fc.string(), value), (v) => {
        expect(canonicalJsonOfPlain(v)).toBe(canonicalJson(JSON.parse(JSON.stringify(v))));
      }),
      { numRuns: propertyRuns(500) },
    );
  });

  it('matches the stored facts of engine decisions', () => {
    for (let n = 0; n < 40; n++) {
      const facts = factsFor(n);
      const decision = evaluate(facts, DEFAULT_RULES);
      expect(canonicalJsonOfPlain(decision.checks)).toBe(
        canonicalJson(JSON.parse(JSON.stringify(decision.checks))),
      );
      expect(JSON.parse(canonicalJsonOfPlain(storeFacts(facts)))).toEqual(storeFacts(facts));
    }
  });
});

/**
 * A data source that knows rule set version 3, and a transaction's manager whose chain head is at
 * seq 41 with `start`'s hash: it keeps each INSERT's parameters and the head update.
 */
function fakeStores() {
  const dataSource = {
    query: jest.fn((sql: string) =>
      Promise.resolve(sql.startsWith('SELECT version') ? [{ version: 3 }] : []),
    ),
  } as unknown as DataSource;
  const start = createHash('sha256').update('start').digest();
  const inserts: unknown[][] = [];
  const state = { head: [] as unknown[] };
  const m = {
    query: jest.fn((sql: string, params: unknown[]) => {
      if (sql.startsWith('SELECT last_seq'))
        return Promise.resolve([{ last_seq: '41', last_hash: start }]);
      if (sql.startsWith('INSERT INTO contact_decisions')) inserts.push(params);
      if (sql.startsWith('UPDATE contact_decision_head')) state.head = params;
      return Promise.resolve([]);
    }),
  } as unknown as EntityManager;
  return { service: new DecisionRecordsService(dataSource), m, start, inserts, state };
}

describe('DecisionRecordsService.record', () => {
  it('writes rows whose JSON reads back as the stored facts and checks, chained by the same hash, in statements of a bounded size', async () => {
    const { service, m, start, inserts, state } = fakeStores();
    const entries = Array.from({ length: 1_500 }, (_, n) => {
      const facts = factsFor(n);
      return {
        context: {
          gate: 'launch' as const,
          customerId: `customer-${n}`,
          campaignId: 'campaign',
          taskId: `task-${n}`,
          attemptId: `attempt-${n}`,
        },
        facts,
        decision: evaluate(facts, DEFAULT_RULES),
      };
    });
    expect(entries.some((e) => e.decision.allowed)).toBe(true);
    expect(entries.some((e) => !e.decision.allowed)).toBe(true);

    const ids = await service.record(m, entries, DEFAULT_RULES);

    const inserted = inserts.flatMap((params) => params[0] as unknown[][]);
    expect(inserted).toHaveLength(1_500);
    // Over 2 MiB of JSON: more than one statement, in order.
    expect(inserts.length).toBeGreaterThan(1);
    expect(ids).toEqual(inserted.map((r) => r[1]));
    let prev: Buffer = start;
    inserted.forEach((row, n) => {
      expect(row[0]).toBe(String(42 + n));
      expect(JSON.parse(String(row[15]))).toEqual(storeFacts(entries[n].facts));
      expect(JSON.parse(String(row[16]))).toEqual(
        JSON.parse(JSON.stringify(entries[n].decision.checks)),
      );
      expect(row[9]).toBe(entries[n].decision.allowed ? `attempt-${n}` : null);
      expect(row[17]).toEqual(prev);
      expect(row[18]).toEqual(referenceHash(prev, row, 3));
      prev = row[18] as Buffer;
    });
    expect(state.head).toEqual(['1541', prev]);
  });
});

describe('DecisionRecordsService.recordPage', () => {
  it("keeps a launch page as rows of up to 10,000 members, each its customer, task, outcome and facts, chained over the entries' hash", async () => {
    const { service, m, start, inserts: inserted, state } = fakeStores();
    const entries = Array.from({ length: 12_000 }, (_, n) => {
      const facts = factsFor(n);
      return {
        context: {
          gate: 'launch' as const,
          customerId: `customer-${n}`,
          campaignId: 'campaign',
          taskId: n % 2 ? `task-${n}` : null,
        },
        facts,
        decision: evaluate(facts, DEFAULT_RULES),
      };
    });

    const ids = await service.recordPage(m, entries, DEFAULT_RULES);

    expect(inserted.map((row) => row[14])).toEqual([10_000, 2_000]);
    expect(ids).toHaveLength(12_000);
    let prev: Buffer = start;
    let n = 0;
    for (const [r, row] of inserted.entries()) {
      const [seq, id, decidedAt, gate, customerId, campaignId, channel, purpose, allowed] = row;
      expect([seq, gate, customerId, campaignId, channel, purpose, allowed]).toEqual([
        String(42 + r),
        'launch',
        null,
        'campaign',
        'call',
        'collection',
        0,
      ]);
      const body = row[13] as Buffer;
      const page = JSON.parse(String(row[11])) as PageFacts;
      expect(page.at).toBe(AT.toISOString());
      for (let i = 0; i < Number(row[14]); i++, n++) {
        const { decision, context } = entries[n];
        expect(ids[n]).toBe(id);
        if (n % 500 === 0) {
          const member = decodeMember(page, body, context.customerId)!;
          expect(member).toMatchObject({ taskId: context.taskId, allowed: decision.allowed });
          expect(member.outcomes).toEqual(
            decision.checks.map((c) => `${c.rule}:${c.passed ? 'pass' : 'fail'}`),
          );
          // The same decision again (a ban's free-text reason, not kept, only words a detail).
          const again = evaluate(member.facts, DEFAULT_RULES);
          expect(again.allowed).toBe(decision.allowed);
          expect(again.nextAllowedAt).toEqual(decision.nextAllowedAt);
          expect(again.checks.map((c) => [c.rule, c.passed])).toEqual(
            decision.checks.map((c) => [c.rule, c.passed]),
          );
        }
      }
      // The chain covers the row's columns and its entries through their SHA-256.
      const canonical = canonicalJson({
        seq: String(seq),
        id,
        decidedAt: (decidedAt as Date).toISOString(),
        gate,
        customerId: null,
        debtId: null,
        taskId: null,
        campaignId,
        messageId: null,
        attemptId: null,
        channel,
        purpose,
        allowed: false,
        ruleSetVersion: 3,
        ruleSetHash: ruleSetHash(DEFAULT_RULES).toString('hex'),
        facts: page,
        checks: [],
        entriesHash: createHash('sha256').update(body).digest('hex'),
        entryCount: row[14],
      });
      expect(row[15]).toEqual(prev);
      expect(row[16]).toEqual(createHash('sha256').update(prev).update(canonical, 'utf8').digest());
      prev = row[16] as Buffer;
    }
    expect(state.head).toEqual(['43', prev]);
  });
});
