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
  ] as const)('%s %s -> %s', (kind, value, expected) => {
    expect(mask(kind, value)).toBe(expected);
  });
});
