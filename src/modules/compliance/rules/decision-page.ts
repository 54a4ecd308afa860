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

/** A step of the outcome-set trie: by rule id, then passed (0) or failed (1). */
interface OutcomeNode {
  next: Map<string, [OutcomeNode | undefined, OutcomeNode | undefined]>;
  set: number;
}

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
  const outcomeSets: string[][] = [];
  const localTimes: Record<string, string> = {};
  // The entries' JSON text written directly (the same text JSON.stringify gives of PageEntry[],
  // checked in the unit test): no intermediate arrays per member and per fact.
  // Positional arrays, then one native JSON.stringify: about three times faster than writing the
  // text by hand (template strings) or stringifying objects with dates (issue #20's launch bench).
  const entries = new Array<PageEntry>(members.length);
  // Outcome sets found through a trie over (rule, passed): the rule ids are the rule set's own
  // strings, so each step is a lookup by a string whose hash is already known.
  const outcomeRoot: OutcomeNode = { next: new Map(), set: -1 };
  for (let i = 0; i < members.length; i++) {
    const { customerId, taskId, facts: f, allowed, checks } = members[i];
    if (
      f.channel !== first.channel ||
      f.purpose !== first.purpose ||
      f.campaignWindow?.start !== first.campaignWindow?.start ||
      f.campaignWindow?.end !== first.campaignWindow?.end
    )
      throw new Error('a page holds decisions of one channel, purpose and campaign window');
    const zoneKey = f.zones.length === 1 ? f.zones[0] : f.zones.join(' ');
    const zoneSet = zoneSets.of(zoneKey, () => {
      for (const zone of f.zones)
        if (!(zone in localTimes)) localTimes[zone] = localTime(first.at, zone);
      return [...f.zones];
    });
    let node = outcomeRoot;
    for (const c of checks) {
      let byRule = node.next.get(c.rule);
      if (!byRule) node.next.set(c.rule, (byRule = [undefined, undefined]));
      const slot = c.passed ? 0 : 1;
      node = byRule[slot] ??= { next: new Map(), set: -1 };
    }
    if (node.set < 0) {
      node.set = outcomeSets.length;
      outcomeSets.push(checks.map((c) => `${c.rule}:${c.passed ? 'pass' : 'fail'}`));
    }
    const outcomeSet = node.set;
    const at = f.at.getTime();
    entries[i] = [
      customerId,
      taskId,
      allowed ? 1 : 0,
      outcomeSet,
      zoneSet,
      f.state,
      f.zipState ?? null,
      f.phoneState ?? null,
      f.toType,
      f.debtId ?? null,
      f.consents.map((c) => [
        c.id ?? null,
        c.evidenceHash ?? null,
        c.channel,
        c.purpose,
        c.granted ? 1 : 0,
        c.at.getTime(),
        ms(c.expiresAt),
      ]),
      // Bans by id, without their free-text reason.
      f.bans.map((b) => [b.id ?? null, b.channel, b.scope]),
      f.attempts.map((a) => [
        a.id ?? null,
        a.channel,
        a.purpose,
        a.at.getTime(),
        a.debtId ?? null,
        flag(a.consumerInitiated),
        flag(a.conversation),
        flag(a.withConsent),
        a.toType ?? null,
      ]),
      (f.ceases ?? []).map((c) => [c.debtId, c.at.getTime()]),
      f.ceaseException ?? null,
      f.preferredWindow ? [f.preferredWindow.start, f.preferredWindow.end] : null,
      at === atMs ? null : at,
    ];
  }
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
      outcomeSets,
    },
    body: Buffer.from(JSON.stringify(entries), 'utf8'),
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
