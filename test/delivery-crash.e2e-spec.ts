import type { Connection, RowDataPacket } from 'mysql2/promise';
import { NotificationChannel } from '../src/modules/notifications/entities/notification.entity';
import { NotificationDeliveryService } from '../src/modules/notifications/notification-delivery.service';
import {
  NOTIFICATION_SENDER,
  NotificationSender,
} from '../src/modules/notifications/notification-sender';
import { NotificationsService } from '../src/modules/notifications/notifications.service';
import { AppProcess, startAppProcess } from './utils/app-process';
import { adminConnection } from './utils/db';
import { HttpSink, ReceivedRequest } from './utils/http-sink';
import { startTestApp, TestApp } from './utils/test-app';

const MESSAGES = 100;
const KILLS = 3;
const LEASE_SECONDS = 10;
const SECRET = 'delivery-crash-secret-0123456789';
/** Every provider answer takes a moment, as a real one does. */
const SLOW_MS = 20;
/** Below the sender's 5 s timeout: the kill, not a timeout, cuts the held call. */
const HOLD_MS = 4000;

const idOf = (r: ReceivedRequest) => (JSON.parse(r.body) as { id: string }).id;

async function until(what: string, cond: () => boolean | Promise<boolean>, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('delivery across app kills: at least once, one Idempotency-Key, every attempt counted (e2e)', () => {
  let t: TestApp;
  let db: Connection;
  let sink: HttpSink;
  let app: AppProcess | undefined;
  let relay: TestApp | undefined;

  beforeAll(async () => {
    sink = new HttpSink();
    sink.delayMs = SLOW_MS;
    await sink.start();
    // Enqueues only: without a NOTIFY_*_URL this app delivers nothing itself.
    t = await startTestApp();
    db = await adminConnection();
  });
  afterAll(async () => {
    await app?.kill();
    await relay?.close();
    await db?.end();
    await t?.close();
    await sink.stop();
  });

  it('sends every message at least once through three kills mid-call, duplicates under the same key, each cut attempt counted and marked', async () => {
    const template = `delivery-crash-${Date.now()}`;
    const outbox = t.app.get(NotificationsService);
    const ids = new Set<string>();
    for (let i = 0; i < MESSAGES; i++) {
      const n = await outbox.enqueue(
        NotificationChannel.Email,
        template,
        `crash.${i}@e2e.callwarden.test`,
        `Delivery crash message ${i}`,
      );
      ids.add(n.id);
    }
    // Other suites' emails may reach this sink too: only ours count.
    const ours = () => sink.received.filter((r) => ids.has(idOf(r)));
    const env = {
      NOTIFY_EMAIL_URL: `http://127.0.0.1:${sink.port}/email`,
      NOTIFY_WEBHOOK_SECRET: SECRET,
      NOTIFY_POLL_INTERVAL_MS: '50',
      NOTIFY_RETRY_BASE_MS: '50',
      NOTIFY_LEASE_SECONDS: String(LEASE_SECONDS),
    };

    const cut: string[] = [];
    for (let kill = 0; kill < KILLS; kill++) {
      app = await startAppProcess(env);
      const before = ours().length;
      try {
        await until('some messages were delivered', () => ours().length >= before + 10, 60_000);
        // The provider stops answering: the next request of ours stays in flight, and the app dies.
        sink.delayMs = HOLD_MS;
        const mark = sink.received.length;
        await until(
          'one of our requests is held',
          () =>
            sink.received.length > mark &&
            sink.inFlight > 0 &&
            ids.has(idOf(sink.received[sink.received.length - 1])),
          30_000,
        );
        cut.push(idOf(sink.received[sink.received.length - 1]));
        await app.kill();
        app = undefined;
      } catch (e) {
        throw new Error(`${(e as Error).message}\n${app?.output() ?? ''}`, { cause: e });
      } finally {
        sink.delayMs = SLOW_MS;
      }
    }

    // A new instance finishes the work, the cut messages once their lease has expired.
    app = await startAppProcess(env);
    const unsent = async () =>
      Number(
        (
          await db.query<RowDataPacket[]>(
            'SELECT COUNT(*) AS n FROM notification_outbox WHERE template = ? AND sent_at IS NULL',
            [template],
          )
        )[0][0].n,
      );
    await until('every message was sent', async () => (await unsent()) === 0, 120_000);
    await app.stop();
    app = undefined;

    const [rows] = await db.query<RowDataPacket[]>(
      'SELECT id, sent_at, attempts, interrupted_attempts, attempt_started_at, locked_until FROM notification_outbox WHERE template = ?',
      [template],
    );
    expect(rows).toHaveLength(MESSAGES);
    const requests = new Map<string, ReceivedRequest[]>();
    for (const r of ours()) requests.set(idOf(r), [...(requests.get(idOf(r)) ?? []), r]);
    const problems: string[] = [];
    for (const row of rows) {
      const id = String(row.id);
      const got = requests.get(id) ?? [];
      const attempts = Number(row.attempts);
      const interrupted = Number(row.interrupted_attempts);
      const keys = new Set(got.map((r) => r.headers['idempotency-key']));
      if (got.length === 0) problems.push(`${id}: never received`);
      if (keys.size > 1 || (got.length && !keys.has(id)))
        problems.push(`${id}: keys ${[...keys].join(', ')}`);
      if (attempts < got.length)
        problems.push(`${id}: ${got.length} requests, ${attempts} counted`);
      // The sink always answers in time: every attempt but the last was cut by a kill.
      if (attempts !== interrupted + 1)
        problems.push(`${id}: ${attempts} attempts, ${interrupted} interrupted`);
      if (row.attempt_started_at !== null || row.locked_until !== null)
        problems.push(`${id}: still marked in flight or leased after it was sent`);
      if (cut.includes(id) && (got.length < 2 || attempts < 2 || interrupted < 1))
        problems.push(
          `${id} (cut): ${got.length} requests, ${attempts} attempts, ${interrupted} interrupted`,
        );
    }
    expect(problems).toEqual([]);
    expect(new Set(cut).size).toBe(KILLS);
    process.stdout.write(
      `delivery-crash: ${MESSAGES} messages, ${KILLS} kills, ${ours().length} requests, ` +
        `${rows.filter((r) => Number(r.interrupted_attempts) > 0).length} interrupted\n`,
    );
  }, 300_000);

  it('a pass whose lease expired before the attempt neither counts nor sends it; the new holder does, once', async () => {
    // Passes driven by the test; no other suite delivers email.
    relay = await startTestApp({
      NOTIFY_EMAIL_URL: `http://127.0.0.1:${sink.port}/email`,
      NOTIFY_WEBHOOK_SECRET: SECRET,
      NOTIFY_POLL_INTERVAL_MS: '600000',
      NOTIFY_LEASE_SECONDS: String(LEASE_SECONDS),
    });
    const outbox = relay.app.get(NotificationsService);
    const template = `delivery-lease-${Date.now()}`;
    const first = await outbox.enqueue(
      NotificationChannel.Email,
      template,
      'a@e2e.callwarden.test',
      'A',
    );
    const second = await outbox.enqueue(
      NotificationChannel.Email,
      template,
      'b@e2e.callwarden.test',
      'B',
    );
    // Oldest of all, so that one claim takes both, the first ahead of the second.
    await db.query(
      "UPDATE notification_outbox SET created_at = IF(id = ?, '2000-01-01 00:00:00.001', '2000-01-01 00:00:00.002') WHERE id IN (?, ?)",
      [first.id, first.id, second.id],
    );
    const sender = relay.app.get<NotificationSender>(NOTIFICATION_SENDER);
    const send = sender.send.bind(sender);
    // While the first call is in flight, the pass's lease on the second runs out and another
    // instance claims it (a later lease).
    const spy = jest.spyOn(sender, 'send').mockImplementation(async (m) => {
      if (m.id === first.id)
        await db.query(
          'UPDATE notification_outbox SET locked_until = NOW(3) + INTERVAL 60 SECOND WHERE id = ?',
          [second.id],
        );
      return send(m);
    });
    const row = async (id: string) =>
      (
        await db.query<RowDataPacket[]>(
          'SELECT sent_at, attempts, attempt_started_at FROM notification_outbox WHERE id = ?',
          [id],
        )
      )[0][0];
    const sentTo = (id: string) => sink.received.filter((r) => idOf(r) === id).length;
    try {
      const delivery = relay.app.get(NotificationDeliveryService);
      expect(await delivery.deliverDue()).toMatchObject({ lost: 1 });
      expect(await row(first.id)).toMatchObject({ attempts: 1, attempt_started_at: null });
      expect((await row(first.id)).sent_at).not.toBeNull();
      expect(await row(second.id)).toMatchObject({
        sent_at: null,
        attempts: 0,
        attempt_started_at: null,
      });
      expect(sentTo(second.id)).toBe(0);

      // That holder's lease ends: the next pass sends it, counted once.
      await db.query('UPDATE notification_outbox SET locked_until = NULL WHERE id = ?', [
        second.id,
      ]);
      await delivery.deliverDue();
      expect(await row(second.id)).toMatchObject({ attempts: 1, attempt_started_at: null });
      expect((await row(second.id)).sent_at).not.toBeNull();
      expect([sentTo(first.id), sentTo(second.id)]).toEqual([1, 1]);
    } finally {
      spy.mockRestore();
    }
  });
});
