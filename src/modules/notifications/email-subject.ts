/**
 * An email's Subject, from its outbox template (the outbox keeps bodies only). Consumer-facing
 * messages never name this software: the sender is the agency, whose name is in the From and body.
 */
export function subjectFor(template: string): string {
  if (template === 'password_reset') return 'Reset your CallWarden password';
  if (template.startsWith('security_')) return 'CallWarden security notice';
  if (template.startsWith('incident_')) return 'CallWarden incident notice';
  if (template === 'privacy_verification_code') return 'Your verification code';
  if (template.startsWith('privacy_')) return 'About your privacy request';
  return 'A message about your account';
}
