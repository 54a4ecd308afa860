import { normalizeAccountRef } from '../../crypto';
import { checkHeader, checkRow, PLACEMENT_COLUMNS, PlacementErrorCode } from './placement-csv';

const columns = [...PLACEMENT_COLUMNS] as string[];
const good: Record<string, string> = {
  placement_ref: 'P-1',
  first_name: 'Ann',
  last_name: 'Lee',
  email: 'Ann.Lee@Example.com',
  phone: '(212) 555-0101',
  address: '1 Main St',
  city: 'Albany',
  state: 'ny',
  zip: '12207-1234',
  date_of_birth: '1980-02-29',
  creditor: 'Acme Bank',
  account_ref: 'acc-0012 34',
  original_balance: '100',
  current_balance: '99.5',
  placed_at: '2026-03-01',
};
const values = (patch: Record<string, string> = {}) =>
  columns.map((c) => ({ ...good, ...patch })[c]);

describe('placement CSV checks', () => {
  it('normalizes a good row', () => {
    const out = checkRow(2, columns, values(), '2026-12-01');
    expect('row' in out && out.row).toEqual(
      expect.objectContaining({
        line: 2,
        customerRef: 'P-1',
        email: 'ann.lee@example.com',
        phone: '+12125550101',
        state: 'NY',
        zip: '12207',
        originalBalance: '100.00',
        currentBalance: '99.50',
        accountRef: 'acc-0012 34',
      }),
    );
    expect(normalizeAccountRef('acc-0012 34')).toBe('ACC001234');
  });

  it.each([
    ['current_balance', '12,5', PlacementErrorCode.INVALID_AMOUNT],
    ['original_balance', '', PlacementErrorCode.REQUIRED],
    ['email', 'not-an-email', PlacementErrorCode.INVALID_EMAIL],
    ['phone', '12', PlacementErrorCode.INVALID_PHONE],
    ['state', 'New York', PlacementErrorCode.INVALID_STATE],
    ['zip', '1220', PlacementErrorCode.INVALID_ZIP],
    ['date_of_birth', '1981-02-29', PlacementErrorCode.INVALID_DATE],
    ['placed_at', '2027-01-01', PlacementErrorCode.INVALID_DATE],
    ['account_ref', '###', PlacementErrorCode.INVALID_ACCOUNT_REF],
    ['placement_ref', 'has space', PlacementErrorCode.INVALID_REF],
    ['first_name', '', PlacementErrorCode.REQUIRED],
    ['creditor', 'x'.repeat(201), PlacementErrorCode.TOO_LONG],
  ])('refuses %s = %j with %s, naming the line and column', (column, value, code) => {
    expect(checkRow(7, columns, values({ [column]: value }), '2026-12-01')).toEqual({
      errors: [expect.objectContaining({ line: 7, code, column })],
    });
  });

  it('refuses a row with the wrong number of fields', () => {
    expect(checkRow(4, columns, ['a', 'b'], '2026-12-01')).toEqual({
      errors: [expect.objectContaining({ line: 4, code: PlacementErrorCode.COLUMN_COUNT })],
    });
  });

  it('checks the header: any order, case-insensitive, no unknown, duplicate or missing column', () => {
    expect(checkHeader([...columns].reverse().map((c) => c.toUpperCase())).errors).toEqual([]);
    expect(checkHeader([...columns, 'customer_ref']).errors).toEqual([]);
    const codes = checkHeader(['placement_ref', 'placement_ref', 'nope']).errors.map(
      (e) => `${e.code}:${e.column}`,
    );
    expect(codes).toEqual(
      expect.arrayContaining([
        'DUPLICATE_COLUMN:placement_ref',
        'UNKNOWN_COLUMN:nope',
        'MISSING_COLUMN:creditor',
      ]),
    );
  });
});
