/** The vocabulary of the contact rules. Everything here is plain data: the engine does no I/O. */
export type ContactChannel = 'call' | 'sms' | 'email';
export type ContactPurpose = 'collection' | 'marketing';
/** Which number a call or text goes to; Massachusetts caps differ for home/cell and other numbers. */
export type NumberType = 'home' | 'cell' | 'work' | 'unknown';

export interface ConsentFact {
  /** The consent record (provenance only: the rules never read it). */
  id?: string;
  /** SHA-256 (hex) of the consent's evidence as recorded; null when none was. */
  evidenceHash?: string | null;
  channel: ContactChannel;
  purpose: ContactPurpose;
  granted: boolean;
  at: Date;
  expiresAt?: Date | null;
}

/** A do-not-contact entry that applies to this customer (scope person) or to this exact number/address. */
export interface BanFact {
  /** The do-not-contact entry (provenance only). */
  id?: string;
  channel: ContactChannel | null;
  scope: 'person' | 'address';
  reason?: string;
}

export interface AttemptFact {
  /** The contact attempt (provenance only). */
  id?: string;
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

/**
 * A consumer's written refusal to pay or request to stop communicating (12 CFR 1006.6(c)): it stops
 * every communication about that debt (null: every debt of the consumer) from `at` on.
 */
export interface CeaseFact {
  debtId: string | null;
  at: Date;
}

/** The communications 12 CFR 1006.6(c)(2)(i)-(iii) still allows after a cease request. */
export type CeaseException = 'termination_notice' | 'remedy_notice' | 'intended_remedy';

/** How a state statute presumes where the consumer lives: from the address, its ZIP, the phone's area code. */
export type ResidenceEvidence = 'address' | 'zip' | 'area_code';

/** Everything the rules need to decide one contact. */
export interface ContactFacts {
  channel: ContactChannel;
  purpose: ContactPurpose;
  at: Date;
  /** Candidate IANA zones of the consumer: the contact must be legal in every one. */
  zones: string[];
  /** Two-letter state of the consumer's address, for state rules. */
  state: string | null;
  /** The state the address's ZIP belongs to (when it is known and differs, both states' rules apply). */
  zipState?: string | null;
  /** The state of the phone number's area code (statutes that presume residence from it). */
  phoneState?: string | null;
  toType: NumberType;
  debtId?: string | null;
  consents: ConsentFact[];
  bans: BanFact[];
  attempts: AttemptFact[];
  ceases?: CeaseFact[];
  /** This communication is one that a cease request still allows (a notice it names). */
  ceaseException?: CeaseException | null;
  /** The consumer's own window ("don't call me before 10"), HH:mm local. */
  preferredWindow?: { start: string; end: string } | null;
  /** A campaign's daily window in the consumer's local time, HH:mm. */
  campaignWindow?: { start: string; end: string } | null;
}

/** 'law': a statute or regulation requires it (and its citation says where); 'house': the agency's own choice. */
export type RuleKind = 'law' | 'house';

interface RuleBase {
  id: string;
  /** Law: the section that states the rule. House policy carries none. Default: 'house' when jurisdiction is 'house'. */
  kind?: RuleKind;
  citation?: string;
  /** 'US' (federal), 'house' (our own policy) or a two-letter state the consumer lives in. */
  jurisdiction: string;
  /** For state rules: what places the consumer in the state. Default: the address or its ZIP. */
  residence?: ResidenceEvidence[];
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
  /** A rolling window of hours ending at the contact... */
  windowHours?: number;
  /**
   * ...or of calendar days in the consumer's zone, today included (Reg F's "seven consecutive
   * days"); with several candidate zones, the zone that counts the most decides.
   */
  windowDays?: number;
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
  /** No contact within this many hours after a conversation about the debt... */
  hoursAfterConversation?: number;
  /**
   * ...or within this many calendar days, the conversation's own date the first of them (Reg F
   * 1006.14(b)(2)(i)(B)), in the consumer's zone (the strictest candidate).
   */
  daysAfterConversation?: number;
}

export interface ConsentRequirement {
  id: string;
  kind?: RuleKind;
  citation?: string;
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
  kind: RuleKind;
  passed: boolean;
  detail: string;
  /** The statute or regulation; null for house policy. */
  citation: string | null;
}

export interface Decision {
  allowed: boolean;
  checks: Check[];
  /** Earliest instant a contact would pass every time-based rule; null when refused for good (no consent, banned). */
  nextAllowedAt: Date | null;
}
