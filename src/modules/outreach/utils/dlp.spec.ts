import { redactSensitive } from './dlp';

describe('redactSensitive', () => {
  it.each([
    ['card 4111 1111 1111 1111 on file', 'card [REDACTED CARD] on file', 1],
    ['card 4111-1111-1111-1111', 'card [REDACTED CARD]', 1],
    ['ssn 123-45-6789 given', 'ssn [REDACTED SSN] given', 1],
    ['ssn 123456789', 'ssn [REDACTED SSN]', 1],
    ['invoice 1234 5678 9012 3456 (not Luhn)', 'invoice 1234 5678 9012 3456 (not Luhn)', 0],
    ['promised $200 on 2026-12-01', 'promised $200 on 2026-12-01', 0],
  ])('%s', (input, output, n) => {
    expect(redactSensitive(input)).toEqual({ text: output, redactions: n });
  });
});
