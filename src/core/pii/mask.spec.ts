import { mask } from './mask';

describe('mask', () => {
  it.each([
    ['email', 'john.doe@example.com', 'j***@example.com'],
    ['phone', '+14155551234', '***-***-1234'],
    ['ssn', '123-45-6789', '***-**-6789'],
    ['name', 'Jonathan', 'Jo***'],
    ['name', 'Al', '***'],
    ['account', 'ACCT-99887766', '***7766'],
    ['address', '1 Main St', '***'],
    // Code points, not UTF-16 units: half an emoji would be a lone surrogate.
    ['email', '😀x@example.com', '😀***@example.com'],
    ['name', '😀😀Ann', '😀😀***'],
    ['account', 'ACCT-9𝟘𝟙𝟚', '***9𝟘𝟙𝟚'],
    // Malformed input still masks to well-formed text.
    ['email', '\ud800x@example.com', '\ufffd***@example.com'],
    ['name', 'A\udc00bc', 'A\ufffd***'],
  ] as const)('%s %s -> %s', (kind, value, expected) => {
    expect(mask(kind, value)).toBe(expected);
    expect(mask(kind, value).isWellFormed()).toBe(true);
  });
});
