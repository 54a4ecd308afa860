import { screenContent, worstSeverity } from '../src/modules/compliance';
import type { ScreenContext } from '../src/modules/compliance';
import { BenchContext, Figure, figure } from './lib/figures';
import { loopFor } from './lib/timing';

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
export function run(ctx: BenchContext): Promise<Figure[]> {
  return Promise.resolve(measure(ctx));
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
