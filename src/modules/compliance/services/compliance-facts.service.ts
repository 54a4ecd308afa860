import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { CustomersService } from '../../customers/customers.service';
import { CryptoService } from '../../crypto/crypto.service';
import { AudienceSlice, ContactSubject, CustomerEntity, PhoneType } from '../../customers';
import { DEFAULT_RULES } from '../rules/default-rules';
import type {
  AttemptFact,
  BanFact,
  CeaseException,
  CeaseFact,
  ConsentFact,
  ContactChannel,
  ContactFacts,
  ContactPurpose,
  NumberType,
  RuleSet,
} from '../rules/types';
import { candidateZones, phoneRegionOf, zipInfo } from '../rules/zones';

export const RULES_SETTING = 'compliance.rules';
const HISTORY_DAYS = 31;
const CHUNK = 10000;

interface ConsentRow {
  id: string;
  evidence_hash: Buffer | null;
  customer_id: string;
  channel: ContactChannel;
  purpose: ContactPurpose;
  granted: number;
  effective_at: Date;
  expires_at: Date | null;
}
interface BanRow {
  id: string;
  customer_id: string | null;
  channel: ContactChannel | null;
  scope: 'person' | 'address';
  address_bidx: Buffer | null;
  reason: string | null;
}
interface CeaseRow {
  customer_id: string;
  debt_id: string | null;
  received_at: Date;
}
interface AttemptRow {
  id: string;
  customer_id: string;
  channel: ContactChannel;
  purpose: ContactPurpose;
  debt_id: string | null;
  occurred_at: Date;
  consumer_initiated: number;
  conversation: number;
  with_consent: number;
  to_type: NumberType;
}

/** Rows by key, in their order; rows whose key is null are left out. One pass, no copies. */
function groupBy<T>(rows: T[], keyOf: (row: T) => string | null): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const key = keyOf(row);
    if (key === null) continue;
    const group = groups.get(key);
    if (group) group.push(row);
    else groups.set(key, [row]);
  }
  return groups;
}

/** A page's history rows, by customer (address bans by the address's blind index, hex). */
interface History {
  consentsOf: Map<string, ConsentRow[]>;
  attemptsOf: Map<string, AttemptRow[]>;
  personBans: Map<string, BanRow[]>;
  addressBans: Map<string, BanRow[]>;
  ceasesOf: Map<string, CeaseRow[]>;
}

/** The facts of one page of customers (ComplianceFactsService.pageFacts). */
export interface AudiencePageFacts {
  readonly customers: ContactSubject[];
  /** The customer's facts, built on each call. */
  factsOf(c: ContactSubject): ContactFacts;
  /**
   * For a customer with no history on file (no consent, ban, attempt or cease): a key such that
   * two customers with the same key have equal facts (so equal decisions); null otherwise, or when
   * the facts read more than the stored fields (a phone written before its zones were stored).
   */
  shapeOf(c: ContactSubject): string | null;
}

/** What a null field is in a shape (no stored value contains it, nor the separator). */
const NULL_FIELD = '\u0001';
const SEPARATOR = '\u0000';

/**
 * The shape of a history-free customer's facts for `request` at its primary address: every
 * subject field factsOf reads, spelled out (a field added to factsOf must be added here; the
 * spec checks equal shapes give equal facts). Null when the phone must be decrypted or another
 * address is named.
 */
export function subjectShape(c: ContactSubject, request: ContactRequest): string | null {
  if (request.to || c.phoneZones === null) return null;
  const bidx = request.channel === 'email' ? c.emailBidx : c.phoneBidx;
  // One string built in one expression (a precheck builds one a customer).
  return (
    field(c.timezone) +
    field(c.state) +
    field(c.zip) +
    field(c.phoneZones) +
    field(c.phoneRegion) +
    field(c.phoneType) +
    field(bidx ? 'addressed' : null) +
    field(c.contactWindowStart) +
    field(c.contactWindowEnd)
  );
}

function field(value: string | null): string {
  return (value ?? NULL_FIELD) + SEPARATOR;
}

/** One customer's facts from its target and its page's history rows. */
function factsOf(
  c: ContactSubject,
  target: Target,
  request: ContactRequest,
  history: History,
  addressBans: BanRow[] | undefined,
): ContactFacts {
  const bans = [...(history.personBans.get(c.id) ?? []), ...(addressBans ?? [])];
  return {
    channel: request.channel,
    purpose: request.purpose,
    at: request.at,
    zones: candidateZones({
      timezone: c.timezone,
      phone: target.phone,
      phoneZones: target.phoneZones,
      state: c.state,
      zip: c.zip,
    }),
    state: c.state,
    zipState: zipInfo(c.zip)?.state ?? null,
    phoneState: target.phone ? phoneRegionOf(target.phone) || null : target.phoneState,
    toType: target.toType,
    debtId: request.debtId ?? null,
    consents: (history.consentsOf.get(c.id) ?? []).map((r): ConsentFact => ({
      id: r.id,
      evidenceHash: r.evidence_hash ? r.evidence_hash.toString('hex') : null,
      channel: r.channel,
      purpose: r.purpose,
      granted: Boolean(r.granted),
      at: r.effective_at,
      expiresAt: r.expires_at,
    })),
    bans: bans.map((b): BanFact => ({
      id: b.id,
      channel: b.channel,
      scope: b.scope,
      reason: b.reason ?? undefined,
    })),
    attempts: (history.attemptsOf.get(c.id) ?? []).map((r): AttemptFact => ({
      id: r.id,
      channel: r.channel,
      purpose: r.purpose,
      at: r.occurred_at,
      debtId: r.debt_id,
      consumerInitiated: Boolean(r.consumer_initiated),
      conversation: Boolean(r.conversation),
      withConsent: Boolean(r.with_consent),
      toType: r.to_type,
    })),
    preferredWindow:
      c.contactWindowStart && c.contactWindowEnd
        ? { start: c.contactWindowStart, end: c.contactWindowEnd }
        : null,
    campaignWindow: request.campaignWindow ?? null,
    ceases: (history.ceasesOf.get(c.id) ?? []).map((r): CeaseFact => ({
      debtId: r.debt_id,
      at: r.received_at,
    })),
    ceaseException: request.ceaseException ?? null,
  };
}

/**
 * Where a contact goes: its blind index, number type, and either the number itself or what is
 * stored in clear beside its ciphertext (the area code's zones and state), so batches decrypt none.
 */
interface Target {
  bidx: Buffer | null;
  toType: NumberType;
  phone: string | null;
  phoneZones: string | null;
  phoneState: string | null;
}

export interface ContactRequest {
  channel: ContactChannel;
  purpose: ContactPurpose;
  at: Date;
  /** The exact number or address; default the customer's primary one. */
  to?: string | null;
  debtId?: string | null;
  campaignWindow?: { start: string; end: string } | null;
  /** The communication is one a cease request still allows (12 CFR 1006.6(c)(1)(i)-(iii)). */
  ceaseException?: CeaseException | null;
}

/**
 * Gathers the facts the rules engine decides on, set-based: one query per kind of fact for any
 * number of customers (chunked), never one round trip per customer.
 */
@Injectable()
export class ComplianceFactsService {
  private rules?: { value: RuleSet; at: number };

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly crypto: CryptoService,
    private readonly customerRecords: CustomersService,
  ) {}

  /** The active rule set: the admins' copy in settings, else the shipped defaults (cached 5 s). */
  async ruleSet(): Promise<RuleSet> {
    if (this.rules && Date.now() - this.rules.at < 5000) return this.rules.value;
    const rows = await this.dataSource.query<{ value: string | RuleSet }[]>(
      'SELECT value FROM app_settings WHERE `key` = ?',
      [RULES_SETTING],
    );
    const raw = rows[0]?.value;
    const value = raw
      ? typeof raw === 'string'
        ? (JSON.parse(raw) as RuleSet)
        : raw
      : DEFAULT_RULES;
    this.rules = { value, at: Date.now() };
    return value;
  }

  forgetRuleSet(): void {
    this.rules = undefined;
  }

  /**
   * Facts for each customer (same request for all), keyed by customer id. With `slice` (the
   * customers are one audience page, `slice.sql` selecting their ids), every fact is read by
   * joining to that page in the database, not by sending its ids back as lists; the request is
   * then to each one's primary address.
   */
  async factsFor(
    customers: ContactSubject[],
    request: ContactRequest,
    slice?: AudienceSlice,
  ): Promise<Map<string, ContactFacts>> {
    const out = new Map<string, ContactFacts>();
    for (let i = 0; i < customers.length; i += CHUNK) {
      const page = await this.pageFacts(customers.slice(i, i + CHUNK), request, slice);
      for (const c of page.customers) out.set(c.id, page.factsOf(c));
    }
    return out;
  }

  /**
   * The facts of one page of at most CHUNK customers (an audience page with `slice`), read with one
   * query per kind of fact; each customer's facts are built only when asked for (`factsOf`), and a
   * customer with no history on file has a shape (`shapeOf`) that its facts depend on alone.
   */
  async pageFacts(
    customers: ContactSubject[],
    request: ContactRequest,
    slice?: AudienceSlice,
  ): Promise<AudiencePageFacts> {
    if (slice && request.to) throw new Error('an audience slice is decided at primary addresses');
    if (customers.length > CHUNK) throw new Error(`a page holds at most ${CHUNK} customers`);
    // A page's targets are built as its facts are: most customers of a precheck need none.
    const targets = slice ? null : new Map(customers.map((c) => [c.id, this.target(c, request)]));
    const since = new Date(request.at.getTime() - HISTORY_DAYS * 86400_000);
    // Whose facts: the page's ids as a list, or the page itself as a subquery.
    const whose = slice ? `(${slice.sql})` : '(?)';
    const who = slice ? slice.params : [customers.map((c) => c.id)];
    const bidxColumn = request.channel === 'email' ? 'email_bidx' : 'phone_bidx';
    const bidxes = targets
      ? [...targets.values()].map((t) => t.bidx).filter((b): b is Buffer => b !== null)
      : null;
    const none = customers.length === 0;
    const [consents, personBanRows, addressBanRows, attempts, ceaseRows] = none
      ? [[], [], [], [], []]
      : await Promise.all([
          this.dataSource.query<ConsentRow[]>(
            `SELECT id, evidence_hash, customer_id, channel, purpose, granted, effective_at, expires_at FROM consents
              WHERE customer_id IN ${whose} AND channel = ?`,
            [...who, request.channel],
          ),
          // Two queries, not one with OR: each then uses its own index.
          this.dataSource.query<BanRow[]>(
            `SELECT id, customer_id, channel, scope, address_bidx, reason FROM dnc_entries
              WHERE customer_id IN ${whose} AND scope = 'person'`,
            who,
          ),
          slice
            ? this.dataSource.query<BanRow[]>(
                `SELECT id, customer_id, channel, scope, address_bidx, reason FROM dnc_entries
                  WHERE address_bidx IN (SELECT a.${bidxColumn} FROM customers a WHERE a.id IN ${whose})
                    AND scope = 'address'`,
                who,
              )
            : bidxes!.length
              ? this.dataSource.query<BanRow[]>(
                  `SELECT id, customer_id, channel, scope, address_bidx, reason FROM dnc_entries
                    WHERE address_bidx IN (?) AND scope = 'address'`,
                  [bidxes],
                )
              : Promise.resolve([] as BanRow[]),
          this.dataSource.query<AttemptRow[]>(
            `SELECT id, customer_id, channel, purpose, debt_id, occurred_at, consumer_initiated, conversation, with_consent, to_type
               FROM contact_attempts WHERE customer_id IN ${whose} AND occurred_at > ?`,
            [...who, since],
          ),
          // A cease request stops collection communications only (Reg F 1006.6(c)).
          request.purpose === 'collection'
            ? this.dataSource.query<CeaseRow[]>(
                `SELECT customer_id, debt_id, received_at FROM cease_requests WHERE customer_id IN ${whose}`,
                who,
              )
            : Promise.resolve([] as CeaseRow[]),
        ]);
    const history: History = {
      ceasesOf: groupBy(ceaseRows, (r) => r.customer_id),
      consentsOf: groupBy(consents, (r) => r.customer_id),
      attemptsOf: groupBy(attempts, (r) => r.customer_id),
      personBans: groupBy(personBanRows, (b) => b.customer_id),
      addressBans: groupBy(addressBanRows, (b) => b.address_bidx?.toString('hex') ?? null),
    };
    const targetOf = (c: ContactSubject) => targets?.get(c.id) ?? this.target(c, request);
    const addressBansOf = (c: ContactSubject): BanRow[] | undefined => {
      if (history.addressBans.size === 0) return undefined;
      const bidx = targetOf(c).bidx;
      return bidx ? history.addressBans.get(bidx.toString('hex')) : undefined;
    };
    const hasHistory = (c: ContactSubject) =>
      history.consentsOf.has(c.id) ||
      history.attemptsOf.has(c.id) ||
      history.personBans.has(c.id) ||
      history.ceasesOf.has(c.id) ||
      addressBansOf(c) !== undefined;
    return {
      customers,
      factsOf: (c) => factsOf(c, targetOf(c), request, history, addressBansOf(c)),
      shapeOf: (c) => (hasHistory(c) ? null : subjectShape(c, request)),
    };
  }

  /** Customers by id (not soft-deleted), for batch evaluation. */
  customers(ids: string[]): Promise<CustomerEntity[]> {
    return this.customerRecords.findByIds(ids);
  }

  /** The blind index and number type of the address a contact goes to (contact attempts record them). */
  addressOf(
    c: ContactSubject,
    request: Pick<ContactRequest, 'channel' | 'to'>,
  ): { bidx: Buffer | null; toType: NumberType } {
    const { bidx, toType } = this.target(c, request);
    return { bidx, toType };
  }

  /** Which address the contact goes to, its blind index and number type. */
  private target(c: ContactSubject, request: Pick<ContactRequest, 'channel' | 'to'>): Target {
    const kind = request.channel === 'email' ? 'email' : 'phone';
    // The primary address's blind index and the phone's region are stored: no decryption or
    // normalization unless another address was named (or the row predates the region column).
    const primaryBidx = kind === 'email' ? c.emailBidx : c.phoneBidx;
    const bidx = request.to ? this.crypto.blindIndex(kind, request.to) : primaryBidx;
    const isPrimary = Boolean(bidx && primaryBidx && bidx.equals(primaryBidx));
    const toType: NumberType =
      kind === 'email' || !isPrimary
        ? 'unknown'
        : c.phoneType === PhoneType.Mobile
          ? 'cell'
          : c.phoneType === PhoneType.Landline
            ? 'home'
            : 'unknown';
    const none = { phone: null, phoneZones: null, phoneState: null };
    if (kind === 'phone' && request.to && !isPrimary)
      return { bidx, toType, ...none, phone: request.to };
    if (c.phoneZones !== null)
      return { bidx, toType, ...none, phoneZones: c.phoneZones, phoneState: c.phoneRegion || null };
    // Written before the zones were stored: decrypt once (the next write of the phone stores them).
    const phone = c.phone;
    if (!phone) return { bidx, toType, ...none, phoneZones: '' };
    return { bidx, toType, ...none, phone };
  }
}
