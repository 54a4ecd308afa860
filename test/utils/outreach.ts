import { DateTime } from 'luxon';
import { v7 as uuidv7 } from 'uuid';
import { DataSource } from 'typeorm';
import { BrandEntityType, BrandStatus } from '../../src/modules/compliance/entities/brand.entity';
import {
  MessagingCampaignStatus,
  MessagingUseCase,
} from '../../src/modules/compliance/entities/messaging-campaign.entity';
import { TenDlcService } from '../../src/modules/compliance/services/ten-dlc.service';
import { CustomersService } from '../../src/modules/customers/customers.service';
import { ComplianceService } from '../../src/modules/compliance/compliance.service';
import { ConsentSource } from '../../src/modules/compliance/entities/consent.entity';
import { CustomerEntity, PhoneType } from '../../src/modules/customers/entities/customer.entity';
import {
  CampaignEntity,
  CampaignStatus,
  Channel,
} from '../../src/modules/outreach/entities/campaign.entity';
import { TaskEntity, TaskStatus } from '../../src/modules/outreach/entities/task.entity';
import type { TestApp } from './test-app';

let n = 0;

/**
 * A phone number under `prefix` (the digits after +1 that fix the area code, up to the 7-digit
 * subscriber part) that no customer in the shared test database has yet. Suites share the
 * database, so a random draw alone can repeat another suite's number and make a by-phone lookup
 * ambiguous; draw again until the blind index finds nobody.
 */
export async function unusedPhone(t: TestApp, prefix: string): Promise<string> {
  const free = 10 - prefix.length;
  for (;;) {
    const subscriber = String(
      2 * 10 ** (free - 1) + Math.floor(Math.random() * 7 * 10 ** (free - 1)),
    );
    const phone = `+1${prefix}${subscriber}`;
    if ((await t.app.get(CustomersService).findByPhone(phone)).length === 0) return phone;
  }
}

/** A customer with every personal field set (factory, through the service so fields are encrypted). */
export async function makeCustomer(t: TestApp): Promise<CustomerEntity> {
  n++;
  const tag = `${Date.now()}${n}`;
  return t.app.get(CustomersService).create({
    externalRef: `authz-${tag}`,
    firstName: 'Jonathan',
    lastName: `Doe${n}`,
    email: `jonathan.doe.${tag}@example.com`,
    phone: await unusedPhone(t, '212'),
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

/**
 * A verified 10DLC brand with an active messaging campaign and a pool of `senders` long codes, and
 * an SMS campaign of `teamId` on it, open all day, whose template names the brand and `Hi
 * {{first_name}}`.
 */
export async function textCampaign(
  t: TestApp,
  options: { teamId: string; ownerId: string; senders?: number },
): Promise<{ campaign: CampaignEntity; brandName: string; pool: string[]; template: string }> {
  const digits = (k: number) =>
    String(Date.now() * 1000 + Math.floor(Math.random() * 1000)).slice(-k);
  const brandName = `Text Recovery ${digits(4)}`;
  const tenDlc = t.app.get(TenDlcService);
  const brand = await tenDlc.registerBrand(
    {
      displayName: brandName,
      legalName: `${brandName} LLC`,
      entityType: BrandEntityType.PrivateProfit,
      ein: digits(9),
      vertical: 'FINANCIAL',
    },
    'test',
  );
  await tenDlc.recordBrandStatus(brand.id, BrandStatus.Verified, `B${digits(6)}`);
  const registered = await tenDlc.registerCampaign(
    {
      brandId: brand.id,
      useCase: MessagingUseCase.AccountNotification,
      description: 'Balance reminders.',
      messageFlow: 'Consumers give their mobile number and tick a consent box on the portal.',
      sampleMessages: [`${brandName}: this is a debt collector. Reply STOP to opt out.`],
      helpMessage: `${brandName}: help at support@text.example.`,
      optOutMessage: `${brandName}: you are unsubscribed and will receive no more messages.`,
      embeddedLinks: false,
      embeddedPhone: false,
    },
    'test',
  );
  await tenDlc.recordCampaignStatus(
    registered.id,
    MessagingCampaignStatus.Active,
    `C${digits(6)}`,
    null,
  );
  const pool: string[] = [];
  for (let i = 0; i < (options.senders ?? 2); i++)
    pool.push(
      (
        await tenDlc.addSenderNumber(
          registered.id,
          `+1646${2000000 + Math.floor(Math.random() * 7999999)}`,
          'test',
        )
      ).e164,
    );
  const template = `${brandName}: this is a debt collector. Hi {{first_name}}. Reply STOP to opt out.`;
  const made = await makeCampaign(t, options.teamId, options.ownerId);
  const repo = t.app.get(DataSource).getRepository(CampaignEntity);
  await repo.update(
    { id: made.id },
    {
      channel: Channel.Sms,
      windowStart: '00:00',
      windowEnd: '23:59',
      messageTemplate: template,
      messagingCampaignId: registered.id,
    },
  );
  return { campaign: await repo.findOneByOrFail({ id: made.id }), brandName, pool, template };
}

/**
 * A customer with a mobile number of their own (a unique 833 number, which carries no zone), where
 * it is midday, who gave written consent to collection texts.
 */
export async function smsCustomer(t: TestApp, prefix = 'sms'): Promise<CustomerEntity> {
  const digits = (k: number) =>
    String(Date.now() * 1000 + Math.floor(Math.random() * 1000)).slice(-k);
  const customer = await t.app.get(CustomersService).create({
    externalRef: `${prefix}-${digits(9)}`,
    firstName: 'Rosa',
    phone: await unusedPhone(t, '833'),
    phoneType: PhoneType.Mobile,
    timezone: middayZone(),
    balance: '80.00',
  });
  await t.app.get(ComplianceService).recordConsent({
    customerId: customer.id,
    channel: 'sms',
    purpose: 'collection',
    granted: true,
    source: ConsentSource.WebForm,
  });
  return customer;
}
