import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, In, SelectQueryBuilder } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import type { RequestContext } from '../../core/auth/request-context';
import type { Action } from '../../core/authorization/allow.decorator';
import { accessibleSql } from '../authorization';
import { AuditService } from '../audit/audit.service';
import { CryptoService } from '../crypto/crypto.service';
import { normalizeAccountRef } from '../crypto';
import { CustomerAccessService } from './customer-access.service';
import { CustomersErrorCode, CustomersException } from './customers.exception';
import { CustomerEntity } from './entities/customer.entity';
import { DebtEntity, DebtStatus } from './entities/debt.entity';

export interface NewDebt {
  customerId: string;
  placementRef: string;
  creditor: string;
  accountRef: string;
  originalBalance: string;
  currentBalance: string;
  /** `YYYY-MM-DD`. */
  placedAt: string;
  validationNoticeAt?: Date | null;
  status?: DebtStatus;
}

/** `findDebts`: exactly one of these. */
export interface DebtLookup {
  phone?: string | null;
  email?: string | null;
  accountRef?: string | null;
}

/** Most debts one lookup or one customer's list returns. */
export const MAX_DEBTS_LISTED = 500;
const MONEY = /^\d{1,12}(\.\d{1,2})?$/;

/**
 * Debts: the only writer of the debts table besides the placement import. Reads go through the
 * caller's row rules on Debt and on the debt's customer, in the SQL: a debt is seen exactly where
 * its customer is, and a hidden one answers DEBT_NOT_FOUND like a missing one.
 */
@Injectable()
export class DebtsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly access: CustomerAccessService,
    private readonly crypto: CryptoService,
    private readonly audit: AuditService,
  ) {}

  /** Debts the caller may `action`, joined to customers they may see (not soft-deleted). */
  scoped(ctx: RequestContext, action: Action = 'read'): SelectQueryBuilder<DebtEntity> | null {
    const debtAcl = accessibleSql(ctx.ability, action, 'Debt', 'd');
    const customerAcl = accessibleSql(ctx.ability, 'read', 'Customer', 'c');
    if (!debtAcl || !customerAcl) return null;
    return this.dataSource
      .getRepository(DebtEntity)
      .createQueryBuilder('d')
      .innerJoin(CustomerEntity, 'c', 'c.id = d.customer_id AND c.deleted_at IS NULL')
      .andWhere(debtAcl.sql, debtAcl.params)
      .andWhere(customerAcl.sql, customerAcl.params);
  }

  async get(ctx: RequestContext, id: string, action: Action = 'read'): Promise<DebtEntity> {
    const found = await this.scoped(ctx, action)?.andWhere('d.id = :id', { id }).getOne();
    if (!found) throw new CustomersException(CustomersErrorCode.DEBT_NOT_FOUND, 'Debt not found');
    return found;
  }

  /**
   * A data subject's debts with their personal fields decrypted, oldest placement first, for
   * access and portability exports (read only; no row rules: the request was verified).
   */
  async debtsOfSubject(customerId: string, m?: EntityManager): Promise<Record<string, unknown>[]> {
    const rows = await (m ?? this.dataSource.manager)
      .getRepository(DebtEntity)
      .find({ where: { customerId }, order: { placedAt: 'ASC', id: 'ASC' } });
    return rows.map((d) => ({
      id: d.id,
      placementRef: d.placementRef,
      creditor: d.creditor,
      accountRef: d.accountRef,
      originalBalance: d.originalBalance,
      currentBalance: d.currentBalance,
      status: d.status,
      placedAt: d.placedAt,
      validationNoticeAt: d.validationNoticeAt,
      createdAt: d.createdAt,
      updatedAt: d.updatedAt,
    }));
  }

  /** A customer's debts, oldest placement first (NOT_FOUND when the customer is not visible). */
  async listOf(ctx: RequestContext, customerId: string): Promise<DebtEntity[]> {
    const customer = await this.access.get(ctx, customerId);
    return (
      this.scoped(ctx)
        ?.andWhere('d.customer_id = :customerId', { customerId: customer.id })
        .orderBy('d.placed_at', 'ASC')
        .addOrderBy('d.id', 'ASC')
        .take(MAX_DEBTS_LISTED)
        .getMany() ?? []
    );
  }

  /**
   * Debts by the consumer's phone or email, or by the account reference: one SQL query over the
   * blind indexes (customers.phone_bidx / email_bidx, debts.account_ref_bidx), the caller's row
   * rules in it; nothing is decrypted to find them.
   */
  async findDebts(ctx: RequestContext, lookup: DebtLookup): Promise<DebtEntity[]> {
    const given = (['phone', 'email', 'accountRef'] as const).filter((k) => lookup[k]);
    if (given.length !== 1)
      throw new CustomersException(
        CustomersErrorCode.INVALID_LOOKUP,
        'Give exactly one of phone, email or accountRef',
      );
    const [by] = given;
    const kind = by === 'accountRef' ? 'account' : by;
    const bidx = this.crypto.blindIndex(kind, lookup[by]!);
    if (!bidx)
      throw new CustomersException(CustomersErrorCode.INVALID_LOOKUP, `${by} is not valid`);
    const qb = this.scoped(ctx);
    if (!qb) return [];
    const column = {
      phone: 'c.phone_bidx',
      email: 'c.email_bidx',
      accountRef: 'd.account_ref_bidx',
    };
    return qb
      .andWhere(`${column[by]} = :bidx`, { bidx })
      .orderBy('d.customer_id', 'ASC')
      .addOrderBy('d.placed_at', 'ASC')
      .take(MAX_DEBTS_LISTED)
      .getMany();
  }

  async create(ctx: RequestContext, input: NewDebt): Promise<DebtEntity> {
    const customer = await this.access.get(ctx, input.customerId);
    const debt = this.build({ ...input, customerId: customer.id }, new Date());
    return this.dataSource.transaction(async (m) => {
      const taken = await m
        .getRepository(DebtEntity)
        .exists({ where: { placementRef: debt.placementRef } });
      if (taken)
        throw new CustomersException(
          CustomersErrorCode.DUPLICATE_PLACEMENT,
          'A debt with this placementRef exists',
        );
      await m.getRepository(DebtEntity).insert(debt);
      await this.audit.record(
        {
          action: 'debt.created',
          resourceType: 'Debt',
          resourceId: debt.id,
          changes: { customerId: customer.id, creditor: debt.creditor, status: debt.status },
        },
        m,
      );
      return debt;
    });
  }

  /** Builds (does not save) a debt, its fields checked and normalized. */
  build(input: NewDebt, now: Date): DebtEntity {
    if (!normalizeAccountRef(input.accountRef))
      throw new CustomersException(
        CustomersErrorCode.INVALID_DEBT,
        'accountRef: letters and digits, at most 64',
      );
    for (const [field, value] of [
      ['originalBalance', input.originalBalance],
      ['currentBalance', input.currentBalance],
    ] as const)
      if (!MONEY.test(value))
        throw new CustomersException(
          CustomersErrorCode.INVALID_DEBT,
          `${field} is an amount like 1234.50`,
        );
    if (Number.isNaN(Date.parse(input.placedAt)))
      throw new CustomersException(CustomersErrorCode.INVALID_DEBT, 'placedAt is not a date');
    const debt = new DebtEntity();
    debt.id = uuidv7();
    debt.customerId = input.customerId;
    debt.placementRef = input.placementRef;
    debt.creditor = input.creditor;
    debt.accountRef = input.accountRef;
    debt.originalBalance = Number(input.originalBalance).toFixed(2);
    debt.currentBalance = Number(input.currentBalance).toFixed(2);
    debt.status = input.status ?? DebtStatus.Active;
    debt.placedAt = input.placedAt.slice(0, 10);
    debt.validationNoticeAt = input.validationNoticeAt ?? null;
    debt.createdAt = now;
    debt.updatedAt = now;
    return debt;
  }

  async updateStatus(ctx: RequestContext, id: string, status: DebtStatus): Promise<DebtEntity> {
    const visible = await this.get(ctx, id, 'update');
    return this.dataSource.transaction(async (m) => {
      const debt = (await m
        .getRepository(DebtEntity)
        .findOne({ where: { id: visible.id }, lock: { mode: 'pessimistic_write' } })) as DebtEntity;
      const before = debt.status;
      if (before === status) return debt;
      debt.status = status;
      debt.updatedAt = new Date();
      await m
        .getRepository(DebtEntity)
        .update({ id: debt.id }, { status, updatedAt: debt.updatedAt });
      await this.audit.record(
        {
          action: 'debt.status_changed',
          resourceType: 'Debt',
          resourceId: debt.id,
          changes: { customerId: debt.customerId, before: { status: before }, after: { status } },
        },
        m,
      );
      return debt;
    });
  }

  /**
   * Whether `debtRef` may be named as a debt of `customerId` (cease requests, Reg F 1006.6(c)):
   * `ok` when it is one of theirs; `foreign` when it is another consumer's debt; `free` when it
   * names no debt on file and the customer has none either (a reference from before debts were
   * kept: accepted as given).
   */
  async debtOf(
    customerId: string,
    debtRef: string,
    m?: EntityManager,
  ): Promise<'ok' | 'foreign' | 'free'> {
    const [row] = await (m ?? this.dataSource.manager).query<
      { mine: string | null; other: string | null; any_of_customer: string | null }[]
    >(
      `SELECT (SELECT 1 FROM debts WHERE id = ? AND customer_id = ?) AS mine,
              (SELECT 1 FROM debts WHERE id = ? OR placement_ref = ? LIMIT 1) AS other,
              (SELECT 1 FROM debts WHERE customer_id = ? LIMIT 1) AS any_of_customer`,
      [debtRef, customerId, debtRef, debtRef, customerId],
    );
    if (row.mine) return 'ok';
    if (row.other || row.any_of_customer) return 'foreign';
    return 'free';
  }

  /**
   * The ids of the debts in `statuses` of each of `customerIds` (campaign launch: one task per
   * debt), placement order; read in the caller's transaction, 1,000 customers per query.
   */
  async debtIdsByCustomer(
    customerIds: string[],
    statuses: string[],
    m?: EntityManager,
  ): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    const repo = (m ?? this.dataSource.manager).getRepository(DebtEntity);
    for (let i = 0; i < customerIds.length; i += 1000) {
      const rows = await repo.find({
        select: { id: true, customerId: true },
        where: {
          customerId: In(customerIds.slice(i, i + 1000)),
          status: In(statuses as DebtStatus[]),
        },
        order: { placedAt: 'ASC', id: 'ASC' },
      });
      for (const r of rows) out.set(r.customerId, [...(out.get(r.customerId) ?? []), r.id]);
    }
    return out;
  }
}
