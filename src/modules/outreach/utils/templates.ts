/** Content rules for message templates, per channel. Returns the problems found (empty: valid). */
export const TEMPLATE_FIELDS = [
  'first_name',
  'balance',
  'account_last4',
  'unsubscribe_link',
  'agency_phone',
];
const SHORTENERS = /\b(bit\.ly|tinyurl\.com|goo\.gl|t\.co|ow\.ly|is\.gd|buff\.ly|rebrand\.ly)\b/i;

export function templateProblems(
  channel: 'call' | 'sms' | 'email',
  purpose: 'collection' | 'marketing',
  template: string | null | undefined,
): string[] {
  const problems: string[] = [];
  if (channel === 'call') return template ? ['call campaigns take no message template'] : [];
  if (!template || !template.trim()) return [`${channel} campaigns need a message template`];
  for (const [, field] of template.matchAll(/\{\{\s*([a-z_]+)\s*\}\}/g)) {
    if (!TEMPLATE_FIELDS.includes(field)) problems.push(`unknown placeholder {{${field}}}`);
  }
  if (SHORTENERS.test(template))
    problems.push('public URL shorteners are not allowed (carriers filter them)');
  if (channel === 'sms') {
    if (template.length > 612)
      problems.push('SMS templates are at most 612 characters (4 segments)');
    if (!/reply\s+stop/i.test(template))
      problems.push('SMS templates must say how to opt out ("Reply STOP")');
  }
  if (channel === 'email' && !/\{\{\s*unsubscribe_link\s*\}\}/.test(template))
    problems.push('email templates must carry {{unsubscribe_link}}');
  if (purpose === 'collection' && !/debt collector/i.test(template)) {
    problems.push(
      'collection messages must disclose that they come from a debt collector (12 CFR 1006.18(e))',
    );
  }
  return problems;
}
