import type {
  AttemptFact,
  BanFact,
  CeaseException,
  Check,
  ConsentFact,
  ContactFacts,
  NumberType,
} from './types';

/**
 * A launch page's decisions as one document (issue #20): a launch decides its whole audience at one
 * instant, under one rule set, for one channel and purpose, and most of what a decision row would
 * keep is therefore the same for every member. A page keeps that once (`PageFacts`) and each member
 * as a positional array of what is theirs (`PageEntry`, fields named in `ENTRY_FIELDS`, which the
 * page also carries so that the document explains itself): ids, states and number type, their
 * consents, bans, counted attempts and cease requests with instants as epoch milliseconds, and two
 * indexes into the page's tables of zone sets and check outcomes (a member's candidate zones, and
 * each check's `rule:pass|fail`, are one of a few dozen combinations in any page). The facts are
 * the same as a single decision row keeps, by reference only: no names, numbers or free text.
 */
export const PAGE_FORMAT = 'launch-page/1';

export const ENTRY_FIELDS = [
  'customerId',
  'taskId',
  'allowed',
  'outcomeSet',
  'zoneSet',
  'state',
  'zipState',
  'phoneState',
  'toType',
  'debtId',
  'consents: [id, evidenceHash, channel, purpose, granted, atMs, expiresAtMs]',
  'bans: [id, channel, scope]',
  'attempts: [id, channel, purpose, atMs, debtId, consumerInitiated, conversation, withConsent, toType]',
  'ceases: [debtId, atMs]',
  'ceaseException',
  'preferredWindow: [start, end]',
  'atMs (when not the page instant)',
] as const;

type Flag = 0 | 1 | null;
type ConsentCell = [
  string | null,
  string | null,
  ConsentFact['channel'],
  ConsentFact['purpose'],
  0 | 1,
  number,
  number | null,
];
type BanCell = [string | null, BanFact['channel'], BanFact['scope']];
type AttemptCell = [
  string | null,
  AttemptFact['channel'],
  AttemptFact['purpose'],
  number,
  string | null,
  Flag,
  Flag,
  Flag,
  NumberType | null,
];
type CeaseCell = [string | null, number];

export type PageEntry = [
  customerId: string,
  taskId: string | null,
  allowed: 0 | 1,
  outcomeSet: number,
  zoneSet: number,
  state: string | null,
  zipState: string | null,
  phoneState: string | null,
  toType: NumberType,
  debtId: string | null,
  consents: ConsentCell[],
  bans: BanCell[],
  attempts: AttemptCell[],
  ceases: CeaseCell[],
  ceaseException: CeaseException | null,
  preferredWindow: [string, string] | null,
  atMs: number | null,
];

/** What a page row keeps as its own facts (its `facts` column): what every member shares. */
export interface PageFacts {
  format: typeof PAGE_FORMAT;
  entry: readonly string[];
  at: string;
  channel: ContactFacts['channel'];
  purpose: ContactFacts['purpose'];
  campaignWindow: { start: string; end: string } | null;
  /** The consumer's local time in each zone of any member, at the page's instant. */
  localTimes: Record<string, string>;
  zoneSets: string[][];
  outcomeSets: string[][];
}

export interface PageMember {
  customerId: string;
  taskId: string | null;
  facts: ContactFacts;
  allowed: boolean;
  checks: Check[];
}

const flag = (b: boolean | undefined): Flag => (b === undefined ? null : b ? 1 : 0);
const unflag = (f: Flag): boolean | undefined => (f === null ? undefined : f === 1);
const ms = (d: Date | null | undefined): number | null => (d ? d.getTime() : null);
/** A string, null or absent as JSON text (absent: null, as the positional form keeps it). */
const str = (v: string | null | undefined): string =>
  v === undefined || v === null ? 'null' : JSON.stringify(v);
const num = (v: number | null): string => (v === null ? 'null' : String(v));

/** A table of distinct values, each kept once, by its key. */
class Table<T> {
  readonly values: T[] = [];
  private readonly index = new Map<string, number>();
  of(key: string, value: () => T): number {
    let i = this.index.get(key);
    if (i === undefined) {
      i = this.values.length;
      this.values.push(value());
      this.index.set(key, i);
    }
    return i;
  }
}

/**
 * The page document of `members`, which share the first one's instant, channel, purpose and
 * campaign window (the caller checks gate and campaign). `localTime` formats a zone's local time.
 */
export function encodePage(
  members: PageMember[],
  localTime: (at: Date, zone: string) => string,
): { page: PageFacts; body: Buffer } {
  const first = members[0].facts;
  const atMs = first.at.getTime();
  const zoneSets = new Table<string[]>();
  const outcomeSets = new Table<string[]>();
  const localTimes: Record<string, string> = {};
  // The entries' JSON text written directly (the same text JSON.stringify gives of PageEntry[],
  // checked in the unit test): no intermediate arrays per member and per fact.
  let text = '[';
  for (let i = 0; i < members.length; i++) {
    const { customerId, taskId, facts: f, allowed, checks } = members[i];
    if (
      f.channel !== first.channel ||
      f.purpose !== first.purpose ||
      f.campaignWindow?.start !== first.campaignWindow?.start ||
      f.campaignWindow?.end !== first.campaignWindow?.end
    )
      throw new Error('a page holds decisions of one channel, purpose and campaign window');
    const zoneSet = zoneSets.of(f.zones.join(' '), () => {
      for (const zone of f.zones)
        if (!(zone in localTimes)) localTimes[zone] = localTime(first.at, zone);
      return [...f.zones];
    });
    let key = '';
    for (const c of checks) key += `${c.rule}${c.passed ? ' ' : '!'}`;
    const outcomeSet = outcomeSets.of(key, () =>
      checks.map((c) => `${c.rule}:${c.passed ? 'pass' : 'fail'}`),
    );
    let consents = '';
    for (const c of f.consents)
      consents += `${consents ? ',' : ''}[${str(c.id)},${str(c.evidenceHash)},${str(c.channel)},${str(c.purpose)},${c.granted ? 1 : 0},${c.at.getTime()},${num(ms(c.expiresAt))}]`;
    let bans = '';
    // Bans by id, without their free-text reason.
    for (const b of f.bans)
      bans += `${bans ? ',' : ''}[${str(b.id)},${str(b.channel)},${str(b.scope)}]`;
    let attempts = '';
    for (const a of f.attempts)
      attempts += `${attempts ? ',' : ''}[${str(a.id)},${str(a.channel)},${str(a.purpose)},${a.at.getTime()},${str(a.debtId)},${num(flag(a.consumerInitiated))},${num(flag(a.conversation))},${num(flag(a.withConsent))},${str(a.toType)}]`;
    let ceases = '';
    for (const c of f.ceases ?? [])
      ceases += `${ceases ? ',' : ''}[${str(c.debtId)},${c.at.getTime()}]`;
    const at = f.at.getTime();
    const window = f.preferredWindow
      ? `[${str(f.preferredWindow.start)},${str(f.preferredWindow.end)}]`
      : 'null';
    text +=
      `${i ? ',' : ''}[${str(customerId)},${str(taskId)},${allowed ? 1 : 0},${outcomeSet},${zoneSet},` +
      `${str(f.state)},${str(f.zipState)},${str(f.phoneState)},${str(f.toType)},${str(f.debtId)},` +
      `[${consents}],[${bans}],[${attempts}],[${ceases}],${str(f.ceaseException)},${window},` +
      `${at === atMs ? 'null' : at}]`;
  }
  text += ']';
  return {
    page: {
      format: PAGE_FORMAT,
      entry: ENTRY_FIELDS,
      at: first.at.toISOString(),
      channel: first.channel,
      purpose: first.purpose,
      campaignWindow: first.campaignWindow
        ? { start: first.campaignWindow.start, end: first.campaignWindow.end }
        : null,
      localTimes,
      zoneSets: zoneSets.values,
      outcomeSets: outcomeSets.values,
    },
    body: Buffer.from(text, 'utf8'),
  };
}

/** One member's decision back from a page: the facts as the engine takes them. */
export function decodeMember(
  page: PageFacts,
  body: Buffer,
  customerId: string,
): {
  taskId: string | null;
  allowed: boolean;
  outcomes: string[];
  facts: ContactFacts;
} | null {
  if (page.format !== PAGE_FORMAT)
    throw new Error(`unknown decision page format ${String(page.format)}`);
  const entry = (JSON.parse(body.toString('utf8')) as PageEntry[]).find((e) => e[0] === customerId);
  if (!entry) return null;
  const [
    ,
    taskId,
    allowed,
    outcomeSet,
    zoneSet,
    state,
    zipState,
    phoneState,
    toType,
    debtId,
    consents,
    bans,
    attempts,
    ceases,
    ceaseException,
    preferredWindow,
    atMs,
  ] = entry;
  const facts: ContactFacts = {
    channel: page.channel,
    purpose: page.purpose,
    at: atMs === null ? new Date(page.at) : new Date(atMs),
    zones: page.zoneSets[zoneSet],
    state,
    zipState,
    phoneState,
    toType,
    debtId,
    consents: consents.map(([id, evidenceHash, channel, purpose, granted, at, expiresAt]) => ({
      id: id ?? undefined,
      evidenceHash,
      channel,
      purpose,
      granted: granted === 1,
      at: new Date(at),
      expiresAt: expiresAt === null ? null : new Date(expiresAt),
    })),
    bans: bans.map(([id, channel, scope]) => ({ id: id ?? undefined, channel, scope })),
    attempts: attempts.map(
      ([
        id,
        channel,
        purpose,
        at,
        attemptDebt,
        consumerInitiated,
        conversation,
        withConsent,
        to,
      ]) => ({
        id: id ?? undefined,
        channel,
        purpose,
        at: new Date(at),
        debtId: attemptDebt,
        consumerInitiated: unflag(consumerInitiated),
        conversation: unflag(conversation),
        withConsent: unflag(withConsent),
        toType: to ?? undefined,
      }),
    ),
    ceases: ceases.map(([ceaseDebt, at]) => ({ debtId: ceaseDebt, at: new Date(at) })),
    ceaseException,
    preferredWindow: preferredWindow
      ? { start: preferredWindow[0], end: preferredWindow[1] }
      : null,
    campaignWindow: page.campaignWindow,
  };
  return { taskId, allowed: allowed === 1, outcomes: page.outcomeSets[outcomeSet], facts };
}

/**
 * `members` as page documents of at most `limits.entries` members and, but for a single member,
 * `limits.bytes` of entries each (a page is halved until it fits: members with long consent
 * histories or many counted attempts make large entries).
 */
export function encodePages(
  members: PageMember[],
  localTime: (at: Date, zone: string) => string,
  limits: { entries: number; bytes: number },
): { page: PageFacts; body: Buffer; count: number }[] {
  const out: { page: PageFacts; body: Buffer; count: number }[] = [];
  const add = (part: PageMember[]) => {
    const encoded = encodePage(part, localTime);
    if (encoded.body.length > limits.bytes && part.length > 1) {
      const half = Math.ceil(part.length / 2);
      add(part.slice(0, half));
      add(part.slice(half));
    } else out.push({ ...encoded, count: part.length });
  };
  for (let from = 0; from < members.length; from += limits.entries)
    add(members.slice(from, from + limits.entries));
  return out;
}
