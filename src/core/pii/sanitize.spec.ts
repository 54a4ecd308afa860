import { sanitizeChanges, sanitizeInput } from './sanitize';

describe('sanitizeInput (client input into audit rows: deny by default)', () => {
  it('masks PII by key, drops secrets, keeps identifiers only under safe keys', () => {
    expect(
      sanitizeInput({
        input: {
          email: 'jane.roe@example.com',
          phone: '+14155550142',
          ssn: '123-45-6789',
          password: 'correct horse battery staple',
          purpose: 'pii',
          id: '0190a6b2-7c1e-7000-8000-000000000001',
          nickname: 'janie',
          purposeButBad: 'jane.roe@example.com',
        },
      }),
    ).toEqual({
      input: {
        email: 'j***@example.com',
        phone: '***-***-0142',
        ssn: '***-**-6789',
        password: '[REDACTED]',
        purpose: 'pii',
        id: '0190a6b2-7c1e-7000-8000-000000000001',
        nickname: '[omitted]',
        purposeButBad: '[omitted]',
      },
    });
  });

  it('does not keep a PII-looking value under a safe key', () => {
    expect(sanitizeInput({ purpose: 'jane.roe@example.com' })).toEqual({ purpose: '[omitted]' });
  });
});

describe('sanitizeChanges (service-built snapshots)', () => {
  it('keeps ordinary fields, masks PII keys and drops secrets', () => {
    expect(
      sanitizeChanges({
        before: { status: 'draft', email: 'a@b.co' },
        after: { status: 'running', token: 'x' },
      }),
    ).toEqual({
      before: { status: 'draft', email: 'a***@b.co' },
      after: { status: 'running', token: '[REDACTED]' },
    });
  });
});
