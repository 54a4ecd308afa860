import type { RowDataPacket } from 'mysql2/promise';
import {
  carrierDay,
  nextCarrierDay,
  PACING_HEADROOM,
} from '../src/modules/compliance/rules/throughput';
import { NotificationDeliveryService } from '../src/modules/notifications/notification-delivery.service';
import { HttpSink } from './utils/http-sink';
import { makeUser, signIn } from './utils/identity';
import { smsCustomer as makeSmsCustomer } from './utils/outreach';
import { startTestApp, TestApp } from './utils/test-app';
import { until } from './utils/until';
import { useTestApp } from './utils/use-test-app';

const unique = (n: number) =>
  String(Date.now() * 1000 + Math.floor(Math.random() * 1000)).slice(-n);

const REGISTER_BRAND =
  'mutation B($input: RegisterBrandInput!) { registerBrand(input: $input) { id } }';
const BRAND_STATUS =
  'mutation S($input: RecordBrandStatusInput!) { recordBrandStatus(input: $input) { status vettingScore } }';
const REGISTER_MC =
  'mutation R($input: RegisterMessagingCampaignInput!) { registerMessagingCampaign(input: $input) { id } }';
const MC_STATUS =
  'mutation M($input: RecordMessagingCampaignStatusInput!) { recordMessagingCampaignStatus(input: $input) { status } }';
const ADD_NUMBER =
  'mutation N($input: AddSenderNumberInput!) { addSenderNumber(input: $input) { e164 } }';
const THROUGHPUT = `query T($id: ID!) { messagingThroughput(messagingCampaignId: $id) {
  useCaseGroup vettingScore perCarrier { carrier perMinute } ratePerSecond tmobileDailyCap sentToday dataVersion } }`;
const CREATE = 'mutation C($input: CreateCampaignInput!) { createCampaign(input: $input) { id } }';
const PRECHECK = `query P($input: CampaignIdInput!) { precheckCampaign(input: $input) {
  allowedNow allowedLater sendEta { messages ratePerSecond dailyCap seconds finishesAt days } } }`;
const LAUNCH =
  'mutation L($input: CampaignIdInput!) { launchCampaign(input: $input) { tasksCreated } }';
const SEND = 'mutation S($input: TaskIdInput!) { sendTaskMessage(input: $input) { status } }';

/** Texts at the limit: 30 is enough for a rate measured within 5% (the run takes ~7.5 s). */
const MEASURED = 30;
/** Vetting score 10, declared use case: 240 per minute at every carrier, 2,000 a day at T-Mobile. */
const LIMIT_PER_SECOND = 4;

describe('carrier throughput: texts leave at the 10DLC campaign’s limit, across workers (e2e)', () => {
  const sink = new HttpSink();
  beforeAll(() => sink.start());
  afterAll(() => sink.stop());
  const env = () => ({
    NOTIFY_SMS_URL: sink.url,
    NOTIFY_WEBHOOK_SECRET: 'throughput-test-secret-0123456789',
    NOTIFY_POLL_INTERVAL_MS: '100',
  });
  // Two instances of the service: two outbox workers on one database.
  const app = useTestApp(env);
  let second: TestApp | undefined;
  beforeAll(async () => {
    second = await startTestApp(env());
  });
  afterAll(async () => {
    await second?.close();
  });

  let admin: Record<string, string>;
  let manager: Record<string, string>;
  let agent: Record<string, string>;
  const team = `team-throughput-${Date.now()}`;
  const brandName = `Pace Recovery ${unique(4)}`;
  const template = `${brandName}: this is a debt collector. Hi {{first_name}}, your balance is {{balance}}. Reply STOP to opt out.`;
  let brandId: string;
  let mcId: string;

  beforeAll(async () => {
    admin = (await signIn(app.t, await makeUser(app.t, 'admin', { mfa: true }))).auth;
    manager = (await signIn(app.t, await makeUser(app.t, 'manager', { mfa: true, teamId: team })))
      .auth;
    agent = (await signIn(app.t, await makeUser(app.t, 'agent', { mfa: true, teamId: team }))).auth;
  });

  const rows = async <T>(sql: string, params: unknown[] = []) =>
    (await app.db.query<RowDataPacket[]>(sql, params))[0] as T[];

  async function gqlOk<T>(query: string, variables: Record<string, unknown>, as: object) {
    const res = await app.t.gql<T>(query, variables, as as Record<string, string>);
    expect(res.errors).toBeUndefined();
    return res.data!;
  }

  const smsCustomer = async () => (await makeSmsCustomer(app.t, 'pace')).id;

  it('shows the limits a vetting score and use case earn, from the reference data', async () => {
    ({
      registerBrand: { id: brandId },
    } = await gqlOk<{ registerBrand: { id: string } }>(
      REGISTER_BRAND,
      {
        input: {
          displayName: brandName,
          legalName: `${brandName} LLC`,
          entityType: 'PrivateProfit',
          ein: unique(9),
          vertical: 'FINANCIAL',
        },
      },
      admin,
    ));
    const bad = await app.t.gql(
      BRAND_STATUS,
      {
        input: { id: brandId, status: 'Verified', tcrBrandId: `B${unique(6)}`, vettingScore: 101 },
      },
      admin,
    );
    expect(bad.errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(
      (await rows<{ status: string }>('SELECT status FROM brands WHERE id = ?', [brandId]))[0],
    ).toMatchObject({ status: 'pending' });
    const verified = await gqlOk<{ recordBrandStatus: { vettingScore: number } }>(
      BRAND_STATUS,
      { input: { id: brandId, status: 'Verified', tcrBrandId: `B${unique(6)}`, vettingScore: 10 } },
      admin,
    );
    expect(verified.recordBrandStatus.vettingScore).toBe(10);
    ({
      registerMessagingCampaign: { id: mcId },
    } = await gqlOk<{ registerMessagingCampaign: { id: string } }>(
      REGISTER_MC,
      {
        input: {
          brandId,
          useCase: 'AccountNotification',
          description: 'Balance reminders for placed accounts.',
          messageFlow:
            'Consumers give their mobile number and tick a consent box on the payment portal.',
          sampleMessages: [
            `${brandName}: this is a debt collector. Your balance is $80.00. Reply STOP to opt out.`,
          ],
          helpMessage: `${brandName}: help at support@pace.example. Reply STOP to opt out.`,
          optOutMessage: `${brandName}: you are unsubscribed and will receive no more messages.`,
          embeddedLinks: false,
          embeddedPhone: false,
        },
      },
      admin,
    ));
    await gqlOk(
      MC_STATUS,
      { input: { id: mcId, status: 'Active', tcrCampaignId: `C${unique(6)}` } },
      admin,
    );
    await gqlOk(
      ADD_NUMBER,
      { input: { messagingCampaignId: mcId, number: `+1312555${unique(4)}` } },
      admin,
    );

    const { messagingThroughput: t } = await gqlOk<{
      messagingThroughput: Record<string, unknown>;
    }>(THROUGHPUT, { id: mcId }, manager);
    expect(t).toEqual({
      useCaseGroup: 'declared',
      vettingScore: 10,
      perCarrier: [
        { carrier: 'att', perMinute: 240 },
        { carrier: 'tmobile', perMinute: 240 },
        { carrier: 'verizon', perMinute: 240 },
        { carrier: 'minor', perMinute: 240 },
      ],
      ratePerSecond: LIMIT_PER_SECOND,
      tmobileDailyCap: 2000,
      sentToday: 0,
      dataVersion: '2026-12-02',
    });
    const agentView = await app.t.gql(THROUGHPUT, { id: mcId }, agent);
    expect(agentView.errors?.[0].extensions.code).toBe('FORBIDDEN');
  });

  it('shows the ETA before launch, then two workers send at the limit, never above it', async () => {
    const customers: string[] = [];
    for (let i = 0; i < MEASURED; i++) customers.push(await smsCustomer());
    const { createCampaign } = await gqlOk<{ createCampaign: { id: string } }>(
      CREATE,
      {
        input: {
          name: 'Paced reminders',
          channel: 'Sms',
          purpose: 'collection',
          audience: { customerIds: customers },
          messageTemplate: template,
          windowStart: '00:00',
          windowEnd: '23:59',
          messagingCampaignId: mcId,
        },
      },
      manager,
    );
    const { precheckCampaign: p } = await gqlOk<{
      precheckCampaign: { allowedNow: number; sendEta: Record<string, unknown> };
    }>(PRECHECK, { input: { id: createCampaign.id } }, manager);
    expect(p.allowedNow).toBe(MEASURED);
    // 30 texts paced at 98% of 4 a second: 7.7 s, well inside today's 2,000.
    expect(p.sendEta).toMatchObject({
      messages: MEASURED,
      ratePerSecond: LIMIT_PER_SECOND * PACING_HEADROOM,
      dailyCap: 2000,
      seconds: 8,
      days: 1,
    });
    await gqlOk(LAUNCH, { input: { id: createCampaign.id } }, manager);
    const tasks = await rows<{ id: string }>(
      'SELECT id FROM tasks WHERE campaign_id = ? ORDER BY id',
      [createCampaign.id],
    );
    expect(tasks).toHaveLength(MEASURED);

    // The brand's T-Mobile day is spent (as if 2,000 texts went today): texts queue, and wait for
    // the next Pacific day.
    const daily = `brand:${brandId}:tmobile`;
    await app.db.query(
      `INSERT INTO throughput_daily (bucket_key, day, sent) VALUES (?, ?, 2000)
       ON DUPLICATE KEY UPDATE sent = 2000`,
      [daily, carrierDay(new Date())],
    );
    const start = sink.received.length;
    for (const task of tasks) await gqlOk(SEND, { input: { taskId: task.id } }, agent);
    const waiting = await until('every text waiting for the next carrier day', async () => {
      const found = await rows<{ next_attempt_at: Date }>(
        `SELECT next_attempt_at FROM notification_outbox
          WHERE messaging_campaign_id = ? AND sent_at IS NULL AND last_error = 'carrier_daily_cap'`,
        [mcId],
      );
      return found.length === tasks.length && found;
    });
    expect(sink.received.length - start).toBe(0);
    for (const w of waiting)
      expect(w.next_attempt_at.getTime()).toBe(nextCarrierDay(new Date()).getTime());

    // The next day comes: a full queue, and two workers (each pass watched: the spies call
    // through) send it at the limit.
    const passes = [app.t, second!].map((instance) =>
      jest.spyOn(instance.app.get(NotificationDeliveryService), 'deliverDue'),
    );
    await app.db.query('UPDATE throughput_daily SET sent = 0 WHERE bucket_key = ?', [daily]);
    await app.db.query(
      'UPDATE notification_outbox SET next_attempt_at = NULL WHERE messaging_campaign_id = ?',
      [mcId],
    );
    await until(
      `${MEASURED} texts at the provider`,
      () => Promise.resolve(sink.received.length - start >= MEASURED),
      { timeoutMs: 60_000 },
    );
    const arrivals = sink.received.slice(start, start + MEASURED).map((r) => r.at);
    const seconds = (arrivals[MEASURED - 1] - arrivals[0]) / 1000;
    const measured = (MEASURED - 1) / seconds;
    // Within 5% of the limit, never above it: the bucket reserves slots 1/(98% of the rate) apart
    // by the database's clock, and the 2% kept back absorbs the delivery path's jitter.
    expect(measured).toBeGreaterThanOrEqual(LIMIT_PER_SECOND * 0.95);
    expect(measured).toBeLessThanOrEqual(LIMIT_PER_SECOND);
    // Any 9 consecutive texts span at least 8 intervals, less the delivery path's jitter (one
    // process hosts both instances and this test: a busy event loop holds a POST up to ~150 ms;
    // the bucket's own spacing is exact, see throughput.spec.ts "never above it").
    for (let i = 8; i < MEASURED; i++)
      expect(arrivals[i] - arrivals[i - 8]).toBeGreaterThanOrEqual(8 * 250 - 250);
    // Both workers sent, each text once: the bucket is shared through the database.
    // (A pass that failed, e.g. a claim chosen as a deadlock victim, is retried by its poller.)
    const sentBy = await Promise.all(
      passes.map(async (spy) => {
        const results = await Promise.allSettled(
          spy.mock.results.map((r) => r.value as Promise<{ sent: number }>),
        );
        spy.mockRestore();
        return results.reduce((n, r) => n + (r.status === 'fulfilled' ? r.value.sent : 0), 0);
      }),
    );
    expect(sentBy[0]).toBeGreaterThan(0);
    expect(sentBy[1]).toBeGreaterThan(0);
    expect(sentBy[0] + sentBy[1]).toBe(MEASURED);
    const sent = await rows<{ attempts: number }>(
      `SELECT attempts FROM notification_outbox WHERE messaging_campaign_id = ? AND sent_at IS NOT NULL`,
      [mcId],
    );
    expect(sent).toHaveLength(MEASURED);
    expect(sent.every((o) => o.attempts === 1)).toBe(true);
    const { messagingThroughput } = await gqlOk<{ messagingThroughput: { sentToday: number } }>(
      THROUGHPUT,
      { id: mcId },
      manager,
    );
    expect(messagingThroughput.sentToday).toBe(MEASURED);
  });
});
