import fc from 'fast-check';
import type { DataSource } from 'typeorm';
import { PhoneType } from '../../customers/entities/customer.entity';
import type { ContactSubject } from '../../customers';
import type { CryptoService } from '../../crypto/crypto.service';
import type { CustomersService } from '../../customers/customers.service';
import { propertyRuns } from '../../../../test/utils/property-runs';
import { ComplianceFactsService, ContactRequest, subjectShape } from './compliance-facts.service';

const AT = new Date('2028-03-07T17:00:00.000Z');
const BIDX = Buffer.alloc(32, 7);

/** Rows the fake database answers, by the table a statement reads. */
type Rows = Partial<Record<'consents' | 'person' | 'address' | 'attempts' | 'cease', unknown[]>>;

function service(rows: Rows = {}): ComplianceFactsService {
  const query = (sql: string) => {
    if (sql.includes('FROM consents')) return Promise.resolve(rows.consents ?? []);
    if (sql.includes("scope = 'person'")) return Promise.resolve(rows.person ?? []);
    if (sql.includes("scope = 'address'")) return Promise.resolve(rows.address ?? []);
    if (sql.includes('FROM contact_attempts')) return Promise.resolve(rows.attempts ?? []);
    if (sql.includes('FROM cease_requests')) return Promise.resolve(rows.cease ?? []);
    return Promise.reject(new Error(`unexpected statement: ${sql}`));
  };
  return new ComplianceFactsService(
    { query } as unknown as DataSource,
    {} as CryptoService,
    {} as CustomersService,
  );
}

/** Subjects from small domains, so that many share a shape and many differ by one field. */
const subjects = fc.record({
  timezone: fc.constantFrom(null, 'America/New_York', 'America/Chicago'),
  state: fc.constantFrom(null, 'NY', 'TX', 'AZ'),
  zip: fc.constantFrom(null, '10001', '75001', '85001', '00000'),
  phoneZones: fc.constantFrom('', '*', 'America/New_York', 'America/Chicago,America/Denver'),
  phoneRegion: fc.constantFrom(null, '', 'NY', 'TX'),
  phoneType: fc.constantFrom(PhoneType.Mobile, PhoneType.Landline, PhoneType.Unknown),
  phoneBidx: fc.constantFrom(null, BIDX),
  emailBidx: fc.constantFrom(null, BIDX),
  contactWindowStart: fc.constantFrom(null, '09:00', '10:00'),
  contactWindowEnd: fc.constantFrom(null, '17:00'),
});

const FIELDS = { minLength: 10, maxLength: 10 };

const requests = fc.record({
  channel: fc.constantFrom('call' as const, 'sms' as const, 'email' as const),
  purpose: fc.constantFrom('collection' as const, 'marketing' as const),
});

async function factsOf(c: ContactSubject, request: ContactRequest) {
  const page = await service().pageFacts([c], request);
  return page.factsOf(c);
}

describe('ComplianceFactsService: shapes of history-free customers', () => {
  it('gives two customers the same shape only when their facts are equal, and different shapes often', async () => {
    let same = 0;
    let different = 0;
    await fc.assert(
      fc.asyncProperty(
        subjects,
        subjects,
        fc.array(fc.nat(9), FIELDS),
        requests,
        async (a, b, pick, kind) => {
          const request: ContactRequest = { ...kind, at: AT };
          const x: ContactSubject = { ...a, id: 'a', phone: null };
          // y: x with a few fields (each 1 in 10) taken from b, so that shapes often agree.
          const mixed = Object.fromEntries(
            Object.keys(a).map((k, i) => [
              k,
              pick[i] === 0 ? b[k as keyof typeof b] : a[k as keyof typeof a],
            ]),
          ) as typeof a;
          const y: ContactSubject = { ...mixed, id: 'b', phone: null };
          const [fx, fy] = [await factsOf(x, request), await factsOf(y, request)];
          const [sx, sy] = [subjectShape(x, request), subjectShape(y, request)];
          expect(sx).not.toBeNull();
          if (sx === sy) {
            same++;
            expect(fx).toEqual(fy);
          } else different++;
        },
      ),
      { numRuns: propertyRuns(2000) },
    );
    // The property was tested both ways, not vacuously.
    expect(same).toBeGreaterThan(0);
    expect(different).toBeGreaterThan(0);
  });

  it('names no shape for a phone that must be decrypted or another address named', () => {
    const c: ContactSubject = {
      id: 'a',
      timezone: null,
      state: 'NY',
      zip: '10001',
      phoneZones: null,
      phoneRegion: null,
      phoneType: PhoneType.Mobile,
      phoneBidx: BIDX,
      emailBidx: null,
      contactWindowStart: null,
      contactWindowEnd: null,
      phone: '+12125550100',
    };
    expect(subjectShape(c, { channel: 'call', purpose: 'collection', at: AT })).toBeNull();
    expect(
      subjectShape(
        { ...c, phoneZones: 'America/New_York' },
        { channel: 'call', purpose: 'collection', at: AT, to: '+12125550101' },
      ),
    ).toBeNull();
  });

  it('names no shape for a customer with any history on file, and one for the others', async () => {
    const base = {
      timezone: null,
      state: 'NY',
      zip: '10001',
      phoneZones: 'America/New_York',
      phoneRegion: 'NY',
      phoneType: PhoneType.Mobile,
      emailBidx: null,
      contactWindowStart: null,
      contactWindowEnd: null,
      phone: null,
    };
    const other = Buffer.alloc(32, 9);
    const customers: ContactSubject[] = [
      'consent',
      'person',
      'address',
      'attempt',
      'cease',
      'none',
    ].map((id) => ({ ...base, id, phoneBidx: id === 'address' ? BIDX : other }));
    const page = await service({
      consents: [
        {
          id: 'k',
          customer_id: 'consent',
          channel: 'call',
          purpose: 'collection',
          granted: 1,
          effective_at: AT,
          expires_at: null,
          evidence_hash: null,
        },
      ],
      person: [
        {
          id: 'p',
          customer_id: 'person',
          channel: null,
          scope: 'person',
          address_bidx: null,
          reason: null,
        },
      ],
      address: [
        {
          id: 'd',
          customer_id: null,
          channel: null,
          scope: 'address',
          address_bidx: BIDX,
          reason: null,
        },
      ],
      attempts: [
        {
          id: 't',
          customer_id: 'attempt',
          channel: 'call',
          purpose: 'collection',
          debt_id: null,
          occurred_at: AT,
          consumer_initiated: 0,
          conversation: 0,
          with_consent: 0,
          to_type: 'cell',
        },
      ],
      cease: [{ customer_id: 'cease', debt_id: null, received_at: AT }],
    }).pageFacts(customers, { channel: 'call', purpose: 'collection', at: AT });
    expect(customers.map((c) => page.shapeOf(c) !== null)).toEqual([
      false,
      false,
      false,
      false,
      false,
      true,
    ]);
    // The history is in the facts of those customers.
    expect(page.factsOf(customers[0]).consents).toHaveLength(1);
    expect(page.factsOf(customers[1]).bans).toHaveLength(1);
    expect(page.factsOf(customers[2]).bans).toHaveLength(1);
    expect(page.factsOf(customers[3]).attempts).toHaveLength(1);
    expect(page.factsOf(customers[4]).ceases).toHaveLength(1);
  });
});
