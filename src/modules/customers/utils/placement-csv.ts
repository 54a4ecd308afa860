import { normalizeAccountRef, normalizeEmail, normalizePhone } from '../../crypto';
import type { PlacementRowError } from '../entities/placement-import.entity';

/** The columns a placement file must have (any order), and the one it may have. */
export const PLACEMENT_COLUMNS = [
  'placement_ref',
  'first_name',
  'last_name',
  'email',
  'phone',
  'address',
  'city',
  'state',
  'zip',
  'date_of_birth',
  'creditor',
  'account_ref',
  'original_balance',
  'current_balance',
  'placed_at',
] as const;
/** Optional: rows with the same customer_ref are one consumer (default: one per placement_ref). */
export const OPTIONAL_COLUMNS = ['customer_ref'] as const;

export type PlacementColumn = (typeof PLACEMENT_COLUMNS)[number];

/** Stable codes of what can be wrong with a placement file or row. */
export enum PlacementErrorCode {
  MISSING_COLUMN = 'MISSING_COLUMN',
  UNKNOWN_COLUMN = 'UNKNOWN_COLUMN',
  DUPLICATE_COLUMN = 'DUPLICATE_COLUMN',
  EMPTY_FILE = 'EMPTY_FILE',
  TOO_MANY_ROWS = 'TOO_MANY_ROWS',
  MALFORMED_CSV = 'MALFORMED_CSV',
  COLUMN_COUNT = 'COLUMN_COUNT',
  REQUIRED = 'REQUIRED',
  TOO_LONG = 'TOO_LONG',
  INVALID_REF = 'INVALID_REF',
  DUPLICATE_PLACEMENT_REF = 'DUPLICATE_PLACEMENT_REF',
  INVALID_EMAIL = 'INVALID_EMAIL',
  INVALID_PHONE = 'INVALID_PHONE',
  INVALID_STATE = 'INVALID_STATE',
  INVALID_ZIP = 'INVALID_ZIP',
  INVALID_DATE = 'INVALID_DATE',
  INVALID_ACCOUNT_REF = 'INVALID_ACCOUNT_REF',
  INVALID_AMOUNT = 'INVALID_AMOUNT',
  /** Write phase: the placement is on file for another consumer. */
  PLACEMENT_OF_OTHER_CUSTOMER = 'PLACEMENT_OF_OTHER_CUSTOMER',
  /** Write phase: the consumer's record was deleted (or erased). */
  CUSTOMER_DELETED = 'CUSTOMER_DELETED',
}

/** One valid row, normalized: what the write phase stores. */
export interface PlacementRow {
  line: number;
  placementRef: string;
  customerRef: string;
  firstName: string;
  lastName: string;
  email: string | null;
  phone: string | null;
  addressLine: string | null;
  city: string | null;
  state: string | null;
  zip: string | null;
  dateOfBirth: string | null;
  creditor: string;
  accountRef: string;
  originalBalance: string;
  currentBalance: string;
  placedAt: string;
}

const REF = /^[\x21-\x7e]{1,100}$/;
const MONEY = /^\d{1,12}(\.\d{1,2})?$/;
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Problems of the header (line 1); the column order it gives, when it is usable. */
export function checkHeader(header: string[]): {
  errors: PlacementRowError[];
  columns: string[] | null;
} {
  const names = header.map((h) => h.trim().toLowerCase());
  const errors: PlacementRowError[] = [];
  const known = new Set<string>([...PLACEMENT_COLUMNS, ...OPTIONAL_COLUMNS]);
  const seen = new Set<string>();
  for (const n of names) {
    if (!known.has(n))
      errors.push(err(1, PlacementErrorCode.UNKNOWN_COLUMN, n.slice(0, 40), 'unknown column'));
    else if (seen.has(n))
      errors.push(err(1, PlacementErrorCode.DUPLICATE_COLUMN, n, 'column given twice'));
    seen.add(n);
  }
  for (const c of PLACEMENT_COLUMNS)
    if (!seen.has(c)) errors.push(err(1, PlacementErrorCode.MISSING_COLUMN, c, 'missing column'));
  return { errors, columns: errors.length ? null : names };
}

/** Checks one data row (`values` in header order); returns the normalized row or its errors. */
export function checkRow(
  line: number,
  columns: string[],
  values: string[],
  today: string,
): { row: PlacementRow } | { errors: PlacementRowError[] } {
  if (values.length !== columns.length)
    return {
      errors: [
        err(
          line,
          PlacementErrorCode.COLUMN_COUNT,
          null,
          `${values.length} fields where the header has ${columns.length}`,
        ),
      ],
    };
  const v: Record<string, string> = {};
  columns.forEach((c, i) => (v[c] = values[i].trim()));
  const errors: PlacementRowError[] = [];
  const bad = (column: string, code: PlacementErrorCode, message: string) => {
    errors.push(err(line, code, column, message));
    return null;
  };
  const text = (column: PlacementColumn, max: number, required: boolean): string | null => {
    const value = v[column];
    if (!value) return required ? bad(column, PlacementErrorCode.REQUIRED, 'required') : null;
    if (Array.from(value).length > max)
      return bad(column, PlacementErrorCode.TOO_LONG, `at most ${max} characters`);
    return value;
  };
  const date = (column: PlacementColumn, required: boolean): string | null => {
    const value = v[column];
    if (!value) return required ? bad(column, PlacementErrorCode.REQUIRED, 'required') : null;
    const m = DAY.exec(value);
    const d = m ? new Date(Date.UTC(+m[1], +m[2] - 1, +m[3])) : null;
    if (!m || !d || d.toISOString().slice(0, 10) !== value || +m[1] < 1900)
      return bad(column, PlacementErrorCode.INVALID_DATE, 'a date YYYY-MM-DD');
    if (value > today) return bad(column, PlacementErrorCode.INVALID_DATE, 'in the future');
    return value;
  };
  const money = (column: PlacementColumn): string | null => {
    const value = v[column];
    if (!value) return bad(column, PlacementErrorCode.REQUIRED, 'required');
    if (!MONEY.test(value))
      return bad(column, PlacementErrorCode.INVALID_AMOUNT, 'an amount like 1234.50');
    return Number(value).toFixed(2);
  };

  const placementRef = v.placement_ref;
  if (!placementRef) bad('placement_ref', PlacementErrorCode.REQUIRED, 'required');
  else if (!REF.test(placementRef))
    bad('placement_ref', PlacementErrorCode.INVALID_REF, '1-100 printable characters, no spaces');
  const customerRef = v.customer_ref || placementRef;
  if (v.customer_ref && !REF.test(v.customer_ref))
    bad('customer_ref', PlacementErrorCode.INVALID_REF, '1-100 printable characters, no spaces');
  const firstName = text('first_name', 100, true);
  const lastName = text('last_name', 100, true);
  let email: string | null = null;
  if (v.email) {
    email = normalizeEmail(v.email);
    if (!email || v.email.length > 254)
      email = bad('email', PlacementErrorCode.INVALID_EMAIL, 'not an email address');
  }
  let phone: string | null = null;
  if (v.phone) {
    phone = normalizePhone(v.phone);
    if (!phone) bad('phone', PlacementErrorCode.INVALID_PHONE, 'not a phone number');
  }
  const addressLine = text('address', 200, false);
  const city = text('city', 100, false);
  let state: string | null = null;
  if (v.state) {
    state = v.state.toUpperCase();
    if (!/^[A-Z]{2}$/.test(state))
      state = bad('state', PlacementErrorCode.INVALID_STATE, 'a two-letter state');
  }
  let zip: string | null = null;
  if (v.zip) {
    if (!/^\d{5}(-\d{4})?$/.test(v.zip)) bad('zip', PlacementErrorCode.INVALID_ZIP, 'a ZIP code');
    else zip = v.zip.slice(0, 5);
  }
  const dateOfBirth = date('date_of_birth', false);
  const creditor = text('creditor', 200, true);
  let accountRef: string | null = null;
  if (!v.account_ref) bad('account_ref', PlacementErrorCode.REQUIRED, 'required');
  else if (v.account_ref.length > 64 || !normalizeAccountRef(v.account_ref))
    bad('account_ref', PlacementErrorCode.INVALID_ACCOUNT_REF, 'letters and digits, at most 64');
  else accountRef = v.account_ref;
  const originalBalance = money('original_balance');
  const currentBalance = money('current_balance');
  const placedAt = date('placed_at', true);
  if (errors.length) return { errors };
  return {
    row: {
      line,
      placementRef,
      customerRef,
      firstName: firstName!,
      lastName: lastName!,
      email,
      phone,
      addressLine,
      city,
      state,
      zip,
      dateOfBirth,
      creditor: creditor!,
      accountRef: accountRef!,
      originalBalance: originalBalance!,
      currentBalance: currentBalance!,
      placedAt: placedAt!,
    },
  };
}

export function err(
  line: number,
  code: PlacementErrorCode,
  column: string | null,
  message: string,
): PlacementRowError {
  return { line, code, column, message };
}
