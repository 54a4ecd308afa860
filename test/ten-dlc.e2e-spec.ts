import type { RowDataPacket } from 'mysql2/promise';
import { NotificationsService } from '../src/modules/notifications/notifications.service';
import { makeUser, signIn } from './utils/identity';
import { smsCustomer as makeSmsCustomer } from './utils/outreach';
import { useTestApp } from './utils/use-test-app';

/** A unique EIN / toll-free number per run (toll-free numbers carry no zone of their own). */
const uniqueDigits = (n: number) =>
  String(Date.now() * 1000 + Math.floor(Math.random() * 1000)).slice(-n);

const REGISTER_BRAND =
  'mutation B($input: RegisterBrandInput!) { registerBrand(input: $input) { id status displayName } }';
const BRAND_STATUS =
  'mutation S($input: RecordBrandStatusInput!) { recordBrandStatus(input: $input) { id status tcrBrandId } }';
const REGISTER_MC =
  'mutation R($input: RegisterMessagingCampaignInput!) { registerMessagingCampaign(input: $input) { id status } }';
const MC_STATUS =
  'mutation M($input: RecordMessagingCampaignStatusInput!) { recordMessagingCampaignStatus(input: $input) { id status statusReason } }';
const CREATE =
  'mutation C($input: CreateCampaignInput!) { createCampaign(input: $input) { id status messagingCampaignId } }';
const LAUNCH =
  'mutation L($input: CampaignIdInput!) { launchCampaign(input: $input) { status tasksCreated } }';
const SEND =
  'mutation S($input: TaskIdInput!) { sendTaskMessage(input: $input) { status outcome } }';

describe('10DLC registration and SMS sending (e2e)', () => {
  const app = useTestApp();
  let admin: Record<string, string>;
  let manager: Record<string, string>;
  let agent: Record<string, string>;
  const team = `team-10dlc-${Date.now()}`;
  const brandName = `Acme Recovery ${uniqueDigits(4)}`;
  const template = `${brandName}: this is a debt collector. Hi {{first_name}}, your balance is {{balance}}. Reply STOP to opt out.`;

  beforeAll(async () => {
    admin = (await signIn(app.t, await makeUser(app.t, 'admin', { mfa: true }))).auth;
    manager = (await signIn(app.t, await makeUser(app.t, 'manager', { mfa: true, teamId: team })))
      .auth;
    agent = (await signIn(app.t, await makeUser(app.t, 'agent', { mfa: true, teamId: team }))).auth;
  });

  const count = async (sql: string, params: unknown[] = []) =>
    Number((await app.db.query<RowDataPacket[]>(sql, params))[0][0].n);

  const smsCustomer = async () => (await makeSmsCustomer(app.t, '10dlc')).id;

  it('registers a brand and a 10DLC campaign, checks the texts, and only admins may', async () => {
    const brandInput = {
      displayName: brandName,
      legalName: `${brandName} LLC`,
      entityType: 'PrivateProfit',
      ein: uniqueDigits(9),
      vertical: 'FINANCIAL',
    };
    expect(
      (await app.t.gql(REGISTER_BRAND, { input: brandInput }, manager)).errors?.[0].extensions.code,
    ).toBe('FORBIDDEN');
    const brand = await app.t.gql<{ registerBrand: { id: string; status: string } }>(
      REGISTER_BRAND,
      { input: brandInput },
      admin,
    );
    expect(brand.errors).toBeUndefined();
    expect(brand.data!.registerBrand.status).toBe('Pending');
    const brandId = brand.data!.registerBrand.id;
    const duplicate = await app.t.gql(REGISTER_BRAND, { input: brandInput }, admin);
    expect(duplicate.errors?.[0].extensions).toMatchObject({
      code: 'CONFLICT',
      reason: 'REGISTRATION_CONFLICT',
    });

    const mcInput = {
      brandId,
      useCase: 'AccountNotification',
      description: 'Balance reminders for placed accounts.',
      messageFlow:
        'Consumers give their mobile number and tick a consent box on the payment portal.',
      sampleMessages: [
        `${brandName}: this is a debt collector. Your balance is $80.00. Reply STOP to opt out.`,
      ],
      helpMessage: `${brandName}: help at support@acme.example. Reply STOP to opt out.`,
      optOutMessage: `${brandName}: you are unsubscribed and will receive no more messages.`,
      embeddedLinks: false,
      embeddedPhone: false,
    };
    // Campaigns are registered under a verified brand only.
    expect(
      (await app.t.gql(REGISTER_MC, { input: mcInput }, admin)).errors?.[0].extensions.reason,
    ).toBe('REGISTRATION_CONFLICT');
    const verifiedWithoutId = await app.t.gql(
      BRAND_STATUS,
      { input: { id: brandId, status: 'Verified' } },
      admin,
    );
    expect(verifiedWithoutId.errors?.[0].extensions.reason).toBe('INVALID_REGISTRATION');
    const verified = await app.t.gql<{ recordBrandStatus: { status: string } }>(
      BRAND_STATUS,
      { input: { id: brandId, status: 'Verified', tcrBrandId: `B${uniqueDigits(6)}` } },
      admin,
    );
    expect(verified.data?.recordBrandStatus.status).toBe('Verified');
    expect(
      (await app.t.gql(BRAND_STATUS, { input: { id: brandId, status: 'Pending' } }, admin))
        .errors?.[0].extensions.reason,
    ).toBe('REGISTRATION_CONFLICT');

    // Texts the carriers would reject are refused here, and nothing is written.
    const before = await count('SELECT COUNT(*) AS n FROM messaging_campaigns WHERE brand_id = ?', [
      brandId,
    ]);
    const bad = await app.t.gql(
      REGISTER_MC,
      {
        input: {
          ...mcInput,
          sampleMessages: ['Pay now at https://pay.acme.example, reply STOP'],
          optOutMessage: 'OK',
        },
      },
      admin,
    );
    expect(bad.errors?.[0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      reason: 'INVALID_REGISTRATION',
    });
    expect(bad.errors?.[0].message).toMatch(/sample 1 must name the brand/);
    expect(bad.errors?.[0].message).toMatch(/embeddedLinks is false/);
    expect(bad.errors?.[0].message).toMatch(/STOP reply/);
    expect(
      await count('SELECT COUNT(*) AS n FROM messaging_campaigns WHERE brand_id = ?', [brandId]),
    ).toBe(before);

    const mc = await app.t.gql<{ registerMessagingCampaign: { id: string; status: string } }>(
      REGISTER_MC,
      { input: mcInput },
      admin,
    );
    expect(mc.errors).toBeUndefined();
    expect(mc.data!.registerMessagingCampaign.status).toBe('Pending');
    // Managers read the registrations (to pick one for their SMS campaigns); agents do not.
    const listed = await app.t.gql<{ messagingCampaigns: { id: string }[] }>(
      `{ messagingCampaigns(brandId: "${brandId}") { id status useCase } }`,
      undefined,
      manager,
    );
    expect(listed.data!.messagingCampaigns.map((x) => x.id)).toEqual([
      mc.data!.registerMessagingCampaign.id,
    ]);
    expect(
      (await app.t.gql('{ brands { id } }', undefined, agent)).errors?.[0].extensions.code,
    ).toBe('FORBIDDEN');
  });

  it('sends SMS only under an active registration that fits the text; a suspension stops the next message', async () => {
    const [brand] = (
      await app.db.query<RowDataPacket[]>('SELECT id FROM brands WHERE display_name = ?', [
        brandName,
      ])
    )[0];
    const [registered] = (
      await app.db.query<RowDataPacket[]>('SELECT id FROM messaging_campaigns WHERE brand_id = ?', [
        brand.id,
      ])
    )[0];
    const mcId = String(registered.id);
    const customers = [await smsCustomer(), await smsCustomer()];
    const base = {
      name: 'Text reminders',
      channel: 'Sms',
      purpose: 'collection',
      audience: { customerIds: customers },
      messageTemplate: template,
      windowStart: '00:00',
      windowEnd: '23:59',
    };

    // An SMS campaign must name its 10DLC campaign, and its text must fit the registration.
    for (const [input, reason, message] of [
      [base, 'INVALID_SENDER', /messagingCampaignId/],
      [
        { ...base, messagingCampaignId: mcId, messageTemplate: template.replace(brandName, 'We') },
        'INVALID_TEMPLATE',
        /name the sender/,
      ],
      [
        {
          ...base,
          messagingCampaignId: mcId,
          messageTemplate: `${template} Call {{agency_phone}}`,
        },
        'INVALID_TEMPLATE',
        /without embedded phone numbers/,
      ],
      [
        { ...base, messagingCampaignId: mcId, purpose: 'marketing' },
        'INVALID_TEMPLATE',
        /marketing messages/,
      ],
      [
        { ...base, channel: 'Call', messageTemplate: undefined, messagingCampaignId: mcId },
        'INVALID_SENDER',
        /Only SMS/,
      ],
    ] as const) {
      const res = await app.t.gql(CREATE, { input }, manager);
      expect(res.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason });
      expect(res.errors?.[0].message).toMatch(message);
    }

    const created = await app.t.gql<{
      createCampaign: { id: string; messagingCampaignId: string };
    }>(CREATE, { input: { ...base, messagingCampaignId: mcId } }, manager);
    expect(created.errors).toBeUndefined();
    expect(created.data!.createCampaign.messagingCampaignId).toBe(mcId);
    const campaignId = created.data!.createCampaign.id;

    // Pending carrier review: the draft exists, but it cannot launch.
    const early = await app.t.gql(LAUNCH, { input: { id: campaignId } }, manager);
    expect(early.errors?.[0].extensions).toMatchObject({
      code: 'FORBIDDEN',
      reason: 'SENDER_NOT_ACTIVE',
    });
    expect(early.errors?.[0].message).toMatch(/10DLC campaign is pending/);
    expect(await count('SELECT COUNT(*) AS n FROM tasks WHERE campaign_id = ?', [campaignId])).toBe(
      0,
    );

    const approved = await app.t.gql<{ recordMessagingCampaignStatus: { status: string } }>(
      MC_STATUS,
      { input: { id: mcId, status: 'Active', tcrCampaignId: `C${uniqueDigits(6)}` } },
      admin,
    );
    expect(approved.data?.recordMessagingCampaignStatus.status).toBe('Active');
    const launched = await app.t.gql<{ launchCampaign: { status: string; tasksCreated: number } }>(
      LAUNCH,
      { input: { id: campaignId } },
      manager,
    );
    expect(launched.errors).toBeUndefined();
    expect(launched.data!.launchCampaign).toEqual({ status: 'Running', tasksCreated: 2 });
    const tasks = (
      await app.db.query<RowDataPacket[]>(
        'SELECT id FROM tasks WHERE campaign_id = ? ORDER BY customer_id',
        [campaignId],
      )
    )[0].map((r) => String(r.id));

    // A text needs a number of the campaign's pool to leave from: none yet.
    const noNumber = await app.t.gql(SEND, { input: { taskId: tasks[0] } }, agent);
    expect(noNumber.errors?.[0].extensions).toMatchObject({
      code: 'FORBIDDEN',
      reason: 'SENDER_NOT_ACTIVE',
    });
    expect(noNumber.errors?.[0].message).toMatch(/no active sender number/);
    const ADD_NUMBER =
      'mutation N($input: AddSenderNumberInput!) { addSenderNumber(input: $input) { id e164 status } }';
    const number = `+1917${2000000 + Math.floor(Math.random() * 7999999)}`;
    const byManager = await app.t.gql(
      ADD_NUMBER,
      { input: { messagingCampaignId: mcId, number } },
      manager,
    );
    expect(byManager.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN' });
    const badNumber = await app.t.gql(
      ADD_NUMBER,
      { input: { messagingCampaignId: mcId, number: '+44207946000' } },
      admin,
    );
    expect(badNumber.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
    const added = await app.t.gql<{ addSenderNumber: { e164: string; status: string } }>(
      ADD_NUMBER,
      { input: { messagingCampaignId: mcId, number } },
      admin,
    );
    expect(added.data?.addSenderNumber).toMatchObject({ e164: number, status: 'Active' });
    const again = await app.t.gql(
      ADD_NUMBER,
      { input: { messagingCampaignId: mcId, number } },
      admin,
    );
    expect(again.errors?.[0].extensions).toMatchObject({ reason: 'REGISTRATION_CONFLICT' });

    const sent = await app.t.gql<{ sendTaskMessage: { status: string } }>(
      SEND,
      { input: { taskId: tasks[0] } },
      agent,
    );
    expect(sent.errors).toBeUndefined();
    const outbox = await app.t.app
      .get(NotificationsService)
      .listByTemplate(`campaign:${campaignId}`, 10);
    expect(outbox).toHaveLength(1);
    expect(outbox[0].fromNumber).toBe(number);
    expect(outbox[0].body).toBe(
      `${brandName}: this is a debt collector. Hi Rosa, your balance is $80.00. Reply STOP to opt out.`,
    );

    // The carriers suspend the campaign: the very next message is refused and not queued.
    const suspended = await app.t.gql<{ recordMessagingCampaignStatus: { statusReason: string } }>(
      MC_STATUS,
      { input: { id: mcId, status: 'Suspended', reason: 'carrier audit' } },
      admin,
    );
    expect(suspended.data?.recordMessagingCampaignStatus.statusReason).toBe('carrier audit');
    const refused = await app.t.gql(SEND, { input: { taskId: tasks[1] } }, agent);
    expect(refused.errors?.[0].extensions).toMatchObject({
      code: 'FORBIDDEN',
      reason: 'SENDER_NOT_ACTIVE',
    });
    expect(
      await app.t.app.get(NotificationsService).listByTemplate(`campaign:${campaignId}`, 10),
    ).toHaveLength(1);
    expect(
      await count("SELECT COUNT(*) AS n FROM tasks WHERE id = ? AND status = 'pending'", [
        tasks[1],
      ]),
    ).toBe(1);

    // Approval and suspension are in the audit log; the approval also goes to the SIEM.
    const [events] = await app.db.query<RowDataPacket[]>(
      `SELECT e.action, (SELECT COUNT(*) FROM audit_siem_outbox o WHERE o.audit_seq = e.seq) AS siem
         FROM audit_events e WHERE e.resource_id = ? ORDER BY e.seq`,
      [mcId],
    );
    expect(events.map((e) => [String(e.action), Number(e.siem)])).toEqual([
      ['tendlc.campaign_registered', 0],
      ['tendlc.campaign_approved', 1],
      ['tendlc.sender_number_added', 0],
      ['tendlc.campaign_status_changed', 0],
    ]);
  });
});
