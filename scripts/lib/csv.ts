/** The reference-data builds' CSV reader (scripts/breach-deadlines, scripts/carrier-throughput). */

/**
 * One CSV line into fields: comma-separated, a field may be double-quoted (with "" for a quote
 * inside it). No field spans lines.
 */
export function splitCsvLine(line: string): string[] {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    let field = '';
    if (line[i] === '"') {
      i++;
      for (;;) {
        if (i >= line.length) throw new Error('unterminated quoted field');
        if (line[i] === '"') {
          if (line[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        field += line[i++];
      }
      if (i < line.length && line[i] !== ',') throw new Error('text after a closing quote');
    } else {
      const end = line.indexOf(',', i);
      field = line.slice(i, end === -1 ? line.length : end);
      if (field.includes('"')) throw new Error('a quote inside an unquoted field');
      i = end === -1 ? line.length : end;
    }
    fields.push(field.trim());
    if (i >= line.length) return fields;
    i++; // the comma
  }
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Whether `s` is a real calendar date written YYYY-MM-DD. */
export function isDate(s: string): boolean {
  if (!DATE.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

/**
 * A reviewed reference table (source.csv): `#` comment lines, one of them `# reviewed: YYYY-MM-DD`,
 * then a header line that must be `columns`, then rows. Each row with the right number of fields
 * goes to `row(fields, n)` (n: its line number, from 1, comments and blank lines included); every
 * problem lands in `errors` as `source.csv line N: ...`, for the caller to throw with its own.
 */
export function readReviewedTable(
  csvText: string,
  columns: readonly string[],
  row: (fields: string[], n: number, fail: (message: string) => void) => void,
): { reviewed: string | undefined; errors: string[] } {
  const errors: string[] = [];
  const fail = (line: number, message: string) =>
    errors.push(`source.csv line ${line}: ${message}`);
  let reviewed: string | undefined;
  let header = false;
  csvText
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .forEach((raw, index) => {
      const n = index + 1;
      const line = raw.trim();
      if (!line) return;
      if (line.startsWith('#')) {
        const m = /^#\s*reviewed:\s*(\S+)\s*$/i.exec(line);
        if (m) {
          if (!isDate(m[1])) fail(n, `review date "${m[1]}" is not a YYYY-MM-DD date`);
          else reviewed = m[1];
        }
        return;
      }
      let fields: string[];
      try {
        fields = splitCsvLine(line);
      } catch (error) {
        fail(n, (error as Error).message);
        return;
      }
      if (!header) {
        header = true;
        if (fields.join(',') !== columns.join(','))
          fail(n, `header must be "${columns.join(',')}", got "${fields.join(',')}"`);
        return;
      }
      if (fields.length !== columns.length) {
        fail(n, `${fields.length} fields, expected ${columns.length} (${columns.join(', ')})`);
        return;
      }
      row(fields, n, (message) => fail(n, message));
    });
  if (!header) errors.push('source.csv: no header line');
  if (!reviewed) errors.push('source.csv: no "# reviewed: YYYY-MM-DD" header comment');
  return { reviewed, errors };
}

/** The `--date YYYY-MM-DD` (or `--date=...`) of a build script's arguments; nothing else is taken. */
export function dateArgument(argv: readonly string[]): string | undefined {
  let date: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--date') date = argv[++i] ?? '';
    else if (arg.startsWith('--date=')) date = arg.slice('--date='.length);
    else throw new Error(`unknown argument ${arg} (usage: build.ts [--date YYYY-MM-DD])`);
  }
  return date;
}
