import { screenContent } from '../../compliance';

/** Content rules for message templates, per channel. Returns the problems found (empty: valid). */
export const TEMPLATE_FIELDS = [
  'first_name',
  'balance',
  'account_last4',
  'unsubscribe_link',
  'agency_phone',
];

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
  // Content screening of the template itself: what must never go (personal data written into it,
  // carrier-prohibited content, a public URL shortener) makes it invalid; what only needs a
  // person's review is screened again in each message rendered from it.
  for (const f of screenContent(template, { channel, thirdPartySafe: true }))
    if (f.severity === 'block')
      problems.push(
        f.rule === 'link.shortener'
          ? 'public URL shorteners are not allowed (carriers filter them)'
          : `content not allowed: ${f.detail}`,
      );
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
