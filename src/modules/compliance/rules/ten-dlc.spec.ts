import {
  hasLink,
  hasPhoneNumber,
  notSendableReason,
  registrationProblems,
  registrationTextProblems,
  SenderRegistration,
} from './ten-dlc';

const reg = (
  campaign: Partial<SenderRegistration['campaign']> = {},
  brand: Partial<SenderRegistration['brand']> = {},
): SenderRegistration => ({
  brand: { displayName: 'Acme Recovery', status: 'verified', ...brand },
  campaign: {
    useCase: 'account_notification',
    status: 'active',
    embeddedLinks: false,
    embeddedPhone: false,
    ...campaign,
  },
});
const OK =
  'Acme Recovery: this is a debt collector. Your balance is {{balance}}. Reply STOP to opt out';

describe('10DLC content rules', () => {
  it('accepts a collection text within its registration', () => {
    expect(registrationProblems(OK, 'collection', reg())).toEqual([]);
  });

  it.each([
    ['marketing purpose under a notification use case', OK, 'marketing', {}, /marketing messages/],
    [
      'collection purpose under a marketing use case',
      OK,
      'collection',
      { useCase: 'marketing' },
      /collection messages/,
    ],
    ['a link not registered', `${OK} pay at https://pay.acme.example`, 'collection', {}, /links/],
    ['an unsubscribe link not registered', `${OK} {{unsubscribe_link}}`, 'collection', {}, /links/],
    ['a phone number not registered', `${OK} Call (800) 555-0100`, 'collection', {}, /phone/],
    ['the agency phone placeholder', `${OK} Call {{agency_phone}}`, 'collection', {}, /phone/],
    [
      'no sender name',
      'This is a debt collector. Reply STOP to opt out',
      'collection',
      {},
      /name the sender/,
    ],
  ] as const)('refuses %s', (_name, text, purpose, campaign, problem) => {
    const problems = registrationProblems(text, purpose, reg(campaign));
    expect(problems.some((p) => problem.test(p))).toBe(true);
  });

  it('allows links and numbers the registration declares', () => {
    const text = `${OK} Pay at https://pay.acme.example or call (800) 555-0100`;
    expect(
      registrationProblems(text, 'collection', reg({ embeddedLinks: true, embeddedPhone: true })),
    ).toEqual([]);
  });

  it('does not take balances or dates for phone numbers', () => {
    expect(hasPhoneNumber('Your balance of $1,250.00 is due 2026-12-01')).toBe(false);
    expect(hasLink('Your balance is due. Reply STOP')).toBe(false);
  });

  it('sends only under a verified brand and an active campaign', () => {
    expect(notSendableReason(reg())).toBeNull();
    expect(notSendableReason(reg({ status: 'suspended' }))).toMatch(/campaign is suspended/);
    expect(notSendableReason(reg({ status: 'pending' }))).toMatch(/campaign is pending/);
    expect(notSendableReason(reg({}, { status: 'unverified' }))).toMatch(/brand is unverified/);
  });

  it('checks a registration’s own texts before it goes to the carriers', () => {
    const good = {
      brandName: 'Acme Recovery',
      sampleMessages: [OK],
      helpMessage: 'Acme Recovery: help at support@acme.example. Reply STOP to opt out.',
      optOutMessage: 'Acme Recovery: you are unsubscribed and will receive no more messages.',
      messageFlow:
        'Consumers give their mobile number and tick a consent box on the payment portal.',
      embeddedLinks: false,
      embeddedPhone: false,
    };
    expect(registrationTextProblems(good)).toEqual([]);
    const bad = registrationTextProblems({
      ...good,
      sampleMessages: ['Pay now at https://x.example'],
      optOutMessage: 'OK',
      messageFlow: 'web',
    });
    expect(bad).toEqual(
      expect.arrayContaining([
        'sample 1 must name the brand',
        'sample 1 has a link but embeddedLinks is false',
        'the STOP reply must name the brand',
        'the STOP reply must confirm that no more messages will be sent',
        'describe how consumers opt in (message flow, at least 40 characters)',
      ]),
    );
  });
});
