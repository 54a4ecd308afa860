/** The vocabulary of the contact rules. Everything here is plain data: the engine does no I/O. */
export type ContactChannel = 'call' | 'sms' | 'email';
export type ContactPurpose = 'collection' | 'marketing';
/** Which number a call or text goes to; Massachusetts caps differ for home/cell and other numbers. */
export type NumberType = 'home' | 'cell' | 'work' | 'unknown';

export interface ConsentFact {
  channel: ContactChannel;
  purpose: ContactPurpose;
  granted: boolean;
  at: Date;
  expiresAt?: Date | null;
}

/** A do-not-contact entry that applies to this customer (scope person) or to this exact number/address. */
export interface BanFact {
  channel: ContactChannel | null;
  scope: 'person' | 'address';
  reason?: string;
}

export interface AttemptFact {
  channel: ContactChannel;
  purpose: ContactPurpose;
  at: Date;
  debtId?: string | null;
  /** The consumer called us: does not count towards Reg F's 7-in-7. */
  consumerInitiated?: boolean;
  /** A telephone conversation with the consumer about the debt took place. */
  conversation?: boolean;
  /** Placed with the consumer's direct prior consent given in the last 7 days (does not count). */
  withConsent?: boolean;
  toType?: NumberType;
}

/** Everything the rules need to decide one contact. */
export interface ContactFacts {
  channel: ContactChannel;
  purpose: ContactPurpose;
  at: Date;
  /** Candidate IANA zones of the consumer: the contact must be legal in every one. */
  zones: string[];
  /** Two-letter state of the consumer's address, for state rules. */
  state: string | null;
  toType: NumberType;
  debtId?: string | null;
  consents: ConsentFact[];
  bans: BanFact[];
  attempts: AttemptFact[];
  /** The consumer's own window ("don't call me before 10"), HH:mm local. */
  preferredWindow?: { start: string; end: string } | null;
  /** A campaign's daily window in the consumer's local time, HH:mm. */
  campaignWindow?: { start: string; end: string } | null;
}

interface RuleBase {
  id: string;
  citation: string;
  /** 'US' (federal), 'house' (our own policy) or a two-letter state the consumer lives in. */
  jurisdiction: string;
  purposes: ContactPurpose[];
  channels: ContactChannel[];
  effectiveFrom?: string | null;
  effectiveTo?: string | null;
}

export interface HoursRule extends RuleBase {
  /** Local time window, start inclusive, end exclusive, HH:mm. */
  start: string;
  end: string;
}

export interface CapRule extends RuleBase {
  max: number;
  windowHours: number;
  /** Count attempts about the same debt only. */
  perDebt?: boolean;
  /** Count (and apply) only for these number types. */
  toTypes?: NumberType[];
  excludeConsumerInitiated?: boolean;
  excludeWithConsent?: boolean;
}

export interface GapRule extends RuleBase {
  minGapHours: number;
}

export interface CooldownRule extends RuleBase {
  /** No contact within this many hours after a conversation about the debt. */
  hoursAfterConversation: number;
}

export interface ConsentRequirement {
  id: string;
  citation: string;
  channels: ContactChannel[];
  purposes: ContactPurpose[];
  toTypes?: NumberType[];
}

export interface RuleSet {
  version: string;
  hours: HoursRule[];
  caps: CapRule[];
  gaps: GapRule[];
  cooldowns: CooldownRule[];
  consentRequired: ConsentRequirement[];
}

export interface Check {
  rule: string;
  passed: boolean;
  detail: string;
  citation: string;
}

export interface Decision {
  allowed: boolean;
  checks: Check[];
  /** Earliest instant a contact would pass every time-based rule; null when refused for good (no consent, banned). */
  nextAllowedAt: Date | null;
}
