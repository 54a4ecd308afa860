import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, SelectQueryBuilder } from 'typeorm';
import type { RequestContext } from '../../core/auth/request-context';
import type { Action } from '../../core/authorization/allow.decorator';
import { BY_ID, cursorPage, EMPTY_PAGE, inOrderOf, Page } from '../../core/database/pagination';
import { accessibleSql } from '../authorization';
import { customerColumnsFor } from './customer-columns';
import { CustomersErrorCode, CustomersException } from './customers.exception';
import { CustomerEntity, CustomerStatus } from './entities/customer.entity';

export interface CustomerListFilter {
  state?: string;
  status?: CustomerStatus;
}

/**
 * Customer reads through the caller's row rules: the rules become part of the SQL, so a customer the
 * caller may not see is neither fetched, nor counted, nor distinguishable from one that does not
 * exist (NOT_FOUND).
 */
@Injectable()
export class CustomerAccessService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  scoped(ctx: RequestContext, action: Action = 'read'): SelectQueryBuilder<CustomerEntity> | null {
    const acl = accessibleSql(ctx.ability, action, 'Customer', 'c');
    if (!acl) return null;
    return this.dataSource
      .getRepository(CustomerEntity)
      .createQueryBuilder('c')
      .andWhere(acl.sql, acl.params);
  }

  async list(
    ctx: RequestContext,
    filter: CustomerListFilter,
    first: number,
    after?: string,
    fields: readonly string[] | null = null,
  ): Promise<Page<CustomerEntity>> {
    const qb = this.scoped(ctx);
    if (!qb) return EMPTY_PAGE;
    // Only the columns the page's fields need: the rest of a customer row (two dozen columns,
    // most of them ciphertexts) costs parsing and hydration for nothing.
    const columns = customerColumnsFor(qb.expressionMap.mainAlias!.metadata, fields);
    if (columns) qb.select(columns.map((p) => `c.${p}`));
    if (filter.state) qb.andWhere('c.state = :state', { state: filter.state });
    if (filter.status) qb.andWhere('c.status = :status', { status: filter.status });
    return cursorPage(qb, BY_ID, first, after);
  }

  /** One customer the caller may act on; `includeDeleted` also finds soft-deleted records. */
  async get(
    ctx: RequestContext,
    id: string,
    action: Action = 'read',
    options: { includeDeleted?: boolean } = {},
  ): Promise<CustomerEntity> {
    const qb = this.scoped(ctx, action)?.andWhere('c.id = :id', { id });
    if (options.includeDeleted) qb?.withDeleted();
    const found = await qb?.getOne();
    if (!found) throw new CustomersException(CustomersErrorCode.NOT_FOUND, 'Customer not found');
    return found;
  }

  /** For DataLoaders: the customers among `ids` the caller may see, in the order of `ids` (null where not). */
  async byIds(ctx: RequestContext, ids: readonly string[]): Promise<(CustomerEntity | null)[]> {
    const qb = this.scoped(ctx);
    return inOrderOf(
      ids,
      qb ? await qb.andWhere('c.id IN (:...ids)', { ids: [...ids] }).getMany() : [],
    );
  }
}
