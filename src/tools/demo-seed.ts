// Demo data for `npm run seed` / `npm run dev`: a development tool of the composition root (like
// the CLI), so it writes through every module's entities directly; no module depends on it.
import type { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CustomersService } from '../modules/customers/customers.service';
import { CustomerEntity, PhoneType } from '../modules/customers/entities/customer.entity';
import { UsersService } from '../modules/identity/services/users.service';
import { ComplianceService } from '../modules/compliance/compliance.service';
import { ConsentSource } from '../modules/compliance/entities/consent.entity';
import {
  CampaignEntity,
  CampaignStatus,
  Channel,
} from '../modules/outreach/entities/campaign.entity';
import { v7 as uuidv7 } from 'uuid';
import {
  BrandEntity,
  BrandEntityType,
  BrandStatus,
} from '../modules/compliance/entities/brand.entity';
import {
  MessagingCampaignStatus,
  MessagingUseCase,
} from '../modules/compliance/entities/messaging-campaign.entity';
import { TenDlcService } from '../modules/compliance/services/ten-dlc.service';

export const DEMO_PASSWORD = 'Demo-only pass phrase 2026';

export const DEMO_USERS = [
  { email: 'admin@demo.callwarden.test', displayName: 'Ada Admin', role: 'admin', teamId: null },
  {
    email: 'manager@demo.callwarden.test',
    displayName: 'Manny Manager',
    role: 'manager',
    teamId: 'team-east',
  },
  {
    email: 'agent@demo.callwarden.test',
    displayName: 'Agnes Agent',
    role: 'agent',
    teamId: 'team-east',
  },
  {
    email: 'agent2@demo.callwarden.test',
    displayName: 'Arlo Agent',
    role: 'agent',
    teamId: 'team-west',
  },
  {
    email: 'viewer@demo.callwarden.test',
    displayName: 'Vera Viewer',
    role: 'viewer',
    teamId: null,
  },
];

/** US places across time zones, including states that span two zones (FL, TN, IN, KY, TX, OR, ID). */
const PLACES = [
  { state: 'NY', zip: '10001', tz: 'America/New_York', area: '212' },
  { state: 'MA', zip: '02108', tz: 'America/New_York', area: '617' },
  { state: 'FL', zip: '33101', tz: 'America/New_York', area: '305' },
  { state: 'FL', zip: '32501', tz: 'America/Chicago', area: '850' },
  { state: 'TN', zip: '37201', tz: 'America/Chicago', area: '615' },
  { state: 'TN', zip: '37902', tz: 'America/New_York', area: '865' },
  { state: 'IN', zip: '46204', tz: 'America/Indiana/Indianapolis', area: '317' },
  { state: 'TX', zip: '75201', tz: 'America/Chicago', area: '214' },
  { state: 'TX', zip: '79901', tz: 'America/Denver', area: '915' },
  { state: 'IL', zip: '60601', tz: 'America/Chicago', area: '312' },
  { state: 'CO', zip: '80202', tz: 'America/Denver', area: '303' },
  { state: 'AZ', zip: '85001', tz: 'America/Phoenix', area: '602' },
  { state: 'OR', zip: '97201', tz: 'America/Los_Angeles', area: '503' },
  { state: 'CA', zip: '94105', tz: 'America/Los_Angeles', area: '415' },
  { state: 'OK', zip: '73102', tz: 'America/Chicago', area: '405' },
  { state: 'MD', zip: '21201', tz: 'America/New_York', area: '410' },
  { state: 'AK', zip: '99501', tz: 'America/Anchorage', area: '907' },
  { state: 'HI', zip: '96813', tz: 'Pacific/Honolulu', area: '808' },
];
const FIRST = [
  'James',
  'Mary',
  'Robert',
  'Patricia',
  'John',
  'Jennifer',
  'Michael',
  'Linda',
  'David',
  'Elizabeth',
];
const LAST = [
  'Smith',
  'Johnson',
  'Williams',
  'Brown',
  'Jones',
  'Garcia',
  'Miller',
  'Davis',
  'Rodriguez',
  'Martinez',
];

const DEMO_CUSTOMERS = 200;

function demoRef(i: number): string {
  return `DEMO-${String(i + 1).padStart(4, '0')}`;
}

/**
 * Demo data for `npm run dev`: one user per role and 200 customers. Idempotent whatever state the
 * data is in (customers deleted, erased, or some missing).
 */
export async function seedDemo(app: INestApplication): Promise<string[]> {
  const out: string[] = [];
  const users = app.get(UsersService);
  const dataSource = app.get(DataSource);
  for (const u of DEMO_USERS) {
    if (await users.findByEmail(u.email)) continue;
    await dataSource.transaction((m) => users.create({ ...u, password: DEMO_PASSWORD }, m));
    out.push(`user ${u.email} (${u.role})`);
  }
  const customers = app.get(CustomersService);
  // By reference, soft-deleted and erased rows included: an erased demo customer keeps its row
  // (and reference) and is never made again, and a count (which skips soft-deleted rows) would
  // reuse a reference that exists.
  const present = new Set(
    (
      await dataSource.query<{ ref: string }[]>(
        "SELECT external_ref AS ref FROM customers WHERE external_ref LIKE 'DEMO-%'",
      )
    ).map((r) => r.ref),
  );
  const batch: CustomerEntity[] = [];
  for (let i = 0; i < DEMO_CUSTOMERS; i++) {
    if (present.has(demoRef(i))) continue;
    const place = PLACES[i % PLACES.length];
    const first = FIRST[i % FIRST.length];
    const last = LAST[Math.floor(i / FIRST.length) % LAST.length];
    batch.push(
      await customers.build({
        externalRef: demoRef(i),
        firstName: first,
        lastName: last,
        email: `${first}.${last}.${i}@example.com`.toLowerCase(),
        phone: `+1${place.area}555${String(1000 + i).slice(-4)}`,
        phoneType: i % 3 === 0 ? PhoneType.Landline : PhoneType.Mobile,
        addressLine: `${100 + i} Main Street`,
        city: 'Demo City',
        state: place.state,
        zip: place.zip,
        timezone: i % 5 === 0 ? null : place.tz,
        dateOfBirth: `19${60 + (i % 40)}-0${1 + (i % 9)}-1${i % 10}`,
        ssn: `900-${String(10 + (i % 89)).padStart(2, '0')}-${String(1000 + i).slice(-4)}`,
        accountRef: `ACCT-${String(500000 + i)}`,
        balance: (100 + ((i * 137) % 9000)).toFixed(2),
        tags: i % 4 === 0 ? ['priority'] : [],
      }),
    );
  }
  if (batch.length > 0) {
    await dataSource.transaction((m) => m.getRepository(CustomerEntity).insert(batch));
    out.push(`${batch.length} customers`);
    // Consents and do-not-contact entries, through the engine's own service (audited).
    const compliance = app.get(ComplianceService);
    for (let i = 0; i < batch.length; i++) {
      if (i % 3 === 0) {
        await compliance.recordConsent({
          customerId: batch[i].id,
          channel: 'sms',
          purpose: 'collection',
          granted: true,
          source: ConsentSource.WebForm,
          evidence: { formUrl: 'https://pay.demo.example/consent', textVersion: 'v3' },
        });
      }
      if (i % 40 === 7)
        await compliance.addDnc({
          customerId: batch[i].id,
          channel: 'call',
          source: 'demo',
          reason: 'asked not to be called',
        });
    }
    out.push('consents and do-not-contact entries');
  }
  // The 10DLC registration the demo SMS campaign sends under (statuses as TCR and carriers answer).
  const tenDlc = app.get(TenDlcService);
  let messagingCampaignId: string | null = null;
  if ((await dataSource.getRepository(BrandEntity).countBy({})) === 0) {
    const brand = await tenDlc.registerBrand(
      {
        displayName: 'Demo Recovery',
        legalName: 'Demo Recovery Services LLC',
        entityType: BrandEntityType.PrivateProfit,
        ein: '12-3456789',
        website: 'https://recovery.demo.example',
        vertical: 'FINANCIAL',
      },
      'seed',
    );
    await tenDlc.recordBrandStatus(brand.id, BrandStatus.Verified, 'BDEMO01');
    const registered = await tenDlc.registerCampaign(
      {
        brandId: brand.id,
        useCase: MessagingUseCase.AccountNotification,
        description: 'Balance reminders for accounts placed with Demo Recovery for collection.',
        messageFlow:
          'Consumers give their mobile number and tick an unchecked consent box on the payment portal.',
        sampleMessages: [
          'Demo Recovery: this is a debt collector. Your balance is $250.00. Reply STOP to opt out.',
        ],
        helpMessage: 'Demo Recovery: help at support@recovery.demo.example. Reply STOP to opt out.',
        optOutMessage: 'Demo Recovery: you are unsubscribed and will receive no more messages.',
        embeddedLinks: false,
        embeddedPhone: false,
      },
      'seed',
    );
    await tenDlc.recordCampaignStatus(
      registered.id,
      MessagingCampaignStatus.Active,
      'CDEMO01',
      null,
    );
    messagingCampaignId = registered.id;
    // Its pool of sender numbers (fictional 555-01xx numbers).
    for (const number of ['+13125550134', '+13125550135'])
      await tenDlc.addSenderNumber(registered.id, number, 'seed');
    out.push('a verified 10DLC brand and an active 10DLC campaign with two sender numbers');
  }
  const campaigns = dataSource.getRepository(CampaignEntity);
  if ((await campaigns.countBy({})) === 0) {
    const manager = await users.findByEmail('manager@demo.callwarden.test');
    if (manager) {
      const draft = (fields: Partial<CampaignEntity>) =>
        campaigns.insert({
          id: uuidv7(),
          purpose: 'collection',
          messageTemplate: null,
          messagingCampaignId: null,
          startsAt: null,
          endsAt: null,
          status: CampaignStatus.Draft,
          teamId: 'team-east',
          ownerId: manager.id,
          launchedAt: null,
          createdAt: new Date(),
          updatedAt: new Date(),
          ...fields,
        });
      await draft({
        name: 'Demo: balances over $500 in the East',
        channel: Channel.Call,
        audience: { states: ['NY', 'MA', 'FL', 'MD', 'TN'], minBalance: '500' },
        windowStart: '09:00',
        windowEnd: '20:00',
      });
      if (messagingCampaignId) {
        await draft({
          name: 'Demo: text reminders in the Central zone',
          channel: Channel.Sms,
          audience: { states: ['TX', 'IL', 'OK', 'TN'] },
          messageTemplate:
            'Demo Recovery: this is a debt collector. Hi {{first_name}}, your balance is {{balance}}. Reply STOP to opt out.',
          messagingCampaignId,
          windowStart: '10:00',
          windowEnd: '19:00',
        });
      }
      out.push('draft call and SMS campaigns ready to launch');
    }
  }
  return out;
}
