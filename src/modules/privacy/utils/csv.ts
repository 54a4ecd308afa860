/**
 * CSV for people who open it in a spreadsheet: RFC 4180 (comma separated, CRLF line ends, a field
 * with a comma, quote, CR or LF is quoted and its quotes doubled) and safe against formula injection
 * (OWASP "CSV injection"): a text cell starting with `=`, `+`, `-`, `@`, a tab or a CR gets a
 * leading apostrophe, so a spreadsheet shows it as text instead of evaluating it.
 */

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]|^\s|\s$/;

/** One value as CSV text: null empty, dates ISO 8601, objects JSON, text neutralised and quoted. */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text: string;
  if (value instanceof Date) text = value.toISOString();
  else if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean')
    return String(value);
  else if (typeof value === 'string') text = value;
  else text = JSON.stringify(value);
  if (FORMULA_START.test(text)) text = `'${text}`;
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * Rows as a CSV document with a header: the columns are `columns`, or every key the rows have in
 * the order first seen. An empty section is a header-only file (or empty without columns).
 */
export function toCsv(
  rows: readonly Record<string, unknown>[],
  columns?: readonly string[],
): string {
  const cols = columns ? [...columns] : columnsOf(rows);
  if (cols.length === 0) return '';
  const lines = [cols.map(csvCell).join(',')];
  for (const row of rows) lines.push(cols.map((c) => csvCell(row[c])).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

function columnsOf(rows: readonly Record<string, unknown>[]): string[] {
  const seen = new Set<string>();
  for (const row of rows) for (const key of Object.keys(row)) seen.add(key);
  return [...seen];
}
