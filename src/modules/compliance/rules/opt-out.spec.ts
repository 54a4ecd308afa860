/*
 * Where the rules pinned here come from:
 *
 * - 47 CFR 64.1200(a)(10), added by FCC 24-24 (in force since 2025-04-11): a consumer may revoke
 *   consent by any reasonable means. "stop", "quit", "end", "revoke", "opt out", "cancel" and
 *   "unsubscribe" sent in reply to a text are per se reasonable revocations: the keyword cases
 *   and both keyword properties below. Other words revoke when a reasonable person would
 *   understand them as a revocation: the plain-language and Spanish cases (a reviewed list).
 * - 47 CFR 64.1200(a)(10) again: revocation by "any reasonable means", and no exclusive means
 *   may be designated, so keywords count inside sentences, in any case, with punctuation, emoji,
 *   full-width or look-alike letters, and in replies longer than one SMS segment (the
 *   1,600-character property).
 * - 47 CFR 64.1200(a)(12) (FCC 24-24, in force since 2024-04-04): the one confirmation text
 *   (InboundService) is sent on 'opt_out' from here, so every revocation must come out as
 *   'opt_out' and nothing else.
 * - Ambiguity errs toward revocation (a missed revocation makes every later text a violation):
 *   a negated keyword ("Don't stop") and a literal one ("by the end of the week") revoke, and
 *   a reply with both HELP and a keyword revokes.
 * - HELP/INFO and START/UNSTOP/YES are the carrier (CTIA) keywords, not the CFR: HELP never
 *   revokes on its own, and opt-in is only ever the whole reply.
 */
import fc from 'fast-check';
import { classifyInbound, InboundIntent } from './opt-out';
import { propertyRuns } from '../../../../test/utils/property-runs';

const INTENTS: readonly InboundIntent[] = ['opt_out', 'opt_in', 'help', 'none'];

describe('classifyInbound', () => {
  const cases: [string, InboundIntent][] = [
    // The per se keywords, alone and inside sentences.
    ['STOP', 'opt_out'],
    ['stop', 'opt_out'],
    ['Stop.', 'opt_out'],
    ['STOP!!!', 'opt_out'],
    ['  Stop!!! ', 'opt_out'],
    ['\tstop\n', 'opt_out'],
    ['Stop please', 'opt_out'],
    ['Please stop', 'opt_out'],
    ['I said stop', 'opt_out'],
    ['STOP ALL', 'opt_out'],
    ['STOPALL', 'opt_out'],
    ['stop texting me!!', 'opt_out'],
    ['Stop calling me', 'opt_out'],
    ['stop2', 'opt_out'],
    ['stop.please', 'opt_out'],
    ['who is this? stop', 'opt_out'],
    ['quit', 'opt_out'],
    ['quit it', 'opt_out'],
    ['Quit harassing me', 'opt_out'],
    ['end', 'opt_out'],
    ['End.', 'opt_out'],
    ['the end', 'opt_out'],
    ["I'll send the payment by the end of the week", 'opt_out'],
    ['Can you stop by the office?', 'opt_out'], // the word, applied literally
    ['quiero cancelar mi deuda', 'opt_out'], // "pay off my debt" in Latin America: still CANCELAR
    ['revoke', 'opt_out'],
    ['Revoke consent', 'opt_out'],
    ['Consent revoked.', 'opt_out'],
    ['cancel', 'opt_out'],
    ['Cancel my texts', 'opt_out'],
    ['CANCEL PLEASE', 'opt_out'],
    ['unsubscribe', 'opt_out'],
    ['Please unsubscribe', 'opt_out'],
    ['UnSubscribe', 'opt_out'],
    ['unsubscribed me?', 'opt_out'],
    ['I already unsubscribed', 'opt_out'],
    ['unsub', 'opt_out'],
    ['opt out', 'opt_out'],
    ['opt-out', 'opt_out'],
    ['OPTOUT', 'opt_out'],
    ['opt me out', 'opt_out'],
    ['Opt my number out', 'opt_out'],
    ['I opted out last week', 'opt_out'],
    // "opt ... out" is "out" within three words after "opt": no other word, order or distance.
    ["I'm out of town until Monday", 'none'],
    ['I opted in last year', 'none'],
    ['Checked out, opted in again', 'none'],
    ['I opted in last week, out of curiosity', 'none'],
    // Negated keywords and HELP + keyword: ambiguity errs toward revocation.
    ["Don't stop", 'opt_out'],
    ['never stop', 'opt_out'],
    ["don't unsubscribe me", 'opt_out'],
    ['help stop', 'opt_out'],
    ['HELP! STOP', 'opt_out'],
    ['Yes, stop', 'opt_out'],
    // Decorated: emoji, look-alike letters, spacing, stretching, diacritics.
    ['stop🙏', 'opt_out'],
    ['🛑STOP🛑', 'opt_out'],
    ['ＳＴＯＰ', 'opt_out'],
    ['ｓｔｏｐ ｐｌｅａｓｅ', 'opt_out'],
    ['𝐒𝐓𝐎𝐏', 'opt_out'],
    ['🇸🇹🇴🇵', 'opt_out'],
    ['\u{1F162}\u{1F163}\u{1F15E}\u{1F15F}', 'opt_out'], // negative circled 🅢🅣🅞🅟
    ['\u{1F182}\u{1F183}\u{1F17E}\u{1F17F}', 'opt_out'], // negative squared 🆂🆃🅾🅿
    ['\u{1F172}\u{1F170}\u{1F17D}\u{1F172}\u{1F174}\u{1F17B}', 'opt_out'], // 🅲🅰🅽🅲🅴🅻
    ['\u0405\u0422\u041E\u0420', 'opt_out'], // Cyrillic ЅТОР
    ['S T O P', 'opt_out'],
    ['S.T.O.P.', 'opt_out'],
    ['This is a S T O P request', 'opt_out'], // a lone word "a" just before the letters
    ['Rows E and N, seat D', 'none'], // letters with words between them spell nothing
    ['st\u200Bop', 'opt_out'],
    ['stoooop', 'opt_out'],
    ['STOPPPP', 'opt_out'],
    ['ŝtóp', 'opt_out'],
    ['CÁNCEL', 'opt_out'],
    // Inflections: only where the request is spelt out.
    ['I cancelled these texts', 'opt_out'],
    ['cancelling the messages', 'opt_out'],
    ['stopped by yesterday', 'none'],
    ['unstoppable', 'none'],
    ['endless', 'none'],
    ['weekend', 'none'],
    ["It's the weekend, I'll pay Monday", 'none'],
    ['quitting time', 'none'],
    ['cancellation fee', 'none'],
    ['my card was cancelled', 'none'],
    ['I ended up paying online', 'none'],
    ['stopping by the office later', 'none'],
    ['my friend will pay', 'none'],
    ['ending balance?', 'none'],
    // Plain-language refusals (English).
    ["don't text me", 'opt_out'],
    ['Do not contact me', 'opt_out'],
    ['DONT CALL ME AGAIN', 'opt_out'],
    ['never message me again', 'opt_out'],
    ['do not call', 'opt_out'],
    ['wrong number', 'opt_out'],
    ['Wrong #', 'opt_out'],
    ['You have the wrong number', 'opt_out'],
    ['you got the wrong person', 'opt_out'],
    ['Nobody by that name here', 'opt_out'],
    ["He doesn't live here", 'opt_out'],
    ["I don't know who this is", 'opt_out'],
    ['Take me off your list', 'opt_out'],
    ['remove me', 'opt_out'],
    ['Please remove me from your contact list', 'opt_out'],
    ['delete my number', 'opt_out'],
    ['leave me alone', 'opt_out'],
    ['leave my mom alone', 'opt_out'],
    ['no more texts', 'opt_out'],
    ['No more messages please', 'opt_out'],
    ['no more calls', 'opt_out'],
    ['No texts please', 'opt_out'],
    ['not interested', 'opt_out'],
    ["I'm not interested", 'opt_out'],
    ["I don't want any more texts", 'opt_out'],
    ['I do not wish to be contacted', 'opt_out'],
    ['I withdraw my consent', 'opt_out'],
    ['This is harassment', 'opt_out'],
    ['go away', 'opt_out'],
    ['f off', 'opt_out'],
    // Spanish.
    ['ALTO', 'opt_out'],
    ['Parar', 'opt_out'],
    ['PARE', 'opt_out'],
    ['Basta!', 'opt_out'],
    ['basta ya', 'opt_out'],
    ['CANCELAR', 'opt_out'],
    ['Baja', 'opt_out'],
    ['darme de baja', 'opt_out'],
    ['Quiero darme de baja', 'opt_out'],
    ['no me envíe mensajes', 'opt_out'],
    ['No me envies mas mensajes', 'opt_out'],
    ['no me envíen mensajes', 'opt_out'],
    ['Por favor, no me envíen más textos', 'opt_out'],
    ['no me escriba', 'opt_out'],
    ['No me escribas más', 'opt_out'],
    ['no me llame', 'opt_out'],
    ['No me llames!', 'opt_out'],
    ['no me vuelvan a llamar', 'opt_out'],
    ['no más mensajes', 'opt_out'],
    ['NO MAS', 'opt_out'],
    ['No quiero recibir más mensajes', 'opt_out'],
    ['número equivocado', 'opt_out'],
    ['NUMERO EQUIVOCADO 🙏', 'opt_out'],
    ['se equivocó de número', 'opt_out'],
    ['déjame en paz', 'opt_out'],
    ['dejen de llamarme', 'opt_out'],
    ['para de enviarme mensajes', 'opt_out'],
    ['sácame de la lista', 'opt_out'],
    ['no me interesa', 'opt_out'],
    // HELP / INFO / AYUDA.
    ['HELP', 'help'],
    ['help', 'help'],
    ['Help?', 'help'],
    ['info', 'help'],
    ['info?', 'help'],
    ['INFO.', 'help'],
    ['ayuda', 'help'],
    ['AYUDA por favor', 'help'],
    ['help me', 'help'],
    ['Help please', 'help'],
    ['I need help', 'help'],
    ['more info', 'help'],
    ['información', 'help'],
    ['can you help me pay this', 'none'],
    // START / UNSTOP / YES, as the whole reply only.
    ['START', 'opt_in'],
    ['start', 'opt_in'],
    ['Start.', 'opt_in'],
    ['UNSTOP', 'opt_in'],
    ['unstop', 'opt_in'],
    ['YES', 'opt_in'],
    ['Yes!', 'opt_in'],
    [' yes ', 'opt_in'],
    ['Start texting me again', 'none'],
    ['yes I will pay', 'none'],
    ['Sí', 'none'],
    // Nothing in particular.
    ['', 'none'],
    ['   ', 'none'],
    ['🙂', 'none'],
    ['!!!', 'none'],
    ['12345', 'none'],
    ['I will pay on Friday', 'none'],
    ['I can pay $50 on the 15th', 'none'],
    ["What's my balance?", 'none'],
    ['Who is this?', 'none'],
    ['ok', 'none'],
    ['No', 'none'],
    ['No thanks', 'none'],
    ['Call me tomorrow', 'none'],
    ['Send me the link', 'none'],
    ['Thanks!', 'none'],
    ['¿Cuánto debo?', 'none'],
    ['Gracias', 'none'],
    ['Paramos en la parada', 'none'],
  ];

  it('has a table of at least 100 replies', () => {
    expect(cases.length).toBeGreaterThanOrEqual(100);
  });

  it.each(cases)('reads %j as %s', (body, intent) => {
    expect(classifyInbound(body)).toBe(intent);
  });

  it.each<unknown>([null, undefined, 42, true, {}])(
    'reads %p, which is not text (a malformed payload), as none',
    (body) => {
      expect(classifyInbound(body as string)).toBe('none');
    },
  );
});

// ---------------------------------------------------------------------------------------------
// Properties.

const KEYWORDS = ['stop', 'quit', 'end', 'revoke', 'opt out', 'cancel', 'unsubscribe'] as const;
/** Never letters, never removed by normalisation, never combining: they cannot glue. */
const SEPARATORS = [
  ' ',
  '  ',
  '.',
  ',',
  '!',
  '?',
  '!!!',
  '\n',
  '\t',
  '-',
  '…',
  '🙏',
  '😊',
  '🛑',
  '1',
  '42',
  '"',
  "'",
  '(',
  ')',
  ':',
  ';',
  '/',
  '\u00A0',
  '。',
  '$',
  '*',
];
const WORDISH = [...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789éñüÑÉ'];

/** A keyword as a consumer might type it: random case, maybe full-width, maybe accented. */
const keywordArb = fc
  .record({
    keyword: fc.constantFrom(...KEYWORDS),
    upper: fc.array(fc.boolean(), { minLength: 11, maxLength: 11 }),
    style: fc.constantFrom('plain', 'fullwidth', 'accent'),
    accentAt: fc.nat({ max: 10 }),
    optJoin: fc.constantFrom(' ', '-', '', '  ', '_'),
  })
  .map(({ keyword, upper, style, accentAt, optJoin }) => {
    const letters = [...keyword.replace(' ', '\0')].map((ch, i) =>
      upper[i] ? ch.toUpperCase() : ch,
    );
    const styled = letters.map((ch, i) => {
      if (ch === '\0') return optJoin;
      if (style === 'fullwidth') return String.fromCodePoint(ch.codePointAt(0)! + 0xfee0);
      if (style === 'accent' && i === accentAt % letters.length) return `${ch}\u0301`;
      return ch;
    });
    return styled.join('');
  });

/** Anything around the keyword: word-ish runs and arbitrary graphemes, joined by separators. */
const surroundingArb = fc
  .array(
    fc.tuple(
      fc.oneof(
        fc.string({ unit: fc.constantFrom(...WORDISH), maxLength: 12 }),
        fc.string({ unit: 'grapheme', maxLength: 6 }),
      ),
      fc.constantFrom(...SEPARATORS),
    ),
    { maxLength: 30 },
  )
  .map((parts) => parts.map(([fragment, sep]) => fragment + sep).join(''));

function replyWithKeyword(maxLength: number) {
  return fc
    .record({
      before: surroundingArb,
      left: fc.constantFrom(...SEPARATORS),
      keyword: keywordArb,
      right: fc.constantFrom(...SEPARATORS),
      after: surroundingArb,
      atStart: fc.boolean(),
      atEnd: fc.boolean(),
    })
    .map(({ before, left, keyword, right, after, atStart, atEnd }) => {
      const core = `${atStart ? '' : left}${keyword}${atEnd ? '' : right}`;
      const budget = Math.max(0, maxLength - core.length);
      const head = atStart ? '' : before.slice(Math.max(0, before.length - budget));
      const tail = atEnd ? '' : after.slice(0, budget - head.length);
      return head + core + tail;
    });
}

describe('classifyInbound properties', () => {
  it('revokes any reply of up to 160 characters with a per se keyword as a word', () => {
    fc.assert(
      fc.property(replyWithKeyword(160), (reply) => {
        expect(reply.length).toBeLessThanOrEqual(160);
        expect(classifyInbound(reply)).toBe('opt_out');
      }),
      { numRuns: propertyRuns(2000) },
    );
  });

  it('applies the same rule beyond one segment (up to 1,600 characters)', () => {
    fc.assert(
      fc.property(replyWithKeyword(1600), (reply) => {
        expect(classifyInbound(reply)).toBe('opt_out');
      }),
      { numRuns: propertyRuns(300) },
    );
  });

  it('never throws on arbitrary text and returns one of the four intents', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 400 }),
          fc.string({ unit: 'grapheme', maxLength: 200 }),
          surroundingArb,
        ),
        (reply) => {
          expect(INTENTS).toContain(classifyInbound(reply));
        },
      ),
      { numRuns: propertyRuns(2000) },
    );
  });

  it('reads text that cannot spell any keyword or phrase as none', () => {
    // None of f g h j m w x y z occurs in a keyword, HELP/INFO/START/YES or in every word of
    // any phrase, so such text is never anything but 'none'.
    const letters = [...'fghjmwxyzFGHJMWXYZ'];
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.string({ unit: fc.constantFrom(...letters), maxLength: 10 }),
            fc.constantFrom(...SEPARATORS),
          ),
          { maxLength: 40 },
        ),
        (parts) => {
          expect(classifyInbound(parts.map(([w, s]) => w + s).join(''))).toBe('none');
        },
      ),
      { numRuns: propertyRuns(2000) },
    );
  });

  it('classifies a long adversarial reply in linear time', () => {
    // Catastrophic backtracking shows at a tenth of these sizes too: under mutation testing, where
    // instrumented code runs several times slower, the inputs shrink with the property runs.
    const n = (full: number) => Math.round(propertyRuns(full * 100) / 100);
    const inputs = [
      "don't ".repeat(n(20_000)),
      'no mas no quiero '.repeat(n(8_000)),
      'a b '.repeat(n(25_000)),
      'leave off the deja de '.repeat(n(5_000)),
    ];
    for (const input of inputs) {
      const started = performance.now();
      expect(classifyInbound(input)).toBe('none');
      expect(performance.now() - started).toBeLessThan(2_000);
    }
  });
});
