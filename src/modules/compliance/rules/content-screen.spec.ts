import { abaRouting, luhn, screenContent, worstSeverity } from './content-screen';
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
