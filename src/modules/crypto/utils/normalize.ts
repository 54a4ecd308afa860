import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

/** Canonical forms for blind indexes: equal inputs a person would call equal hash equal. */
export type BlindIndexKind = 'email' | 'phone' | 'ssn';

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

export function normalizeFor(kind: BlindIndexKind, value: string): string | null {
  switch (kind) {
    case 'email':
      return normalizeEmail(value);
    case 'phone':
      return normalizePhone(value);
    case 'ssn':
      return normalizeSsn(value);
  }
}
