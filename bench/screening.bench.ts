import { screenContent, worstSeverity } from '../src/modules/compliance';
import { ComplianceService } from '../src/modules/compliance/compliance.service';
import { CustomersService } from '../src/modules/customers/customers.service';
import { CustomerEntity } from '../src/modules/customers/entities/customer.entity';
import { NotificationChannel } from '../src/modules/notifications';
import { NotificationDeliveryService } from '../src/modules/notifications/notification-delivery.service';
import {
  NOTIFICATION_SENDER,
  NotificationSender,
} from '../src/modules/notifications/notification-sender';
import { NotificationsService } from '../src/modules/notifications/notifications.service';
import type { ScreenContext } from '../src/modules/compliance';
import { BenchContext, Figure, figure } from './lib/figures';
import { assertAhead, AT } from './lib/instant';
import { loopFor, msSince, nowNs } from './lib/timing';

const BENCH = 'screening';
/** A message's screening must stay far under a delivery's own cost (a provider call: ms). */
const PER_MESSAGE_TARGET_US = 50;

const SMS: ScreenContext = {
  channel: 'sms',
  embeddedLinks: true,
  embeddedPhone: true,
  thirdPartySafe: true,
};
const EMAIL: ScreenContext = { channel: 'email' };

/** Rendered collection messages as they leave: different names, amounts, references, lengths. */
function cleanMessages(n: number): { text: string; ctx: ScreenContext }[] {
  const names = ['Jonathan', 'Ines', 'Dana', 'María José', 'Zhang Wei', "O'Brien", 'Łukasz'];
  return Array.from({ length: n }, (_, i) => {
    const name = names[i % names.length];
    const sms = i % 3 !== 0;
    const text = sms
      ? `Demo Recovery: Hi ${name}, this is a debt collector. Your account ending ${String(1000 + (i % 9000))} has a message. Call (800) 555-0100 or visit https://pay.demorecovery.example/a/${i}. Reply STOP to opt out.`
      : `Hello ${name},\n\nThis is a debt collector. This communication is an attempt to collect a debt and any information obtained will be used for that purpose. Please review your account ending ${String(1000 + (i % 9000))} at https://portal.demorecovery.example/accounts?ref=${i} or call us Monday to Friday, 9am to 5pm.\n\nTo stop these emails: https://demorecovery.example/u/${'x'.repeat(40)}\n\nDemo Recovery LLC, 100 Main Street, Springfield`;
    return { text, ctx: sms ? SMS : EMAIL };
  });
}

/** Messages that trip each kind of rule, as the unit table has them. */
const FLAGGED: { text: string; ctx: ScreenContext }[] = [
  { text: 'Your SSN 123-45-6789 is on file.', ctx: SMS },
  { text: 'Card 4111 1111 1111 1111 was charged $50.00.', ctx: SMS },
  { text: 'Routing 021000021 account no 12345678901', ctx: EMAIL },
  { text: 'Demo Recovery: DOB 04/12/1980 confirmed for Jonathan Doe.', ctx: SMS },
  { text: 'Your outstanding balance of $300 is in collections.', ctx: EMAIL },
  { text: 'Best c@nnabis dispensary in town', ctx: SMS },
  { text: 'Big gun show this weekend: ammo half price', ctx: SMS },
  { text: 'Pay now: bit.ly/3xYzAbc', ctx: SMS },
];

/**
 * The cost of content screening per message (issue #21): `screenContent` over rendered clean
 * collection texts and emails (the common case: every message pays it twice, at queueing and at
 * delivery), and over flagged ones; one thread, in-process.
 */
export async function run(ctx: BenchContext): Promise<Figure[]> {
  return [...measure(ctx), ...(await outbox(ctx))];
}

/**
 * The customers' zone. Every decision is made at the fixed instant AT (12:00 there): the send
 * decision, and each delivery pass's decision again (`deliverDue(AT)`), so every queued message is
 * allowed whatever the hour the bench runs.
 */
const ZONE = 'America/New_York';

/**
 * The outbox's throughput with screening on and off: batches of queued collection emails, each
 * with its allowing send decision kept as the send path keeps it, drained by
 * NotificationDeliveryService.deliverDue() passes into an in-process sink (the provider call
 * replaced, bench only: what is measured is the worker's own work: claim, decision check, the
 * gate again, screening, the outcome written), every decision at the fixed instant AT. Off: the worker's screening step replaced by a
 * no-op (bench only). Alternating off, on, off, on; every message must be sent.
 */
async function outbox(ctx: BenchContext): Promise<Figure[]> {
  assertAhead();
  const perBatch = ctx.scale === 'full' ? 1_000 : 250;
  const customers = ctx.app.get(CustomersService);
  const compliance = ctx.app.get(ComplianceService);
  const notifications = ctx.app.get(NotificationsService);
  const delivery = ctx.app.get(NotificationDeliveryService);
  const sender = ctx.app.get<NotificationSender>(NOTIFICATION_SENDER);
  const ds = ctx.dataSource;
  const bodies = cleanMessages(perBatch).map((m) => m.text);
  let sent = 0;
  const original = { enabled: sender.enabled.bind(sender), send: sender.send.bind(sender) };
  sender.enabled = () => true;
  sender.send = () => {
    sent++;
    return Promise.resolve(null);
  };
  const worker = delivery as unknown as { screen: (n: unknown) => Promise<unknown> };
  const screen = worker.screen.bind(delivery);
  let batchNo = 0;
  const queueBatch = async () => {
    batchNo++;
    const built = await ds.transaction(async (m) => {
      const rows = await customers.buildMany(
        Array.from({ length: perBatch }, (_, i) => ({
          externalRef: `bench-outbox-${batchNo}-${i}-${Date.now()}`,
          firstName: 'Dana',
          email: `dana.${batchNo}.${i}.${Date.now()}@bench.example`,
          timezone: ZONE,
        })),
        m,
      );
      await m.getRepository(CustomerEntity).insert(rows);
      return rows;
    });
    // Queued right after each decision, as the send path does (a decision is fresh for 60 s).
    for (const [i, c] of built.entries())
      await ds.transaction(async (m) => {
        const { decision, decisionId } = await compliance.decide(
          c,
          { channel: 'email', purpose: 'collection', at: AT },
          { gate: 'send', customerId: c.id },
          m,
        );
        if (!decision.allowed) throw new Error('outbox bench: a send was refused');
        await notifications.enqueue(
          NotificationChannel.Email,
          'campaign:bench-outbox',
          c.email!,
          bodies[i],
          m,
          { customerId: c.id, purpose: 'collection', decisionId },
        );
      });
  };
  const drain = async (screening: boolean) => {
    worker.screen = screening ? screen : () => Promise.resolve(null);
    const before = sent;
    const started = nowNs();
    try {
      for (let pass = 0; pass < 10_000 && sent - before < perBatch; pass++)
        await delivery.deliverDue(AT);
    } finally {
      worker.screen = screen;
    }
    const ms = msSince(started);
    if (sent - before !== perBatch)
      throw new Error(`outbox bench: ${sent - before} of ${perBatch} messages sent`);
    return (perBatch / ms) * 1000;
  };
  const off: number[] = [];
  const on: number[] = [];
  try {
    for (let r = 0; r < 2; r++) {
      await queueBatch();
      off.push(await drain(false));
      await queueBatch();
      on.push(await drain(true));
      ctx.log(
        `screening: outbox run ${r + 1}: ${off[r].toFixed(0)} msgs/s off, ${on[r].toFixed(0)} on`,
      );
    }
  } finally {
    sender.enabled = original.enabled;
    sender.send = original.send;
  }
  const offRate = Math.max(...off);
  const onRate = Math.max(...on);
  return [
    figure(BENCH, 'outbox_off_msgs_per_s', offRate, 'msgs/s', {
      note: `best of 2 batches of ${perBatch} queued collection emails (${off.map((x) => x.toFixed(0)).join(', ')}), deliverDue() passes into an in-process sink, the worker's screening step replaced by a no-op`,
    }),
    figure(BENCH, 'outbox_on_msgs_per_s', onRate, 'msgs/s', {
      note: `the same with screening (${on.map((x) => x.toFixed(0)).join(', ')}), alternating with the off batches`,
    }),
    figure(BENCH, 'outbox_screening_cost_pct', ((offRate - onRate) / offRate) * 100, '%', {
      note: 'throughput lost to screening, best batches; within the run-to-run spread when near 0',
    }),
  ];
}

function measure(ctx: BenchContext): Figure[] {
  const clean = cleanMessages(1_000);
  const durationMs = ctx.scale === 'full' ? 3_000 : 1_500;
  let found = 0;
  for (const m of clean) found += screenContent(m.text, m.ctx).length;
  if (found !== 0)
    throw new Error(`clean messages tripped ${found} finding(s): not a clean corpus`);
  const outcomes = FLAGGED.map((m) => worstSeverity(screenContent(m.text, m.ctx)));
  if (!outcomes.includes('block') || !outcomes.includes('review') || outcomes.includes(null))
    throw new Error(`flagged corpus not exercised: ${outcomes.join(', ')}`);

  const time = (corpus: typeof clean) => {
    let i = 0;
    let sink = 0;
    loopFor(
      300,
      () => {
        const m = corpus[i++ % corpus.length];
        sink += screenContent(m.text, m.ctx).length;
      },
      100,
    );
    i = 0;
    const r = loopFor(
      durationMs,
      () => {
        const m = corpus[i++ % corpus.length];
        sink += screenContent(m.text, m.ctx).length;
      },
      100,
    );
    if (sink < 0) throw new Error('unreachable');
    return r;
  };
  ctx.log(`screening: ${clean.length} clean messages, ${durationMs} ms`);
  const c = time(clean);
  ctx.log(`screening: ${FLAGGED.length} flagged messages, ${durationMs} ms`);
  const f = time(FLAGGED);
  const avgLength = Math.round(clean.reduce((n, m) => n + m.text.length, 0) / clean.length);
  return [
    figure(BENCH, 'clean_message_us', (c.ms * 1000) / c.ops, 'µs', {
      max: PER_MESSAGE_TARGET_US,
      note: `screenContent over ${clean.length} rendered clean messages (2/3 texts, 1/3 emails; ${avgLength} characters on average), ${Math.round((c.ops / c.ms) * 1000)} messages/s on one thread; nothing found in any`,
    }),
    figure(BENCH, 'flagged_message_us', (f.ms * 1000) / f.ops, 'µs', {
      max: PER_MESSAGE_TARGET_US,
      note: `over ${FLAGGED.length} messages that trip PII, Reg F, SHAFT-C and link rules (outcomes: ${outcomes.join(', ')})`,
    }),
  ];
}
