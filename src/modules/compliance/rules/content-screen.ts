/**
 * Content screening of outbound texts and emails (issue #21): what must never leave by text or
 * email, what the carriers refuse, and what the sender's registration does not cover. Pure: the
 * caller passes the channel and the registration's limits.
 *
 * Severity: `block` refuses the message outright (personal data that must never go by text or
 * email, carrier-prohibited content, a public URL shortener, a link or number the registration does
 * not allow); `review` holds it for a person to approve or reject (debt details a third party could
 * read, a date of birth, a bare long number that may be an account number).
 */
export type ScreenSeverity = 'block' | 'review';

export type ScreenRule =
  | 'pii.ssn'
  | 'pii.card_number'
  | 'pii.bank_routing'
  | 'pii.bank_account'
  | 'pii.date_of_birth'
  | 'regf.debt_details'
  | 'shaft.sex'
  | 'shaft.hate'
  | 'shaft.alcohol'
  | 'shaft.firearms'
  | 'shaft.tobacco'
  | 'shaft.cannabis'
  | 'link.shortener'
  | 'link.unregistered'
  | 'phone.unregistered';

export interface ScreenFinding {
  rule: ScreenRule;
  severity: ScreenSeverity;
  /** What was found, never the value itself (the finding is stored and shown to reviewers). */
  detail: string;
}

export interface ScreenContext {
  channel: 'sms' | 'email';
  /** The 10DLC registration's limits (texts); emails carry links and numbers freely. */
  embeddedLinks?: boolean;
  embeddedPhone?: boolean;
  /**
   * The address is one a third party is not expected to read: the consumer consented to be
   * contacted there or used it to reach the collector (Reg F 1006.6(d)(4)'s safe harbor; texts
   * need consent to pass the gate at all). Otherwise debt details go to review first.
   */
  thirdPartySafe?: boolean;
}

/** Public shorteners the carriers filter (CTIA; T-Mobile and AT&T block them on 10DLC). */
const SHORTENERS = new Set([
  'bit.ly',
  'bitly.com',
  'tinyurl.com',
  't.co',
  'goo.gl',
  'ow.ly',
  'is.gd',
  'buff.ly',
  'rebrand.ly',
  'cutt.ly',
  'shorturl.at',
  'tiny.cc',
  'rb.gy',
  't.ly',
  'v.gd',
  'bl.ink',
  's.id',
  'shorte.st',
  'adf.ly',
  'lnkd.in',
]);

/**
 * SHAFT-C vocabulary (CTIA Messaging Principles and Best Practices, 2023: sex, hate, alcohol,
 * firearms, tobacco, and cannabis/CBD), whole words after folding case and common character swaps.
 * Kept short and specific: a word here blocks a message, so nothing a collection notice says in its
 * ordinary course (no "shot", "pot", "joint account", "gun" in "begun") is on it.
 */
const SHAFT: Record<Extract<ScreenRule, `shaft.${string}`>, string[]> = {
  'shaft.sex': [
    'porn',
    'porno',
    'pornography',
    'xxx',
    'escort service',
    'nude',
    'nudes',
    'sexting',
    'onlyfans',
    'camgirl',
  ],
  'shaft.hate': ['white power', 'heil hitler', 'kill all', 'racial purity', 'ethnic cleansing'],
  'shaft.alcohol': [
    'beer',
    'wine',
    'vodka',
    'whiskey',
    'whisky',
    'tequila',
    'liquor',
    'booze',
    'happy hour',
    'brewery',
    'cocktails',
  ],
  'shaft.firearms': [
    'firearm',
    'firearms',
    'handgun',
    'handguns',
    'rifle',
    'rifles',
    'shotgun',
    'ammo',
    'ammunition',
    'ar-15',
    'glock',
    'gun show',
  ],
  'shaft.tobacco': [
    'tobacco',
    'cigarette',
    'cigarettes',
    'cigar',
    'cigars',
    'vape',
    'vapes',
    'vaping',
    'e-cig',
    'nicotine',
    'juul',
  ],
  'shaft.cannabis': [
    'cannabis',
    'marijuana',
    'cbd',
    'thc',
    'weed',
    'dispensary',
    'edibles',
    'kush',
    'delta-8',
    'hemp oil',
  ],
};

/** Folds case and the swaps used to slip past filters (c@nnabis, v0dka, w33d, $moke). */
function fold(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[@4]/g, 'a')
    .replace(/3/g, 'e')
    .replace(/[1!|]/g, 'i')
    .replace(/0/g, 'o')
    .replace(/[$5]/g, 's')
    .replace(/7/g, 't');
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const SHAFT_RE = Object.entries(SHAFT).map(
  ([rule, words]) =>
    [
      rule as ScreenRule,
      new RegExp(
        `(?<![a-z])(?:${words.map((w) => escapeRe(w).replace(/ /g, '\\s+')).join('|')})(?![a-z])`,
        'u',
      ),
    ] as const,
);

/** Luhn checksum over a digit string. */
export function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** The ABA routing number checksum (3-7-1 weights) and a Federal Reserve prefix. */
export function abaRouting(digits: string): boolean {
  if (!/^\d{9}$/.test(digits)) return false;
  const prefix = Number(digits.slice(0, 2));
  if (!(
    (prefix >= 0 && prefix <= 12) ||
    (prefix >= 21 && prefix <= 32) ||
    (prefix >= 61 && prefix <= 72) ||
    prefix === 80
  ))
    return false;
  const w = [3, 7, 1];
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += (digits.charCodeAt(i) - 48) * w[i % 3];
  return sum % 10 === 0;
}

/** An SSN as the SSA issues them: area not 000, 666 or 9xx; group not 00; serial not 0000. */
function ssnShaped(area: string, group: string, serial: string): boolean {
  return area !== '000' && area !== '666' && area[0] !== '9' && group !== '00' && serial !== '0000';
}

const SSN_RE = /(?<![\d-])(\d{3})[- ]?(\d{2})[- ]?(\d{4})(?![\d-])/g;
/** 13 to 19 digits, optionally in groups separated by single spaces or dashes. */
const CARD_RE = /(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)/g;
const NINE_DIGITS_RE = /(?<!\d)\d{9}(?!\d)/g;
const LONG_NUMBER_RE = /(?<![\d$.,])\d{8,17}(?![\d.,])/;
const ROUTING_WORDS = /\b(?:routing|aba|rtn|transit)\b/;
const ACCOUNT_WORDS = /\b(?:bank account|checking|savings|acct|account (?:no|number|#))\b/;
const DOB_WORDS = /\b(?:dob|d\.o\.b|date of birth|born on|birth ?date|birthday)\b/;
const DATE_RE =
  /\b(?:\d{1,2}[/.-]\d{1,2}[/.-](?:19|20)?\d{2}|(?:19|20)\d{2}-\d{2}-\d{2}|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? \d{1,2},? (?:19|20)\d{2})\b/;
const MONEY_RE = /\$\s?\d[\d,]*(?:\.\d{2})?/;
const DEBT_WORDS =
  /\b(?:debt|owe|owed|owing|past due|overdue|delinquent|collection|collections|balance due|outstanding balance|amount due|judgment|judgement|garnish\w*|repossess\w*)\b/;
const URL_RE = /\b(?:https?:\/\/)?((?:[a-z0-9-]+\.)+[a-z]{2,})(?:\/[^\s]*)?/g;
const TLD_LIKE =
  /\.(?:com|net|org|io|co|us|ly|gl|gd|at|cc|gy|id|st|in|info|biz|me|app|link|site|online|xyz)$/;
const PHONE_RE = /(?<!\d)(?:\+?1[\s.-]?)?\(?\d{3}\)?[\s.-]?\d{3}[\s.-]?\d{4}(?!\d)/;

/**
 * What is wrong with a text or email: each finding once per rule, in a stable order. An empty
 * list means it may go.
 */
export function screenContent(text: string, ctx: ScreenContext): ScreenFinding[] {
  const found = new Map<ScreenRule, ScreenFinding>();
  const add = (rule: ScreenRule, severity: ScreenSeverity, detail: string) => {
    if (!found.has(rule)) found.set(rule, { rule, severity, detail });
  };
  const lower = text.normalize('NFKC').toLowerCase();

  // Links first: their digits are not numbers the rules below should read.
  const links: string[] = [];
  let bare = lower;
  for (const m of lower.matchAll(URL_RE)) {
    const host = m[1].replace(/^www\./, '');
    const looksLikeLink = /^https?:\/\//.test(m[0]) || m[0].includes('/') || TLD_LIKE.test(host);
    if (!looksLikeLink) continue;
    links.push(host);
    bare = bare.replace(m[0], ' ');
  }
  for (const host of links) {
    if (SHORTENERS.has(host)) add('link.shortener', 'block', `a public URL shortener (${host})`);
    else if (ctx.channel === 'sms' && ctx.embeddedLinks === false)
      add(
        'link.unregistered',
        'block',
        'a link, and the 10DLC campaign was registered without links',
      );
  }

  for (const m of bare.matchAll(SSN_RE))
    if (
      (m[0].includes('-') || m[0].includes(' ') || /\b(?:ssn|social security)\b/.test(bare)) &&
      ssnShaped(m[1], m[2], m[3])
    )
      add('pii.ssn', 'block', 'a Social Security number');
  for (const m of bare.matchAll(CARD_RE)) {
    const digits = m[0].replace(/[ -]/g, '');
    // 13 to 19 digits by the pattern; a card network's first digit, and the Luhn checksum.
    if (/^[2-6]/.test(digits) && luhn(digits))
      add('pii.card_number', 'block', 'a payment card number (Luhn-valid)');
  }
  for (const m of bare.matchAll(NINE_DIGITS_RE))
    if (abaRouting(m[0]) && ROUTING_WORDS.test(bare))
      add('pii.bank_routing', 'block', 'a bank routing number');
  if (
    ACCOUNT_WORDS.test(bare) &&
    LONG_NUMBER_RE.test(bare) &&
    !found.has('pii.card_number') &&
    !found.has('pii.bank_routing')
  )
    add('pii.bank_account', 'block', 'a bank account number');
  if (DATE_RE.test(bare) && DOB_WORDS.test(bare))
    add('pii.date_of_birth', 'review', 'a date of birth');

  if (!ctx.thirdPartySafe && MONEY_RE.test(bare) && DEBT_WORDS.test(bare))
    add(
      'regf.debt_details',
      'review',
      'an amount and debt wording a third party could read (Reg F 1006.6(d))',
    );

  const folded = fold(bare);
  for (const [rule, re] of SHAFT_RE)
    if (re.test(folded)) add(rule, 'block', `carrier-prohibited content (${rule.slice(6)})`);

  if (ctx.channel === 'sms' && ctx.embeddedPhone === false) {
    const withoutSsn = bare.replace(SSN_RE, ' ');
    if (PHONE_RE.test(withoutSsn))
      add(
        'phone.unregistered',
        'block',
        'a phone number, and the 10DLC campaign was registered without numbers',
      );
  }
  return [...found.values()];
}

/**
 * The context a campaign message is screened in, wherever it is screened (queueing, delivery): a
 * text passes the gate only with the consumer's consent to texts at that number, Reg F's safe
 * harbor, so its debt details need no review; an email's do. `limits`: the 10DLC registration's.
 */
export function messageContext(
  channel: 'sms' | 'email',
  limits: { embeddedLinks?: boolean; embeddedPhone?: boolean } = {},
): ScreenContext {
  return {
    channel,
    embeddedLinks: limits.embeddedLinks,
    embeddedPhone: limits.embeddedPhone,
    thirdPartySafe: channel === 'sms',
  };
}

/** The worst severity among findings, or null when there are none. */
export function worstSeverity(findings: ScreenFinding[]): ScreenSeverity | null {
  if (findings.some((f) => f.severity === 'block')) return 'block';
  return findings.length ? 'review' : null;
}
