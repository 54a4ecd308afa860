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

describe('10DLC link and phone detection', () => {
  it.each([
    ['an http link', 'Pay at http://acme.example/pay'],
    ['a www link', 'Pay at www.acme.example'],
    ['a bare domain', 'Pay at acmepay.com today'],
    ['the unsubscribe placeholder', 'Opt out: {{unsubscribe_link}}'],
    ['the unsubscribe placeholder with spaces', 'Opt out: {{ unsubscribe_link }}'],
  ])('finds %s', (_name, text) => {
    expect(hasLink(text)).toBe(true);
  });

  it.each([
    ['a number at the start of the text', '800-555-0100 is our number'],
    ['a number after a word', 'Call 800-555-0100 today'],
    ['an international number', 'Call +1 800 555 0100 today'],
    ['the agency phone placeholder with spaces', 'Call {{ agency_phone }} today'],
  ])('finds %s', (_name, text) => {
    expect(hasPhoneNumber(text)).toBe(true);
  });

  it('does not take a long reference number for a phone number', () => {
    expect(hasPhoneNumber('Your reference is 48210937561029384756')).toBe(false);
  });
});

describe('10DLC use case and purpose', () => {
  it.each(['marketing', 'mixed', 'low_volume_mixed'])(
    'allows marketing under a %s campaign',
    (useCase) => {
      expect(registrationProblems(OK, 'marketing', reg({ useCase }))).toEqual([]);
    },
  );

  it.each(['mixed', 'low_volume_mixed', 'account_notification'])(
    'allows collection under a %s campaign',
    (useCase) => {
      expect(registrationProblems(OK, 'collection', reg({ useCase }))).toEqual([]);
    },
  );

  it('names the campaign use case that does not fit marketing', () => {
    expect(registrationProblems(OK, 'marketing', reg({ useCase: 'account_notification' }))).toEqual(
      ['marketing messages cannot be sent under a account_notification 10DLC campaign'],
    );
  });

  it('reports each problem once, in the order checked', () => {
    const text = 'Pay at https://x.example or call (800) 555-0100';
    expect(registrationProblems(text, 'collection', reg({ useCase: 'marketing' }))).toEqual([
      'collection messages cannot be sent under a marketing 10DLC campaign',
      'the 10DLC campaign was registered without embedded links',
      'the 10DLC campaign was registered without embedded phone numbers',
      'SMS templates must name the sender ("Acme Recovery")',
    ]);
  });

  it('matches the sender name whatever its case', () => {
    const text = 'ACME RECOVERY: this is a debt collector. Reply STOP to opt out';
    expect(
      registrationProblems(text, 'collection', reg({}, { displayName: 'Acme Recovery' })),
    ).toEqual([]);
  });
});

describe('10DLC registration texts', () => {
  const sample = (length: number) => `Acme Recovery: ${'x'.repeat(length - 15)}`;
  const good = {
    brandName: 'Acme Recovery',
    sampleMessages: [OK],
    helpMessage: 'Acme Recovery: help at support@acme.example. Reply STOP to opt out.',
    optOutMessage: 'Acme Recovery: you are unsubscribed and will receive no more messages.',
    messageFlow: 'Consumers give their mobile number and tick a consent box on the payment portal.',
    embeddedLinks: false,
    embeddedPhone: false,
  };
  const problems = (change: Partial<typeof good>) =>
    registrationTextProblems({ ...good, ...change });

  it.each([
    [0, true],
    [1, false],
    [5, false],
    [6, true],
  ])('%i sample messages: count refused = %s', (count, refused) => {
    const found = problems({ sampleMessages: Array.from({ length: count }, () => OK) });
    expect(found.includes('give between 1 and 5 sample messages')).toBe(refused);
    if (!refused) expect(found).toEqual([]);
  });

  it.each([
    [19, true],
    [20, false],
    [1024, false],
    [1025, true],
  ])('a %i-character sample: length refused = %s', (length, refused) => {
    const s = sample(length);
    expect(s).toHaveLength(length);
    expect(problems({ sampleMessages: [OK, s] })).toEqual(
      refused ? ['sample 2 must be 20 to 1024 characters'] : [],
    );
  });

  it('numbers the sample that does not name the brand', () => {
    expect(problems({ sampleMessages: [OK, 'This is a debt collector. Reply STOP'] })).toEqual([
      'sample 2 must name the brand',
    ]);
  });

  it('refuses a sample with a link or a phone number the registration does not declare', () => {
    const withBoth = `${OK} Pay at https://pay.acme.example or call (800) 555-0100`;
    expect(problems({ sampleMessages: [OK, withBoth] })).toEqual([
      'sample 2 has a link but embeddedLinks is false',
      'sample 2 has a phone number but embeddedPhone is false',
    ]);
    expect(problems({ sampleMessages: [withBoth], embeddedLinks: true })).toEqual([
      'sample 1 has a phone number but embeddedPhone is false',
    ]);
    expect(problems({ sampleMessages: [withBoth], embeddedPhone: true })).toEqual([
      'sample 1 has a link but embeddedLinks is false',
    ]);
    expect(
      problems({ sampleMessages: [withBoth], embeddedLinks: true, embeddedPhone: true }),
    ).toEqual([]);
  });

  it('requires the HELP reply to name the brand', () => {
    expect(problems({ helpMessage: 'Reply STOP to opt out. Msg&data rates may apply.' })).toEqual([
      'the HELP reply must name the brand',
    ]);
  });

  it.each([
    'Acme Recovery: you have been unsubscribed.',
    'Acme Recovery: you have opted out.',
    'Acme Recovery: you will get no more messages.',
    'Acme Recovery: you WILL NOT RECEIVE further texts.',
  ])('accepts the STOP confirmation %j', (optOutMessage) => {
    expect(problems({ optOutMessage })).toEqual([]);
  });

  it('requires the STOP reply to confirm the opt-out', () => {
    expect(problems({ optOutMessage: 'Acme Recovery: thanks for your message.' })).toEqual([
      'the STOP reply must confirm that no more messages will be sent',
    ]);
  });

  it('requires a message flow of at least 40 characters, not counting surrounding blanks', () => {
    const flow = (n: number) => 'c'.repeat(n);
    const refusal = 'describe how consumers opt in (message flow, at least 40 characters)';
    expect(problems({ messageFlow: flow(40) })).toEqual([]);
    expect(problems({ messageFlow: flow(39) })).toEqual([refusal]);
    expect(problems({ messageFlow: `   ${flow(39)}   ` })).toEqual([refusal]);
  });
});
