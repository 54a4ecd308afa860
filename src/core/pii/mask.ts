/** Masked forms of personal data: what roles without full access see, and what logs and audit rows carry. */
export type PiiKind = 'email' | 'phone' | 'ssn' | 'name' | 'address' | 'date' | 'account' | 'text';

/**
 * Masks cut strings by code point, never inside a surrogate pair: half an emoji is a lone
 * surrogate, which is not well-formed Unicode and which MariaDB's JSON check refuses. Whatever they
 * are given, they return well-formed text.
 */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at < 1) return '***';
  const [first] = email; // the first code point: string iteration never splits a pair
  return `${first}***${email.slice(at)}`.toWellFormed();
}

export function maskPhone(phone: string): string {
  const digits = phone.replace(/\D/g, '');
  return digits.length >= 4 ? `***-***-${digits.slice(-4)}` : '***';
}

export function maskSsn(ssn: string): string {
  const digits = ssn.replace(/\D/g, '');
  return digits.length >= 4 ? `***-**-${digits.slice(-4)}` : '***';
}

export function maskName(name: string): string {
  const points = Array.from(name.trim());
  return points.length <= 2 ? '***' : `${points.slice(0, 2).join('')}***`.toWellFormed();
}

export function maskAccount(account: string): string {
  const points = Array.from(account);
  return points.length <= 4 ? '***' : `***${points.slice(-4).join('')}`.toWellFormed();
}

export function mask(kind: PiiKind, value: string): string {
  switch (kind) {
    case 'email':
      return maskEmail(value);
    case 'phone':
      return maskPhone(value);
    case 'ssn':
      return maskSsn(value);
    case 'name':
      return maskName(value);
    case 'account':
      return maskAccount(value);
    case 'address':
    case 'date':
    case 'text':
      return '***';
  }
}
