import { parsePhoneNumberFromString } from 'libphonenumber-js';

/** What the 10DLC rules need to know of a brand and of a registered messaging campaign. */
export interface SenderRegistration {
  brand: { displayName: string; status: string };
  campaign: {
    useCase: string;
    status: string;
    embeddedLinks: boolean;
    embeddedPhone: boolean;
  };
}

const URL = /\b(https?:\/\/|www\.)\S+|\b[a-z0-9-]+\.(com|net|org|io|co|us|biz|info|pay)\b/i;
const PHONE_CANDIDATE = /\+?\d[\d\s().-]{8,}\d/g;
const MARKETING_USE_CASES = new Set(['marketing', 'mixed', 'low_volume_mixed']);

/** True when the text names a link: carriers check it against the registration. */
export function hasLink(text: string): boolean {
  return URL.test(text) || /\{\{\s*unsubscribe_link\s*\}\}/.test(text);
}

/** True when the text carries a phone number (or the agency phone placeholder). */
export function hasPhoneNumber(text: string): boolean {
  if (/\{\{\s*agency_phone\s*\}\}/.test(text)) return true;
  for (const [candidate] of text.matchAll(PHONE_CANDIDATE)) {
    if (parsePhoneNumberFromString(candidate, 'US')?.isPossible()) return true;
  }
  return false;
}

/**
 * Problems with sending `template` for `purpose` under a registered 10DLC campaign: the use case
 * must fit the purpose, the text must stay within what was registered (links, phone numbers), and
 * it must name the sender, as the CTIA Messaging Principles and carrier codes of conduct require.
 */
export function registrationProblems(
  template: string,
  purpose: 'collection' | 'marketing',
  reg: SenderRegistration,
): string[] {
  const problems: string[] = [];
  if (purpose === 'marketing' && !MARKETING_USE_CASES.has(reg.campaign.useCase))
    problems.push(
      `marketing messages cannot be sent under a ${reg.campaign.useCase} 10DLC campaign`,
    );
  if (purpose === 'collection' && reg.campaign.useCase === 'marketing')
    problems.push('collection messages cannot be sent under a marketing 10DLC campaign');
  if (!reg.campaign.embeddedLinks && hasLink(template))
    problems.push('the 10DLC campaign was registered without embedded links');
  if (!reg.campaign.embeddedPhone && hasPhoneNumber(template))
    problems.push('the 10DLC campaign was registered without embedded phone numbers');
  if (!template.toLowerCase().includes(reg.brand.displayName.toLowerCase()))
    problems.push(`SMS templates must name the sender ("${reg.brand.displayName}")`);
  return problems;
}

/** Why traffic cannot flow under this registration right now, or null when it can. */
export function notSendableReason(reg: SenderRegistration): string | null {
  if (reg.brand.status !== 'verified') return `the 10DLC brand is ${reg.brand.status}`;
  if (reg.campaign.status !== 'active') return `the 10DLC campaign is ${reg.campaign.status}`;
  return null;
}

/** Problems with a registration's own texts, checked before it goes to the carriers. */
export function registrationTextProblems(input: {
  brandName: string;
  sampleMessages: string[];
  helpMessage: string;
  optOutMessage: string;
  messageFlow: string;
  embeddedLinks: boolean;
  embeddedPhone: boolean;
}): string[] {
  const problems: string[] = [];
  const names = (t: string) => t.toLowerCase().includes(input.brandName.toLowerCase());
  if (input.sampleMessages.length < 1 || input.sampleMessages.length > 5)
    problems.push('give between 1 and 5 sample messages');
  input.sampleMessages.forEach((s, i) => {
    if (s.length < 20 || s.length > 1024)
      problems.push(`sample ${i + 1} must be 20 to 1024 characters`);
    if (!names(s)) problems.push(`sample ${i + 1} must name the brand`);
    if (!input.embeddedLinks && hasLink(s))
      problems.push(`sample ${i + 1} has a link but embeddedLinks is false`);
    if (!input.embeddedPhone && hasPhoneNumber(s))
      problems.push(`sample ${i + 1} has a phone number but embeddedPhone is false`);
  });
  if (!names(input.helpMessage)) problems.push('the HELP reply must name the brand');
  if (!names(input.optOutMessage)) problems.push('the STOP reply must name the brand');
  if (!/unsubscribed|opted out|no more|will not receive/i.test(input.optOutMessage))
    problems.push('the STOP reply must confirm that no more messages will be sent');
  if (input.messageFlow.trim().length < 40)
    problems.push('describe how consumers opt in (message flow, at least 40 characters)');
  return problems;
}
