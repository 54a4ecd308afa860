import { inTransaction } from '../../core/database/transaction';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, In } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { CryptoService } from '../crypto/crypto.service';
import { CustomerEntity, PhoneType } from './entities/customer.entity';

export interface NewCustomer {
  externalRef: string;
  firstName?: string | null;
  lastName?: string | null;
  email?: string | null;
  phone?: string | null;
  phoneType?: PhoneType;
  addressLine?: string | null;
  city?: string | null;
  state?: string | null;
  zip?: string | null;
  timezone?: string | null;
  dateOfBirth?: string | null;
  ssn?: string | null;
  accountRef?: string | null;
  balance?: string;
  tags?: string[] | null;
}

/** Who a campaign reaches, over clear columns only (no decryption to select an audience). */
export interface AudienceFilter {
  states?: string[];
  minBalance?: string;
  maxBalance?: string;
  tags?: string[];
  statuses?: string[];
  customerIds?: string[];
  /**
   * Customers with at least one debt in these statuses; a campaign launch then makes one task per
   * such debt (naming it) instead of one per customer.
   */
  debtStatuses?: string[];
}

/** How complete the stored phone zones are (compliance's zone data health). */
/**
 * What the compliance facts of a contact read of a customer. A CustomerEntity is one; an audience
 * slice's rows are plain objects with `phone` null (their stored zones and region stand for it).
 */
export type ContactSubject = Pick<
  CustomerEntity,
  | 'id'
  | 'timezone'
  | 'state'
  | 'zip'
  | 'phoneZones'
  | 'phoneRegion'
  | 'phoneType'
  | 'phoneBidx'
  | 'emailBidx'
  | 'contactWindowStart'
  | 'contactWindowEnd'
  | 'phone'
>;

/** One page of an audience as SQL: `sql` selects the ids of exactly its customers (`c.id`). */
export interface AudienceSlice {
  sql: string;
  params: unknown[];
}

interface SubjectRow {
  id: string;
  timezone: string | null;
  state: string | null;
  zip: string | null;
  phone_zones: string | null;
  phone_region: string | null;
  phone_type: PhoneType;
  phone_bidx: Buffer | null;
  email_bidx: Buffer | null;
  contact_window_start: string | null;
  contact_window_end: string | null;
  needs_phone: number | string;
}

export interface PhoneZoneCounts {
  /** Customers whose area code the zone data does not know. */
  unknown: number;
  /** Customers with nothing to place them by (no phone, zip, state or time zone). */
  without: number;
  /** Customers with a phone whose zones were never derived (written before the column). */
  pending: number;
}

const AUDIENCE_FROM = 'FROM `customers` `c`';

/**
 * An audience statement that reads customers in id order without the status index. Nearly every
 * customer is active, so that index selects nothing; the optimizer prefers it for `status = ?`
 * and then looks every row up by primary key (3x the time of reading the primary key's range in
 * order, measured on 100,000 customers). Without it, a broad audience reads the primary key's
 * range and a selective one (one state) the index that selects it.
 */
function scanningById(sql: string): string {
  if (!sql.includes(AUDIENCE_FROM)) throw new Error('not an audience statement over customers c');
  return sql.replace(AUDIENCE_FROM, `${AUDIENCE_FROM} IGNORE INDEX (ix_customers_status)`);
}

/**
 * Customer records: the only place that queries the customers table; other modules come here.
 * Services read and write plaintext; the entity encrypts.
 */
@Injectable()
export class CustomersService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly crypto: CryptoService,
  ) {}

  /** Builds (does not save) a customer; its per-subject key must exist first. */
  async build(input: NewCustomer, manager?: EntityManager): Promise<CustomerEntity> {
    const customer = new CustomerEntity();
    customer.id = uuidv7();
    // Date of birth and SSN use the customer's own key (shredded on erasure): made only when needed.
    if (input.dateOfBirth || input.ssn) await this.crypto.ensureSubjectKey(customer.id, manager);
    customer.externalRef = input.externalRef;
    customer.firstName = input.firstName ?? null;
    customer.lastName = input.lastName ?? null;
    customer.email = input.email ?? null;
    customer.phone = input.phone ?? null;
    customer.phoneType = input.phoneType ?? PhoneType.Unknown;
    customer.addressLine = input.addressLine ?? null;
    customer.city = input.city ?? null;
    customer.state = input.state ?? null;
    customer.zip = input.zip ?? null;
    customer.timezone = input.timezone ?? null;
    customer.dateOfBirth = input.dateOfBirth ?? null;
    customer.ssn = input.ssn ?? null;
    customer.accountRef = input.accountRef ?? null;
    customer.balance = input.balance ?? '0.00';
    customer.tags = input.tags ?? null;
    return customer;
  }

  /**
   * Builds (does not save) many customers, their per-subject keys made in one statement in `m`
   * (bulk imports: `build` would make each key in its own round trips).
   */
  async buildMany(inputs: NewCustomer[], m: EntityManager): Promise<CustomerEntity[]> {
    const built = await Promise.all(
      inputs.map((input) => this.build({ ...input, dateOfBirth: null, ssn: null })),
    );
    const keyed = built.filter((_, i) => inputs[i].dateOfBirth || inputs[i].ssn);
    await this.crypto.createSubjectKeys(
      keyed.map((c) => c.id),
      m,
    );
    built.forEach((c, i) => {
      c.dateOfBirth = inputs[i].dateOfBirth ?? null;
      c.ssn = inputs[i].ssn ?? null;
    });
    return built;
  }

  async create(input: NewCustomer, manager?: EntityManager): Promise<CustomerEntity> {
    const run = async (m: EntityManager) =>
      m.getRepository(CustomerEntity).save(await this.build(input, m));
    return inTransaction(this.dataSource, manager, run);
  }

  /** A customer by id; `withDeleted` includes soft-deleted ones (erasure, retention). */
  findById(
    id: string,
    manager?: EntityManager,
    { withDeleted = false }: { withDeleted?: boolean } = {},
  ): Promise<CustomerEntity | null> {
    return (manager ?? this.dataSource.manager)
      .getRepository(CustomerEntity)
      .findOne({ where: { id }, withDeleted });
  }

  /** Customers by id that are not soft-deleted (batch evaluation). */
  findByIds(ids: string[]): Promise<CustomerEntity[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.dataSource.getRepository(CustomerEntity).findBy({ id: In(ids) });
  }

  /**
   * Serializes work on one customer until the caller's transaction ends (counted limits: a check
   * and the write it allows must not interleave with another's).
   */
  async lockForUpdate(m: EntityManager, id: string): Promise<void> {
    await m.query('SELECT id FROM customers WHERE id = ? FOR UPDATE', [id]);
  }

  /** An audience in id order, a page at a time: active customers matching the filter. */
  async *audiencePages(filter: AudienceFilter, pageSize: number): AsyncGenerator<CustomerEntity[]> {
    let after: string | null = null;
    for (;;) {
      const qb = this.audienceQuery(filter).orderBy('c.id', 'ASC').take(pageSize);
      if (after) qb.andWhere('c.id > :after', { after });
      const page = await qb.getMany();
      if (page.length) yield page;
      if (page.length < pageSize) return;
      after = page[page.length - 1].id;
    }
  }

  /**
   * An audience in id order, a page at a time, as what the compliance facts of a contact read of
   * each customer (no entity built, no personal field decrypted: the phone's zones and region are
   * stored beside its ciphertext), with the page as SQL (`slice`: `SELECT c.id ...` of exactly
   * these customers), so their facts are joined to it in the database instead of sent back as
   * lists of ids. A row written before the zones were stored comes as the full entity.
   */
  async *audienceSlices(
    filter: AudienceFilter,
    pageSize: number,
  ): AsyncGenerator<{ subjects: ContactSubject[]; slice: AudienceSlice }> {
    let after: string | null = null;
    for (;;) {
      const qb = this.audienceQuery(filter)
        .select([
          'c.id AS id',
          'c.timezone AS timezone',
          'c.state AS state',
          'c.zip AS zip',
          'c.phone_zones AS phone_zones',
          'c.phone_region AS phone_region',
          'c.phone_type AS phone_type',
          'c.phone_bidx AS phone_bidx',
          'c.email_bidx AS email_bidx',
          'c.contact_window_start AS contact_window_start',
          'c.contact_window_end AS contact_window_end',
          '(c.phone_zones IS NULL AND c.phone_enc IS NOT NULL) AS needs_phone',
        ])
        .orderBy('c.id', 'ASC')
        .limit(pageSize);
      if (after) qb.andWhere('c.id > :after', { after });
      const [sql, params] = qb.getQueryAndParameters();
      const rows = await this.dataSource.query<SubjectRow[]>(scanningById(sql), params);
      if (rows.length === 0) return;
      const first = rows[0].id;
      const last = rows[rows.length - 1].id;
      const subjects: ContactSubject[] = rows.map((r) => ({
        id: r.id,
        timezone: r.timezone,
        state: r.state,
        zip: r.zip,
        phoneZones: r.phone_zones,
        phoneRegion: r.phone_region,
        phoneType: r.phone_type,
        phoneBidx: r.phone_bidx,
        emailBidx: r.email_bidx,
        contactWindowStart: r.contact_window_start,
        contactWindowEnd: r.contact_window_end,
        phone: null,
      }));
      const stale = rows.filter((r) => Number(r.needs_phone) === 1).map((r) => r.id);
      if (stale.length) {
        const full = new Map((await this.findByIds(stale)).map((c) => [c.id, c]));
        for (let i = 0; i < subjects.length; i++)
          subjects[i] = full.get(subjects[i].id) ?? subjects[i];
      }
      const [sliceSql, sliceParams] = this.audienceQuery(filter)
        .select('c.id', 'id')
        .andWhere('c.id >= :first AND c.id <= :last', { first, last })
        .getQueryAndParameters();
      yield { subjects, slice: { sql: scanningById(sliceSql), params: sliceParams } };
      if (rows.length < pageSize) return;
      after = last;
    }
  }

  /** The audience filter's WHERE over `customers c` (no order, no paging). */
  private audienceQuery(filter: AudienceFilter) {
    const qb = this.dataSource
      .getRepository(CustomerEntity)
      .createQueryBuilder('c')
      .where('c.status = :active', { active: 'active' })
      // A restriction (GDPR Art. 18) takes a customer out of every audience until lifted.
      .andWhere('c.processing_restricted_at IS NULL');
    if (filter.customerIds?.length) qb.andWhere('c.id IN (:...ids)', { ids: filter.customerIds });
    if (filter.states?.length) qb.andWhere('c.state IN (:...states)', { states: filter.states });
    if (filter.statuses?.length)
      qb.andWhere('c.status IN (:...statuses)', { statuses: filter.statuses });
    if (filter.minBalance)
      qb.andWhere('c.balance >= :minBalance', { minBalance: filter.minBalance });
    if (filter.maxBalance)
      qb.andWhere('c.balance <= :maxBalance', { maxBalance: filter.maxBalance });
    if (filter.tags?.length)
      qb.andWhere('JSON_OVERLAPS(c.tags, :tags)', { tags: JSON.stringify(filter.tags) });
    if (filter.debtStatuses?.length)
      qb.andWhere(
        'EXISTS (SELECT 1 FROM debts ad WHERE ad.customer_id = c.id AND ad.status IN (:...debtStatuses))',
        { debtStatuses: filter.debtStatuses },
      );
    return qb;
  }

  async phoneZoneCounts(): Promise<PhoneZoneCounts> {
    const [counts] = await this.dataSource.query<
      { unknown: string | null; without: string | null; pending: string | null }[]
    >(
      `SELECT SUM(phone_zones = '*') AS unknown,
              SUM(COALESCE(phone_zones, '') = '' AND phone_enc IS NULL AND zip IS NULL
                  AND state IS NULL AND timezone IS NULL) AS without,
              SUM(phone_zones IS NULL AND phone_enc IS NOT NULL) AS pending
         FROM customers WHERE deleted_at IS NULL`,
    );
    return {
      unknown: Number(counts.unknown ?? 0),
      without: Number(counts.without ?? 0),
      pending: Number(counts.pending ?? 0),
    };
  }

  /** Up to `limit` customers whose phone's area code the zone data does not know. */
  withUnknownPhoneZones(limit: number): Promise<CustomerEntity[]> {
    return this.dataSource
      .getRepository(CustomerEntity)
      .createQueryBuilder('c')
      .where("c.phone_zones = '*'")
      .andWhere('c.deleted_at IS NULL')
      .limit(limit)
      .getMany();
  }

  /**
   * What a carrier reported of a customer's number (a delivery receipt: a landline), recorded only
   * while `phone` is still their primary number. Returns whether the type changed.
   */
  async setPrimaryPhoneType(
    m: EntityManager,
    customerId: string,
    phone: string,
    type: PhoneType,
  ): Promise<boolean> {
    const bidx = this.crypto.blindIndex('phone', phone);
    if (!bidx) return false;
    const changed = await m
      .createQueryBuilder()
      .update(CustomerEntity)
      .set({ phoneType: type })
      .where('id = :customerId AND phone_bidx = :bidx AND phone_type <> :type', {
        customerId,
        bidx,
        type,
      })
      .execute();
    return (changed.affected ?? 0) > 0;
  }

  /** One indexed lookup on the blind index: no scan, no decryption. */
  async findByEmail(email: string): Promise<CustomerEntity[]> {
    const bidx = this.crypto.blindIndex('email', email);
    return bidx ? this.dataSource.getRepository(CustomerEntity).findBy({ emailBidx: bidx }) : [];
  }

  async findByPhone(phone: string): Promise<CustomerEntity[]> {
    const bidx = this.crypto.blindIndex('phone', phone);
    return bidx ? this.dataSource.getRepository(CustomerEntity).findBy({ phoneBidx: bidx }) : [];
  }
}
