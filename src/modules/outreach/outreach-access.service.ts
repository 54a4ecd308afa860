import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, SelectQueryBuilder } from 'typeorm';
import type { RequestContext } from '../../core/auth/request-context';
import type { Action } from '../../core/authorization/allow.decorator';
import { BY_ID, cursorPage, EMPTY_PAGE, inOrderOf, Page } from '../../core/database/pagination';
import { accessibleSql } from '../authorization';
import { CampaignEntity } from './entities/campaign.entity';
import { TaskEntity, TaskStatus } from './entities/task.entity';
import { OutreachErrorCode, OutreachException } from './outreach.exception';

/** Campaign and task reads through the caller's row rules (see CustomerAccessService). */
@Injectable()
export class OutreachAccessService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  tasksScoped(ctx: RequestContext, action: Action = 'read'): SelectQueryBuilder<TaskEntity> | null {
    const acl = accessibleSql(ctx.ability, action, 'Task', 't');
    if (!acl) return null;
    return this.dataSource
      .getRepository(TaskEntity)
      .createQueryBuilder('t')
      .andWhere(acl.sql, acl.params);
  }

  campaignsScoped(
    ctx: RequestContext,
    action: Action = 'read',
  ): SelectQueryBuilder<CampaignEntity> | null {
    const acl = accessibleSql(ctx.ability, action, 'Campaign', 'k');
    if (!acl) return null;
    return this.dataSource
      .getRepository(CampaignEntity)
      .createQueryBuilder('k')
      .andWhere(acl.sql, acl.params);
  }

  async listTasks(
    ctx: RequestContext,
    filter: { status?: TaskStatus; campaignId?: string },
    first: number,
    after?: string,
  ): Promise<Page<TaskEntity>> {
    const qb = this.tasksScoped(ctx);
    if (!qb) return EMPTY_PAGE;
    if (filter.status) qb.andWhere('t.status = :status', { status: filter.status });
    if (filter.campaignId)
      qb.andWhere('t.campaign_id = :campaignId', { campaignId: filter.campaignId });
    return cursorPage(qb, BY_ID, first, after);
  }

  async getTask(ctx: RequestContext, id: string, action: Action = 'read'): Promise<TaskEntity> {
    const found = await this.tasksScoped(ctx, action)?.andWhere('t.id = :id', { id }).getOne();
    if (!found) throw new OutreachException(OutreachErrorCode.NOT_FOUND, 'Task not found');
    return found;
  }

  async listCampaigns(
    ctx: RequestContext,
    first: number,
    after?: string,
  ): Promise<Page<CampaignEntity>> {
    const qb = this.campaignsScoped(ctx);
    return qb ? cursorPage(qb, BY_ID, first, after) : EMPTY_PAGE;
  }

  async getCampaign(
    ctx: RequestContext,
    id: string,
    action: Action = 'read',
  ): Promise<CampaignEntity> {
    const found = await this.campaignsScoped(ctx, action)?.andWhere('k.id = :id', { id }).getOne();
    if (!found) throw new OutreachException(OutreachErrorCode.NOT_FOUND, 'Campaign not found');
    return found;
  }

  /** Visible tasks grouped by a key column (customer_id or campaign_id), for DataLoaders. */
  async tasksBy(
    ctx: RequestContext,
    column: 'customer_id' | 'campaign_id',
    keys: readonly string[],
  ): Promise<TaskEntity[][]> {
    const qb = this.tasksScoped(ctx);
    const rows = qb
      ? await qb
          .andWhere(`t.${column} IN (:...keys)`, { keys: [...keys] })
          .orderBy('t.id', 'ASC')
          .getMany()
      : [];
    const groups = new Map<string, TaskEntity[]>(keys.map((k) => [k, []]));
    for (const row of rows)
      groups.get(column === 'customer_id' ? row.customerId : row.campaignId)?.push(row);
    return keys.map((k) => groups.get(k) ?? []);
  }

  async campaignsByIds(
    ctx: RequestContext,
    ids: readonly string[],
  ): Promise<(CampaignEntity | null)[]> {
    const qb = this.campaignsScoped(ctx);
    return inOrderOf(
      ids,
      qb ? await qb.andWhere('k.id IN (:...ids)', { ids: [...ids] }).getMany() : [],
    );
  }
}
