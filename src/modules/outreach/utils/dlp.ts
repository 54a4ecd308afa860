/** Data-loss prevention for free text: card numbers (Luhn-valid, 13-19 digits) and SSNs are redacted. */
function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

export function redactSensitive(text: string): { text: string; redactions: number } {
  let redactions = 0;
  const cards = text.replace(/\b(?:\d[ -]?){12,18}\d\b/g, (match) => {
    const digits = match.replace(/\D/g, '');
    if (digits.length >= 13 && digits.length <= 19 && luhn(digits)) {
      redactions++;
      return '[REDACTED CARD]';
    }
    return match;
  });
  const ssns = cards.replace(
    /\b(?!000|666|9\d\d)\d{3}[- ]?(?!00)\d{2}[- ]?(?!0000)\d{4}\b/g,
    () => {
      redactions++;
      return '[REDACTED SSN]';
    },
  );
  return { text: ssns, redactions };
}
