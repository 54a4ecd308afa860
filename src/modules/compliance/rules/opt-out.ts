/** What an inbound text asks for. */
export type InboundIntent = 'opt_out' | 'opt_in' | 'help' | 'none';

const STOP_WORDS = new Set([
  'STOP',
  'STOPALL',
  'UNSUBSCRIBE',
  'CANCEL',
  'END',
  'QUIT',
  'REVOKE',
  'OPTOUT',
  'OPT-OUT',
  'OPT OUT',
]);
const START_WORDS = new Set(['START', 'UNSTOP', 'YES']);
const HELP_WORDS = new Set(['HELP', 'INFO']);

/** Phrases a reasonable person would read as "stop contacting me" (FCC, 47 CFR 64.1200(a)(10)). */
const NATURAL_REVOCATIONS = [
  /\b(please\s+)?(stop|quit|cease)\s+(texting|calling|messaging|contacting|emailing)\b/i,
  /\b(do\s*n[o']?t|never)\s+(text|call|contact|message|email)\s+(me|this number)\b/i,
  /\bleave\s+me\s+alone\b/i,
  /\bwrong\s+(number|person)\b/i,
  /\b(remove|take)\s+me\s+(off|from)\b/i,
  /\bno\s+more\s+(texts|messages|calls)\b/i,
  /\bunsubscribe\s+me\b/i,
];

export function classifyInbound(body: string): InboundIntent {
  const words = body
    .normalize('NFKC')
    .toUpperCase()
    .replace(/[^A-Z\- ]+/g, ' ')
    .trim()
    .replace(/\s+/g, ' ');
  if (STOP_WORDS.has(words)) return 'opt_out';
  if (HELP_WORDS.has(words)) return 'help';
  if (START_WORDS.has(words)) return 'opt_in';
  if (NATURAL_REVOCATIONS.some((r) => r.test(body))) return 'opt_out';
  return 'none';
}
