import { DateTime } from 'luxon';
import { v7 as uuidv7 } from 'uuid';
import { DataSource } from 'typeorm';
import { CustomersService } from '../../src/modules/customers/customers.service';
import { CustomerEntity } from '../../src/modules/customers/entities/customer.entity';
import {
  CampaignEntity,
  CampaignStatus,
  Channel,
} from '../../src/modules/outreach/entities/campaign.entity';
import { TaskEntity, TaskStatus } from '../../src/modules/outreach/entities/task.entity';
import type { TestApp } from './test-app';

let n = 0;

/** A customer with every personal field set (factory, through the service so fields are encrypted). */
export async function makeCustomer(t: TestApp): Promise<CustomerEntity> {
  n++;
  const tag = `${Date.now()}${n}`;
  return t.app.get(CustomersService).create({
    externalRef: `authz-${tag}`,
    firstName: 'Jonathan',
    lastName: `Doe${n}`,
    email: `jonathan.doe.${tag}@example.com`,
    phone: `+1212${2000000 + Math.floor(Math.random() * 7999999)}`,
    addressLine: `${n} Elm Street`,
    city: 'Springfield',
    state: 'NY',
    zip: '10001',
    dateOfBirth: '1980-01-02',
    ssn: `123-45-${String(1000 + (n % 9000)).padStart(4, '0')}`,
    accountRef: `ACCT-${tag}`,
    balance: '120.50',
  });
}

export async function makeCampaign(
  t: TestApp,
  teamId: string,
  ownerId: string,
): Promise<CampaignEntity> {
  const repo = t.app.get(DataSource).getRepository(CampaignEntity);
  const now = new Date();
  return repo.save(
    repo.create({
      id: uuidv7(),
      name: `Campaign ${++n}`,
      channel: Channel.Call,
      status: CampaignStatus.Draft,
      teamId,
      ownerId,
      createdAt: now,
      updatedAt: now,
    }),
  );
}

export async function makeTask(
  t: TestApp,
  campaign: CampaignEntity,
  customer: CustomerEntity,
  assigneeId: string | null,
): Promise<TaskEntity> {
  const repo = t.app.get(DataSource).getRepository(TaskEntity);
  const now = new Date();
  return repo.save(
    repo.create({
      id: uuidv7(),
      campaignId: campaign.id,
      customerId: customer.id,
      assigneeId,
      teamId: campaign.teamId,
      status: TaskStatus.Pending,
      dueAt: null,
      createdAt: now,
      updatedAt: now,
    }),
  );
}

/** An IANA zone where it is now between 11:00 and 17:00, so the legal-hours rules pass at any test time. */
export function middayZone(): string {
  for (let offset = -12; offset <= 14; offset++) {
    const zone = offset === 0 ? 'Etc/GMT' : `Etc/GMT${offset > 0 ? '-' : '+'}${Math.abs(offset)}`;
    const hour = DateTime.now().setZone(zone).hour;
    if (hour >= 11 && hour <= 16) return zone;
  }
  throw new Error('no midday zone');
}

/**
 * A customer where it is midday (email address on file), an email campaign of `teamId` open all
 * day with this template, and a pending task of it for the agent.
 */
export async function emailTask(
  t: TestApp,
  options: {
    teamId: string;
    ownerId: string;
    agentId: string;
    template: string;
    firstName?: string;
  },
): Promise<{ customer: CustomerEntity; campaign: CampaignEntity; task: TaskEntity }> {
  const tag = `${Date.now()}${Math.floor(Math.random() * 1000)}`;
  const customer = await t.app.get(CustomersService).create({
    externalRef: `email-${tag}`,
    firstName: options.firstName ?? 'Dana',
    email: `dana.${tag}@example.com`,
    timezone: middayZone(),
  });
  const made = await makeCampaign(t, options.teamId, options.ownerId);
  const repo = t.app.get(DataSource).getRepository(CampaignEntity);
  await repo.update(
    { id: made.id },
    {
      channel: Channel.Email,
      windowStart: '00:00',
      windowEnd: '23:59',
      messageTemplate: options.template,
    },
  );
  const campaign = await repo.findOneByOrFail({ id: made.id });
  const task = await makeTask(t, campaign, customer, options.agentId);
  return { customer, campaign, task };
}
