import { abaRouting, luhn, messageContext, screenContent, worstSeverity } from './content-screen';
import type { ScreenContext, ScreenRule } from './content-screen';

const SMS: ScreenContext = { channel: 'sms', embeddedLinks: true, embeddedPhone: true };
const SMS_BARE: ScreenContext = { channel: 'sms', embeddedLinks: false, embeddedPhone: false };
const EMAIL: ScreenContext = { channel: 'email' };

/** [message, context, the rules it must trip (exactly), the outcome]. */
const CASES: [string, ScreenContext, ScreenRule[], 'send' | 'review' | 'block'][] = [
  // Clean messages of a collection agency.
  ['Demo Recovery: please call us about your account. Reply STOP to opt out.', SMS, [], 'send'],
  ['Demo Recovery: your payment was received, thank you. Reply STOP to opt out.', SMS, [], 'send'],
  ['Hi Jonathan, Demo Recovery here. Call (800) 555-0100 Mon-Fri 9-5.', SMS, [], 'send'],
  ['Demo Recovery: pay online at https://pay.demorecovery.example/acct', SMS, [], 'send'],
  ['Your account ending 1234 has a message from Demo Recovery.', SMS, [], 'send'],
  ['Demo Recovery: we have begun processing your request.', SMS, [], 'send'],
  ['Demo Recovery: your joint account request was noted.', SMS, [], 'send'],
  ['Demo Recovery: reference 2026-03-10, call back when convenient.', SMS, [], 'send'],
  ['Demo Recovery office hours changed: 8am-6pm. Reply HELP for help.', SMS, [], 'send'],
  ['Please see the attached notice from Demo Recovery.', EMAIL, [], 'send'],
  // Personal data that must never leave by text or email.
  ['Your SSN 123-45-6789 is on file.', SMS, ['pii.ssn'], 'block'],
  ['Verify SSN 123 45 6789 with Demo Recovery.', SMS, ['pii.ssn'], 'block'],
  ['Your social security number 123456789 was verified.', EMAIL, ['pii.ssn'], 'block'],
  ['Card 4111 1111 1111 1111 was charged $50.00.', SMS, ['pii.card_number'], 'block'],
  ['Pay with 5500-0000-0000-0004 again?', EMAIL, ['pii.card_number'], 'block'],
  ['Card on file: 378282246310005', SMS, ['pii.card_number'], 'block'],
  ['Routing 021000021 account no 12345678901', EMAIL, ['pii.bank_routing'], 'block'],
  ['ABA 011000015 will be debited.', SMS, ['pii.bank_routing'], 'block'],
  [
    'Your checking account 000123456789 will be debited Friday.',
    SMS,
    ['pii.bank_account'],
    'block',
  ],
  [
    'Demo Recovery: DOB 04/12/1980 confirmed for Jonathan Doe.',
    SMS,
    ['pii.date_of_birth'],
    'review',
  ],
  ['Your date of birth (1980-04-12) did not match.', EMAIL, ['pii.date_of_birth'], 'review'],
  // Not personal data, though they look like it.
  ['Invalid SSN shape 000-12-3456 is not one.', SMS, [], 'send'],
  ['Order 4111 1111 1111 1112 is not Luhn-valid.', SMS, [], 'send'],
  ['Routing 123456789 is not a checksum-valid ABA number.', SMS, [], 'send'],
  // Reg F: debt details a third party could read.
  ['Demo Recovery: you owe $1,250.00 on a past due debt.', SMS, ['regf.debt_details'], 'review'],
  ['Your outstanding balance of $300 is in collections.', EMAIL, ['regf.debt_details'], 'review'],
  ['Demo Recovery: $25 credit applied to your rewards.', SMS, [], 'send'],
  [
    'Demo Recovery: this is a debt collector; your balance is $1,250.00.',
    { ...SMS, thirdPartySafe: true },
    [],
    'send',
  ],
  // SHAFT-C.
  ['Free beer with every payment at Demo Recovery!', SMS, ['shaft.alcohol'], 'block'],
  ['Happy hour deals on vodka tonight', SMS, ['shaft.alcohol'], 'block'],
  ['Get your CBD gummies now', SMS, ['shaft.cannabis'], 'block'],
  ['Best c@nnabis dispensary in town', SMS, ['shaft.cannabis'], 'block'],
  ['w33d delivered today', SMS, ['shaft.cannabis'], 'block'],
  ['Big gun show this weekend: ammo half price', SMS, ['shaft.firearms'], 'block'],
  ['New handgun models in stock', EMAIL, ['shaft.firearms'], 'block'],
  ['Cheap cigarettes and vapes shipped fast', SMS, ['shaft.tobacco'], 'block'],
  ['Hot nudes waiting for you', SMS, ['shaft.sex'], 'block'],
  ['Join the white power rally', SMS, ['shaft.hate'], 'block'],
  // Links and numbers the registration does not cover; public shorteners.
  ['Pay now: bit.ly/3xYzAbc', SMS, ['link.shortener'], 'block'],
  ['Pay now: https://tinyurl.com/demo-pay', EMAIL, ['link.shortener'], 'block'],
  ['Pay at https://pay.demorecovery.example', SMS_BARE, ['link.unregistered'], 'block'],
  ['Call us at 800-555-0100', SMS_BARE, ['phone.unregistered'], 'block'],
  ['Call us at (800) 555-0100', EMAIL, [], 'send'],
  ['Demo Recovery: reply STOP to opt out.', SMS_BARE, [], 'send'],
  // Several at once: each rule once, the worst outcome wins.
  [
    'You owe $900.00 past due; pay with card 4111111111111111 or see bit.ly/x',
    SMS,
    ['link.shortener', 'pii.card_number', 'regf.debt_details'],
    'block',
  ],
];

describe('screenContent', () => {
  it(`decides ${CASES.length} templates and messages as a reviewer would`, () => {
    expect(CASES.length).toBeGreaterThanOrEqual(40);
  });

  it.each(CASES)('%s', (text, ctx, rules, outcome) => {
    const findings = screenContent(text, ctx);
    expect(findings.map((f) => f.rule).sort()).toEqual([...rules].sort());
    expect(worstSeverity(findings) ?? 'send').toBe(outcome);
    // A finding says what it is, never the value.
    for (const f of findings)
      for (const digits of text.match(/\d{4,}/g) ?? []) expect(f.detail).not.toContain(digits);
  });

  it('checks card and routing numbers by their checksums', () => {
    expect(luhn('4111111111111111')).toBe(true);
    expect(luhn('4111111111111112')).toBe(false);
    expect(abaRouting('021000021')).toBe(true);
    expect(abaRouting('021000022')).toBe(false);
    expect(abaRouting('991000021')).toBe(false);
  });
});

describe('screenContent, rule by rule', () => {
  const rules = (text: string, ctx: ScreenContext = EMAIL) =>
    screenContent(text, ctx).map((f) => f.rule);

  it('says what it found in a fixed wording, each rule once', () => {
    expect(
      screenContent(
        'SSN 123-45-6789 and 234-56-7890; card 4111 1111 1111 1111; see bit.ly/x; DOB 04/12/1980; cannabis',
        SMS,
      ),
    ).toEqual([
      { rule: 'link.shortener', severity: 'block', detail: 'a public URL shortener (bit.ly)' },
      { rule: 'pii.ssn', severity: 'block', detail: 'a Social Security number' },
      { rule: 'pii.card_number', severity: 'block', detail: 'a payment card number (Luhn-valid)' },
      { rule: 'pii.date_of_birth', severity: 'review', detail: 'a date of birth' },
      {
        rule: 'shaft.cannabis',
        severity: 'block',
        detail: 'carrier-prohibited content (cannabis)',
      },
    ]);
    expect(screenContent('ABA 021000021', EMAIL)).toEqual([
      { rule: 'pii.bank_routing', severity: 'block', detail: 'a bank routing number' },
    ]);
    expect(screenContent('checking account 000123456789', EMAIL)).toEqual([
      { rule: 'pii.bank_account', severity: 'block', detail: 'a bank account number' },
    ]);
    expect(screenContent('You owe $5.00 on this debt', EMAIL)).toEqual([
      {
        rule: 'regf.debt_details',
        severity: 'review',
        detail: 'an amount and debt wording a third party could read (Reg F 1006.6(d))',
      },
    ]);
    expect(screenContent('see https://x.example/a and call 212-555-0123', SMS_BARE)).toEqual([
      {
        rule: 'link.unregistered',
        severity: 'block',
        detail: 'a link, and the 10DLC campaign was registered without links',
      },
      {
        rule: 'phone.unregistered',
        severity: 'block',
        detail: 'a phone number, and the 10DLC campaign was registered without numbers',
      },
    ]);
  });

  it('reads SSNs only in the shapes the SSA issues, and bare nine digits only beside SSN words', () => {
    expect(rules('id 123-45-6789')).toEqual(['pii.ssn']);
    expect(rules('id 123 45 6789')).toEqual(['pii.ssn']);
    for (const n of ['000-12-3456', '666-12-3456', '912-12-3456', '123-00-4567', '123-45-0000'])
      expect(rules(`id ${n}`)).toEqual([]);
    expect(rules('reference 123456789')).toEqual([]);
    expect(rules('your ssn: 123456789')).toEqual(['pii.ssn']);
    expect(rules('social security 123456789')).toEqual(['pii.ssn']);
    // Not a phone number either, where the registration allows none: it is read as an SSN only.
    expect(rules('id 123-45-6789', SMS_BARE)).toEqual(['pii.ssn']);
  });

  it('reads card numbers by a network first digit and the Luhn checksum', () => {
    expect(rules('card 5555 5555 5555 4444')).toEqual(['pii.card_number']);
    expect(rules('card 5555 5555 5555 4445')).toEqual([]);
    expect(rules('card 6011-1111-1111-1117')).toEqual(['pii.card_number']);
    // Luhn-valid, but no card network starts with 1.
    expect(rules('order 1234567812345670')).toEqual([]);
    expect(luhn('79927398713')).toBe(true);
    expect(luhn('79927398710')).toBe(false);
  });

  it('reads routing numbers by the ABA checksum and the Federal Reserve prefixes', () => {
    const valid = [
      '001000009',
      '121000002',
      '211000006',
      '321000006',
      '611000004',
      '721000004',
      '801000005',
    ];
    const badPrefix = [
      '131000005',
      '201000003',
      '331000009',
      '601000001',
      '731000007',
      '811000008',
    ];
    for (const n of valid) expect([n, abaRouting(n)]).toEqual([n, true]);
    for (const n of badPrefix) expect([n, abaRouting(n)]).toEqual([n, false]);
    expect(abaRouting('02100002')).toBe(false);
    expect(abaRouting('0210000210')).toBe(false);
    expect(abaRouting('a21000021')).toBe(false);
    expect(rules('routing 121000002')).toEqual(['pii.bank_routing']);
    expect(rules('routing 131000005')).toEqual([]);
  });

  it('folds the character swaps used to slip past the vocabulary', () => {
    for (const [text, rule] of [
      ['c@nnabis', 'shaft.cannabis'],
      ['c4nnabis', 'shaft.cannabis'],
      ['b33r', 'shaft.alcohol'],
      ['v0dka', 'shaft.alcohol'],
      ['c1gar', 'shaft.tobacco'],
      ['c|gar', 'shaft.tobacco'],
      ['c!garettes', 'shaft.tobacco'],
      ['cigare77es', 'shaft.tobacco'],
      ['vape5', 'shaft.tobacco'],
      ['nude$', 'shaft.sex'],
    ] as const)
      expect([text, rules(`new ${text} today`)]).toEqual([text, [rule]]);
    // Whole words only.
    expect(rules('we have begun; a joint account; the beerbohm estate')).toEqual([]);
  });

  it('tells links from other dotted words, and reads no numbers inside a link', () => {
    expect(rules('go to www.bit.ly/abc')).toEqual(['link.shortener']);
    expect(rules('HTTPS://TinyURL.com/x')).toEqual(['link.shortener']);
    expect(rules('pay at https://pay.example', SMS_BARE)).toEqual(['link.unregistered']);
    expect(rules('pay at pay.example/now', SMS_BARE)).toEqual(['link.unregistered']);
    expect(rules('pay at demorecovery.com', SMS_BARE)).toEqual(['link.unregistered']);
    expect(rules('see the attached notice.pdf, e.g. today', SMS_BARE)).toEqual([]);
    // Links are fine where the registration allows them, and in emails.
    expect(rules('pay at https://pay.example/now', SMS)).toEqual([]);
    expect(rules('pay at https://pay.example/now', EMAIL)).toEqual([]);
    // A card-shaped path segment is part of the link, not a card number.
    expect(rules('https://pay.example/r/4111111111111111')).toEqual([]);
    // Numbers are fine where the registration allows them, and in emails.
    expect(rules('call 212-555-0123', SMS)).toEqual([]);
    expect(rules('call 212-555-0123', { channel: 'email', embeddedPhone: false })).toEqual([]);
  });
});

describe('messageContext', () => {
  it("lets a text carry debt details (consented number) and holds an email's, with the registration's limits", () => {
    expect(messageContext('sms', { embeddedLinks: false, embeddedPhone: true })).toEqual({
      channel: 'sms',
      embeddedLinks: false,
      embeddedPhone: true,
      thirdPartySafe: true,
    });
    expect(messageContext('email')).toEqual({
      channel: 'email',
      embeddedLinks: undefined,
      embeddedPhone: undefined,
      thirdPartySafe: false,
    });
    const owed = 'This is a debt collector: you owe $120.00.';
    expect(screenContent(owed, messageContext('sms'))).toEqual([]);
    expect(screenContent(owed, messageContext('email')).map((f) => f.rule)).toEqual([
      'regf.debt_details',
    ]);
  });
});
