import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { IANAZone } from 'luxon';
import { DataSource, EntityManager } from 'typeorm';
import type { RequestContext } from '../../core/auth/request-context';
import { CUSTOMER_PII_FIELDS } from '../authorization';
import { AuditService } from '../audit/audit.service';
import { CryptoService } from '../crypto/crypto.service';
import { normalizePhone } from '../crypto';
import { CustomerAccessService } from './customer-access.service';
import { CustomersErrorCode, CustomersException } from './customers.exception';
import { CustomersService } from './customers.service';
import { zipInfo } from '../compliance';
import { CustomerFieldsInput, CreateCustomerInput } from './dto/customer-input.dto';
import { CustomerEntity } from './entities/customer.entity';

/** The fields a data subject may have corrected (GDPR Art. 16, CCPA 1798.106). */
export const RECTIFIABLE_FIELDS = [
  'firstName',
  'lastName',
  'email',
  'phone',
  'addressLine',
  'city',
  'state',
  'zip',
  'timezone',
  'dateOfBirth',
] as const;
export type RectifiableField = (typeof RECTIFIABLE_FIELDS)[number];
export type FieldValues = Partial<Record<RectifiableField, string | null>>;

/** Creating, updating and soft-deleting customers: inputs normalized, changes audited by field name only. */
@Injectable()
export class CustomerWritesService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly customers: CustomersService,
    private readonly access: CustomerAccessService,
    private readonly crypto: CryptoService,
    private readonly audit: AuditService,
  ) {}

  async create(input: CreateCustomerInput): Promise<CustomerEntity> {
    const clean = this.normalize(input);
    return this.dataSource.transaction(async (m) => {
      const customer = await this.customers.create({ ...clean, externalRef: input.externalRef }, m);
      if (clean.contactWindowStart || clean.contactWindowEnd) {
        await m.getRepository(CustomerEntity).update(
          { id: customer.id },
          {
            contactWindowStart: clean.contactWindowStart ?? null,
            contactWindowEnd: clean.contactWindowEnd ?? null,
          },
        );
      }
      await this.audit.record(
        {
          action: 'customer.created',
          resourceType: 'Customer',
          resourceId: customer.id,
          changes: { fields: Object.keys(clean) },
        },
        m,
      );
      return customer;
    });
  }

  async update(
    ctx: RequestContext,
    id: string,
    input: CustomerFieldsInput,
  ): Promise<CustomerEntity> {
    const visible = await this.access.get(ctx, id, 'update');
    const clean = this.normalize(input);
    return this.dataSource.transaction(async (m) => {
      const customer = (await m.getRepository(CustomerEntity).findOne({
        where: { id: visible.id },
        lock: { mode: 'pessimistic_write' },
      })) as CustomerEntity;
      if (clean.dateOfBirth !== undefined || clean.ssn !== undefined)
        await this.crypto.ensureSubjectKey(customer.id, m);
      for (const [k, v] of Object.entries(clean))
        (customer as unknown as Record<string, unknown>)[k] = v;
      await m.getRepository(CustomerEntity).save(customer);
      await this.audit.record(
        {
          action: 'customer.updated',
          resourceType: 'Customer',
          resourceId: id,
          changes: {
            fields: Object.keys(clean),
            personalFields: Object.keys(clean).filter((k) =>
              (CUSTOMER_PII_FIELDS as readonly string[]).includes(k),
            ),
          },
        },
        m,
      );
      return customer;
    });
  }

  /**
   * A data subject's corrections, in the caller's transaction: normalized like any update (a ZIP
   * may bring its time zone), null clears a field. Returns the previous and new values of what
   * changed, so the caller can audit them masked and keep the previous ones to reverse it.
   */
  async rectify(
    m: EntityManager,
    id: string,
    changes: FieldValues,
  ): Promise<{ before: FieldValues; after: FieldValues }> {
    const set = Object.fromEntries(
      Object.entries(changes).filter(([, v]) => v !== null),
    ) as CustomerFieldsInput;
    const clean: FieldValues = { ...(this.normalize(set) as FieldValues) };
    for (const [k, v] of Object.entries(changes))
      if (v === null) clean[k as RectifiableField] = null;
    const customer = await m.getRepository(CustomerEntity).findOne({
      where: { id },
      lock: { mode: 'pessimistic_write' },
      withDeleted: true,
    });
    if (!customer) throw new CustomersException(CustomersErrorCode.NOT_FOUND, 'Customer not found');
    const row = customer as unknown as Record<RectifiableField, string | null>;
    const before: FieldValues = {};
    const after: FieldValues = {};
    for (const [k, v] of Object.entries(clean) as [RectifiableField, string | null][]) {
      if (!(RECTIFIABLE_FIELDS as readonly string[]).includes(k) || row[k] === v) continue;
      before[k] = row[k] ?? null;
      after[k] = v ?? null;
      row[k] = v ?? null;
    }
    if (Object.keys(after).length === 0) return { before, after };
    if (after.dateOfBirth !== undefined) await this.crypto.ensureSubjectKey(customer.id, m);
    await m.getRepository(CustomerEntity).save(customer);
    return { before, after };
  }

  /** Soft deletion hides the customer everywhere; pending tasks are cancelled. */
  async remove(ctx: RequestContext, id: string): Promise<void> {
    const visible = await this.access.get(ctx, id, 'delete');
    await this.dataSource.transaction(async (m) => {
      await m.getRepository(CustomerEntity).softDelete({ id: visible.id });
      await m.query(
        "UPDATE tasks SET status = 'cancelled', updated_at = NOW(3) WHERE customer_id = ? AND status = 'pending'",
        [visible.id],
      );
      await this.audit.record(
        { action: 'customer.deleted', resourceType: 'Customer', resourceId: id },
        m,
      );
    });
  }

  private normalize(input: CustomerFieldsInput): CustomerFieldsInput {
    const out: CustomerFieldsInput = {};
    for (const [k, v] of Object.entries(input)) {
      if (v !== undefined && k !== 'id' && k !== 'externalRef')
        (out as Record<string, unknown>)[k] = typeof v === 'string' ? v.trim() : v;
    }
    if (out.phone) {
      const e164 = normalizePhone(out.phone);
      if (!e164)
        throw new CustomersException(
          CustomersErrorCode.INVALID_PHONE,
          'phone is not a valid phone number',
        );
      out.phone = e164;
    }
    if (out.timezone && !IANAZone.isValidZone(out.timezone))
      throw new CustomersException(
        CustomersErrorCode.INVALID_TIMEZONE,
        'timezone is not an IANA zone',
      );
    // A ZIP inside one zone names it; a ZIP across a zone line names none (the checks then use
    // every zone of the ZIP, see candidateZones).
    if (!out.timezone && out.zip) {
      const zones = zipInfo(out.zip)?.zones ?? [];
      if (zones.length === 1) out.timezone = zones[0];
    }
    if (out.dateOfBirth && Number.isNaN(Date.parse(out.dateOfBirth)))
      throw new CustomersException(CustomersErrorCode.INVALID_DATE, 'dateOfBirth is not a date');
    if (
      (out.contactWindowStart && !out.contactWindowEnd) ||
      (!out.contactWindowStart && out.contactWindowEnd)
    ) {
      throw new CustomersException(
        CustomersErrorCode.INVALID_WINDOW,
        'give both contactWindowStart and contactWindowEnd',
      );
    }
    return out;
  }
}
