/** Masked forms of personal data: what roles without full access see, and what logs and audit rows carry. */
export type PiiKind = 'email' | 'phone' | 'ssn' | 'name' | 'address' | 'date' | 'account' | 'text';

export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at < 1) return '***';
  return `${email[0]}***${email.slice(at)}`;
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
  const t = name.trim();
  return t.length <= 2 ? '***' : `${t.slice(0, 2)}***`;
}

export function maskAccount(account: string): string {
  return account.length <= 4 ? '***' : `***${account.slice(-4)}`;
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
