import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, SelectQueryBuilder } from 'typeorm';
import type { RequestContext } from '../../core/auth/request-context';
import type { Action } from '../../core/authorization/allow.decorator';
import { NotFoundAppException } from '../../core/errors/error-code';
import { accessibleSql } from '../authorization/utils/ability-sql';
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

  async list(ctx: RequestContext, filter: CustomerListFilter, first: number, after?: string) {
    const qb = this.scoped(ctx);
    if (!qb) return { items: [], nextCursor: null, totalCount: 0 };
    if (filter.state) qb.andWhere('c.state = :state', { state: filter.state });
    if (filter.status) qb.andWhere('c.status = :status', { status: filter.status });
    const totalCount = await qb.clone().getCount();
    if (after) qb.andWhere('c.id > :after', { after });
    const rows = await qb
      .orderBy('c.id', 'ASC')
      .take(first + 1)
      .getMany();
    const items = rows.slice(0, first);
    return {
      items,
      nextCursor: rows.length > first ? items[items.length - 1].id : null,
      totalCount,
    };
  }

  async get(ctx: RequestContext, id: string, action: Action = 'read'): Promise<CustomerEntity> {
    const found = await this.scoped(ctx, action)?.andWhere('c.id = :id', { id }).getOne();
    if (!found) throw new NotFoundAppException('Customer');
    return found;
  }

  /** For DataLoaders: the customers among `ids` the caller may see, in the order of `ids` (null where not). */
  async byIds(ctx: RequestContext, ids: readonly string[]): Promise<(CustomerEntity | null)[]> {
    const qb = this.scoped(ctx);
    const rows = qb ? await qb.andWhere('c.id IN (:...ids)', { ids: [...ids] }).getMany() : [];
    const byId = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => byId.get(id) ?? null);
  }
}
