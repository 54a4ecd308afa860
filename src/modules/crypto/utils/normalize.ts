import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

/** Canonical forms for blind indexes: equal inputs a person would call equal hash equal. */
export type BlindIndexKind = 'email' | 'phone' | 'ssn' | 'account';

export function normalizeEmail(value: string): string | null {
  const v = value.trim().toLowerCase();
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v) ? v : null;
}

/** E.164; national numbers are read as US numbers. */
export function normalizePhone(value: string, defaultCountry: 'US' = 'US'): string | null {
  const parsed = parsePhoneNumberFromString(value.trim(), defaultCountry);
  return parsed && parsed.isPossible() ? parsed.number : null;
}

export function normalizeSsn(value: string): string | null {
  const digits = value.replace(/\D/g, '');
  return digits.length === 9 ? digits : null;
}

/**
 * An account reference as creditors and consumers write it: case, spaces, dashes and dots do not
 * matter (`acc-0012 34` is `ACC001234`); 1-64 letters and digits remain, or it does not normalize.
 */
export function normalizeAccountRef(value: string): string | null {
  const v = value.toUpperCase().replace(/[\s.\-_/]/g, '');
  return /^[A-Z0-9]{1,64}$/.test(v) ? v : null;
}

export function normalizeFor(kind: BlindIndexKind, value: string): string | null {
  switch (kind) {
    case 'email':
      return normalizeEmail(value);
    case 'phone':
      return normalizePhone(value);
    case 'ssn':
      return normalizeSsn(value);
    case 'account':
      return normalizeAccountRef(value);
  }
}
