import { createHmac } from 'node:crypto';
import type { RowDataPacket } from 'mysql2/promise';
import { ComplianceService } from '../src/modules/compliance/compliance.service';
import { BrandEntityType, BrandStatus } from '../src/modules/compliance/entities/brand.entity';
import { ConsentSource } from '../src/modules/compliance/entities/consent.entity';
import {
  MessagingCampaignStatus,
  MessagingUseCase,
} from '../src/modules/compliance/entities/messaging-campaign.entity';
import { TenDlcService } from '../src/modules/compliance/services/ten-dlc.service';
import { CustomersService } from '../src/modules/customers/customers.service';
import { PhoneType } from '../src/modules/customers/entities/customer.entity';
import { NotificationDeliveryService } from '../src/modules/notifications/notification-delivery.service';
import type { CampaignEntity } from '../src/modules/outreach/entities/campaign.entity';
import { HttpSink } from './utils/http-sink';
import { makeUser, signIn, TestUser } from './utils/identity';
import { makeCampaign, makeTask, middayZone } from './utils/outreach';
import { useTestApp } from './utils/use-test-app';

const digits = (n: number) =>
  String(Date.now() * 1000 + Math.floor(Math.random() * 1000)).slice(-n);
const SECRET = 'notify-test-secret-0123456789';
const SEND = 'mutation S($input: TaskIdInput!) { sendTaskMessage(input: $input) { status } }';

describe('outbound delivery: the outbox to the SMS provider, gated again at delivery (e2e)', () => {
  const sink = new HttpSink();
  beforeAll(() => sink.start());
  const app = useTestApp(() => ({
    NOTIFY_SMS_URL: `http://127.0.0.1:${sink.port}/sms`,
    NOTIFY_WEBHOOK_SECRET: SECRET,
    // The test drives delivery passes itself.
    NOTIFY_POLL_INTERVAL_MS: '600000',
    NOTIFY_RETRY_BASE_MS: '50',
  }));
  let manager: TestUser;
  let agent: TestUser;
  let auth: Record<string, string>;
  const team = `team-notify-${Date.now()}`;
  const brandName = `Notify Recovery ${digits(4)}`;
  let campaignId: string;
  let messagingCampaignId: string;
  let pool: string[];

  beforeAll(async () => {
    manager = await makeUser(app.t, 'manager', { mfa: true, teamId: team });
    agent = await makeUser(app.t, 'agent', { mfa: true, teamId: team });
    auth = (await signIn(app.t, agent)).auth;

    const tenDlc = app.t.app.get(TenDlcService);
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
        helpMessage: `${brandName}: help at support@notify.example.`,
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
    // Its pool of sender numbers: two long codes.
    pool = [];
    for (let i = 0; i < 2; i++)
      pool.push(
        (
          await tenDlc.addSenderNumber(
            registered.id,
            `+1646${2000000 + Math.floor(Math.random() * 7999999)}`,
            'test',
          )
        ).e164,
      );
    messagingCampaignId = registered.id;
    const campaign = await makeCampaign(app.t, team, manager.id);
    campaignId = campaign.id;
    await app.db.query(
      "UPDATE campaigns SET channel = 'sms', window_start = '00:00', window_end = '23:59', message_template = ?, messaging_campaign_id = ? WHERE id = ?",
      [
        `${brandName}: this is a debt collector. Hi {{first_name}}. Reply STOP to opt out.`,
        registered.id,
        campaign.id,
      ],
    );
  });
  // Registered after useTestApp's: afterAll hooks run in that order, so the app is closed first.
  afterAll(() => sink.stop());

  /** A consenting mobile customer with a pending SMS task whose message the agent sends (queued). */
  async function queuedText(
    existing?: string,
  ): Promise<{ customerId: string; notificationId: string }> {
    // Another text to the same consumer: as on a later day (the house caps allow one a day).
    if (existing)
      await app.db.query('DELETE FROM contact_attempts WHERE customer_id = ?', [existing]);
    const customer = existing
      ? (await app.t.app.get(CustomersService).findById(existing))!
      : await app.t.app.get(CustomersService).create({
          externalRef: `notify-${digits(8)}`,
          firstName: 'Ines',
          phone: `+1833${2 + (Number(digits(1)) % 8)}${digits(6)}`,
          phoneType: PhoneType.Mobile,
          timezone: middayZone(),
        });
    await app.t.app.get(ComplianceService).recordConsent({
      customerId: customer.id,
      channel: 'sms',
      purpose: 'collection',
      granted: true,
      source: ConsentSource.WebForm,
    });
    const task = await makeTask(
      app.t,
      { id: campaignId, teamId: team } as CampaignEntity,
      customer,
      agent.id,
    );
    const sent = await app.t.gql(SEND, { input: { taskId: task.id } }, auth);
    expect(sent.errors).toBeUndefined();
    const [rows] = await app.db.query<RowDataPacket[]>(
      'SELECT id FROM notification_outbox WHERE customer_id = ? ORDER BY id DESC',
      [customer.id],
    );
    if (!existing) expect(rows).toHaveLength(1);
    return { customerId: customer.id, notificationId: String(rows[0].id) };
  }

  const outboxRow = async (id: string) =>
    (
      await app.db.query<RowDataPacket[]>(
        'SELECT sent_at, cancelled_at, cancel_reason, attempts, next_attempt_at, last_error FROM notification_outbox WHERE id = ?',
        [id],
      )
    )[0][0];

  /** Delivery passes until this message has left the queue (older messages may come first). */
  async function deliverUntilSettled(id: string): Promise<RowDataPacket> {
    const delivery = app.t.app.get(NotificationDeliveryService);
    for (let pass = 0; pass < 50; pass++) {
      await delivery.deliverDue();
      const row = await outboxRow(id);
      if (row.sent_at || row.cancelled_at || Number(row.attempts) > 0) return row;
    }
    throw new Error('the message was never picked up');
  }

  const deliveriesOf = (id: string) =>
    sink.received.filter((r) => (JSON.parse(r.body) as { id: string }).id === id);

  it('hands an admitted text to the provider, signed, once', async () => {
    const { notificationId } = await queuedText();
    const row = await deliverUntilSettled(notificationId);
    expect(row.sent_at).not.toBeNull();
    const [delivery] = deliveriesOf(notificationId);
    expect(JSON.parse(delivery.body)).toMatchObject({
      channel: 'sms',
      body: `${brandName}: this is a debt collector. Hi Ines. Reply STOP to opt out.`,
    });
    expect(delivery.headers['idempotency-key']).toBe(notificationId);
    const expected = createHmac('sha256', SECRET)
      .update(`${delivery.headers['x-callwarden-timestamp'] as string}.${delivery.body}`)
      .digest('hex');
    expect(delivery.headers['x-callwarden-signature']).toBe(`sha256=${expected}`);
    await app.t.app.get(NotificationDeliveryService).deliverDue();
    expect(deliveriesOf(notificationId)).toHaveLength(1);
  });

  it("sends a consumer's texts from the same number of the pool, spreads consumers over it, and moves them off a retired number", async () => {
    const fromOf = async (id: string) => {
      await deliverUntilSettled(id);
      const [delivery] = deliveriesOf(id);
      const sentFrom = (JSON.parse(delivery.body) as { from?: string }).from;
      const [row] = (
        await app.db.query<RowDataPacket[]>(
          'SELECT from_number FROM notification_outbox WHERE id = ?',
          [id],
        )
      )[0];
      expect(row.from_number).toBe(sentFrom);
      return sentFrom!;
    };
    const first = await queuedText();
    const a = await fromOf(first.notificationId);
    expect(pool).toContain(a);
    // The same consumer again: the same number.
    expect(await fromOf((await queuedText(first.customerId)).notificationId)).toBe(a);
    // Other consumers are spread over the pool: both numbers are in use.
    const others = new Set<string>();
    for (let i = 0; i < 3; i++) others.add(await fromOf((await queuedText()).notificationId));
    expect([...others].some((n) => n !== a)).toBe(true);
    // Retired, the number sends no more: its consumer moves to the other one, and stays there.
    const tenDlc = app.t.app.get(TenDlcService);
    const retired = (await tenDlc.senderNumbers(messagingCampaignId)).find((n) => n.e164 === a)!;
    await tenDlc.retireSenderNumber(retired.id);
    const b = await fromOf((await queuedText(first.customerId)).notificationId);
    expect(b).not.toBe(a);
    expect(pool).toContain(b);
    expect(await fromOf((await queuedText(first.customerId)).notificationId)).toBe(b);
    // With no active number left, a text is refused and nothing is queued.
    const last = (await tenDlc.senderNumbers(messagingCampaignId)).find((n) => n.e164 === b)!;
    await tenDlc.retireSenderNumber(last.id);
    try {
      const queued = async () =>
        Number(
          (
            await app.db.query<RowDataPacket[]>(
              'SELECT COUNT(*) AS n FROM notification_outbox WHERE customer_id = ?',
              [first.customerId],
            )
          )[0][0].n,
        );
      const before = await queued();
      await app.db.query('DELETE FROM contact_attempts WHERE customer_id = ?', [first.customerId]);
      const task = await makeTask(
        app.t,
        { id: campaignId, teamId: team } as CampaignEntity,
        (await app.t.app.get(CustomersService).findById(first.customerId))!,
        agent.id,
      );
      const refused = await app.t.gql(SEND, { input: { taskId: task.id } }, auth);
      expect(refused.errors?.[0].extensions).toMatchObject({
        code: 'FORBIDDEN',
        reason: 'SENDER_NOT_ACTIVE',
      });
      expect(refused.errors?.[0].message).toMatch(/no active sender number/);
      expect(await queued()).toBe(before);
    } finally {
      // Later tests send again: a fresh number.
      pool.push(
        (
          await tenDlc.addSenderNumber(
            messagingCampaignId,
            `+1646${2000000 + Math.floor(Math.random() * 7999999)}`,
            'test',
          )
        ).e164,
      );
    }
  });

  it('cancels a queued text when the consumer opts out before delivery, and audits it', async () => {
    const { customerId, notificationId } = await queuedText();
    // STOP arrives between the agent's send and the delivery pass.
    await app.t.app.get(ComplianceService).recordConsent({
      customerId,
      channel: 'sms',
      purpose: 'collection',
      granted: false,
      source: ConsentSource.SmsKeyword,
    });
    const row = await deliverUntilSettled(notificationId);
    expect(row.sent_at).toBeNull();
    expect(row.cancelled_at).not.toBeNull();
    expect(String(row.cancel_reason)).toMatch(/consent/);
    expect(deliveriesOf(notificationId)).toHaveLength(0);
    const [audit] = await app.db.query<RowDataPacket[]>(
      "SELECT actor_type FROM audit_events WHERE action = 'message.cancelled' AND resource_id = ?",
      [customerId],
    );
    expect(audit).toHaveLength(1);
    expect(audit[0].actor_type).toBe('system');
  });

  it('retries with backoff while the provider fails, then delivers', async () => {
    const { notificationId } = await queuedText();
    sink.status = 503;
    try {
      const failed = await deliverUntilSettled(notificationId);
      expect(failed.sent_at).toBeNull();
      expect(Number(failed.attempts)).toBe(1);
      expect(String(failed.last_error)).toMatch(/503/);
      expect(new Date(failed.next_attempt_at as string).getTime()).toBeGreaterThan(
        Date.now() - 1000,
      );
    } finally {
      sink.status = 200;
    }
    const delivery = app.t.app.get(NotificationDeliveryService);
    for (let i = 0; i < 40 && !(await outboxRow(notificationId)).sent_at; i++) {
      await new Promise((r) => setTimeout(r, 50));
      await delivery.deliverDue();
    }
    const row = await outboxRow(notificationId);
    expect(row.sent_at).not.toBeNull();
    expect(Number(row.attempts)).toBe(2);
    expect(deliveriesOf(notificationId)).toHaveLength(1);
  });
});
