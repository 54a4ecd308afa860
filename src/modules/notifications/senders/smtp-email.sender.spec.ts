import { subjectFor } from '../email-subject';
import { fromDomain, unsubscribeHeaders } from './smtp-email.sender';

describe('SMTP email helpers', () => {
  it('offers one-click unsubscribe (RFC 8058) only with an https link', () => {
    expect(unsubscribeHeaders('https://cw.example/unsubscribe/email?token=t')).toEqual({
      'List-Unsubscribe': '<https://cw.example/unsubscribe/email?token=t>',
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    });
    expect(unsubscribeHeaders('http://localhost:3000/unsubscribe/email?token=t')).toEqual({
      'List-Unsubscribe': '<http://localhost:3000/unsubscribe/email?token=t>',
    });
    expect(unsubscribeHeaders('mailto:x@example.com')).toEqual({});
    expect(unsubscribeHeaders(undefined)).toEqual({});
  });

  it.each([
    ['notices@acme.example', 'acme.example'],
    ['Acme Recovery <notices@mail.acme.example>', 'mail.acme.example'],
  ])('reads the domain of %p', (from, domain) => {
    expect(fromDomain(from)).toBe(domain);
  });

  it.each([
    ['password_reset', 'Reset your CallWarden password'],
    ['security_new_device', 'CallWarden security notice'],
    ['incident_assigned', 'CallWarden incident notice'],
    ['privacy_verification_code', 'Your verification code'],
    ['privacy_request_completed', 'About your privacy request'],
    ['campaign:0190-abc', 'A message about your account'],
  ])('gives template %p the subject %p', (template, subject) => {
    expect(subjectFor(template)).toBe(subject);
  });
});
