import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import {
  TABLE_END,
  TABLE_START,
  errorTableMarkdown,
  withErrorTable,
} from '../scripts/client/generate';
import { ErrorCode } from './core/errors/error-code';
import {
  ERROR_REASONS,
  LITERAL_REASONS,
  MODULE_REASONS,
  reasonSources,
  type ErrorReasonRow,
  type ModuleReasons,
} from './error-catalog';

const ROOT = path.resolve(__dirname, '..');
const CATALOG: Readonly<Record<string, ErrorReasonRow>> = ERROR_REASONS;
const codesOf = (reason: string): ErrorCode[] => {
  const row = CATALOG[reason];
  return row ? [row.code, ...(row.otherCodes ?? [])] : [];
};

/** The TypeScript files under `dir` (relative to ROOT), tests and migrations left out. */
function sourceFiles(dir: string): string[] {
  return fs
    .readdirSync(path.join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !/\.(e2e-)?spec\.ts$/.test(f) && !/migrations/.test(f))
    .map((f) => path.join(dir, f))
    .sort();
}

const read = (file: string) => fs.readFileSync(path.join(ROOT, file), 'utf8');

/** A reason the code raises as a literal: where, and the code it answers there. */
interface Raised {
  reason: string;
  code: string;
  where: string;
}

/**
 * Every reason src/ raises without a module enum, found by the shapes the code uses (each shape
 * is named; the test that every LITERAL_REASONS row is found notices a shape that stopped
 * matching):
 * - `new AppException(ErrorCode.X, 'REASON', ...)` anywhere;
 * - an error object `{ code: ErrorCode.X, reason: 'REASON' | CONSTANT }` (edge hooks, plugins,
 *   mapError), a CONSTANT resolved through its `const CONSTANT = 'REASON'`;
 * - a helper that builds `{ code: ErrorCode.X, reason }` (the validation rules' `refuse`), called
 *   with the reason as its last argument;
 * - mapError's pass-through: GraphQL's input codes and, for Nest HTTP exceptions,
 *   `VALIDATION_FAILED` or the code itself.
 */
function raisedLiterals(): { raised: Raised[]; unresolved: string[] } {
  const files = sourceFiles('src').filter((f) => f !== path.join('src', 'error-catalog.ts'));
  const texts = new Map(files.map((f) => [f, read(f)]));
  const constants = new Map<string, string>();
  for (const text of texts.values())
    for (const [, name, value] of text.matchAll(/\bconst ([A-Z][A-Z0-9_]*) = '([A-Z][A-Z0-9_]*)'/g))
      constants.set(name, value);
  const raised: Raised[] = [];
  const unresolved: string[] = [];
  for (const [where, text] of texts) {
    for (const [, code, reason] of text.matchAll(
      /new AppException\(\s*ErrorCode\.(\w+),\s*'([A-Z][A-Z0-9_]*)'/g,
    ))
      raised.push({ reason, code, where });
    for (const [, code, literal, name] of text.matchAll(
      /code:\s*ErrorCode\.(\w+),\s*reason:\s*(?:'([A-Z][A-Z0-9_]*)'|([A-Z][A-Z0-9_]*)\b)/g,
    )) {
      const reason = literal ?? constants.get(name);
      if (reason) raised.push({ reason, code, where });
      else unresolved.push(`${where}: reason ${name}`);
    }
    const helper = /code:\s*ErrorCode\.(\w+),\s*reason\s*[,}]/.exec(text);
    if (helper)
      for (const [, reason] of text.matchAll(/,\s*'([A-Z][A-Z0-9_]*)',?\s*\)/g))
        raised.push({ reason, code: helper[1], where });
  }
  const mapError = path.join('src', 'core', 'errors', 'map-error.ts');
  const text = texts.get(mapError) ?? '';
  const inputCodes = /GRAPHQL_INPUT_CODES = new Set\(\[([^\]]*)\]\)/.exec(text);
  const http = /reason: code === ErrorCode\.(\w+) \? '([A-Z_]+)' : code/.exec(text);
  if (!inputCodes || !http) unresolved.push(`${mapError}: its pass-through changed shape`);
  for (const [, reason] of inputCodes?.[1].matchAll(/'([A-Z_]+)'/g) ?? [])
    raised.push({ reason, code: ErrorCode.BAD_USER_INPUT, where: mapError });
  if (http) raised.push({ reason: http[2], code: http[1], where: mapError });
  for (const code of Object.values(ErrorCode)) raised.push({ reason: code, code, where: mapError });
  return { raised, unresolved };
}

describe('error catalog', () => {
  describe('module reasons', () => {
    it('lists every module exception', () => {
      const listed = new Set<unknown>(Object.values(MODULE_REASONS).map((m) => m.reasons));
      const found: string[] = [];
      const missing: string[] = [];
      for (const file of sourceFiles('src/modules')) {
        const text = read(file);
        if (!text.includes('CodedException<')) continue;
        const exports = jest.requireActual<Record<string, unknown>>(path.join(ROOT, file));
        for (const name of Object.keys(exports).filter((n) => n.endsWith('ErrorCode'))) {
          found.push(name);
          if (!listed.has(exports[name])) missing.push(`${file}: ${name}`);
        }
      }
      expect(found).toHaveLength(Object.keys(MODULE_REASONS).length);
      expect(missing).toEqual([]);
    });

    it("gives every module reason the code its module's exception answers with", () => {
      const wrong: string[] = [];
      for (const [module, entry] of Object.entries(MODULE_REASONS)) {
        const { reasons, exception } = entry as ModuleReasons<string>;
        for (const reason of Object.values(reasons)) {
          const e = new exception(reason, 'message');
          if (e.reason !== reason || !codesOf(reason).includes(e.code))
            wrong.push(`${module} ${reason}: ${e.code}, catalog ${codesOf(reason).join('/')}`);
          if (!CATALOG[reason]?.otherCodes && CATALOG[reason]?.code !== e.code)
            wrong.push(`${module} ${reason}: ${e.code}, catalog ${CATALOG[reason]?.code}`);
        }
      }
      expect(wrong).toEqual([]);
    });

    it('surfaces the one reason modules raise with different codes, and lists both codes', () => {
      const splits: Record<string, Record<string, string>> = {};
      for (const [reason, bySource] of reasonSources())
        if (new Set(bySource.values()).size > 1) splits[reason] = Object.fromEntries(bySource);
      // Both are refusals of a signed link or webhook, which no SPA calls. Aligning them is the
      // modules' choice (notifications answers 403 as Twilio's own middleware does); until then
      // the catalog says both, and a new split fails here.
      expect(splits).toEqual({
        INVALID_SIGNATURE: { compliance: 'UNAUTHENTICATED', notifications: 'FORBIDDEN' },
      });
      expect(ERROR_REASONS.INVALID_SIGNATURE).toMatchObject({
        code: ErrorCode.UNAUTHENTICATED,
        otherCodes: [ErrorCode.FORBIDDEN],
      });
      const shared = [...reasonSources()].filter(([, bySource]) => bySource.size > 1);
      expect(shared.map(([reason]) => reason).sort()).toEqual([
        'CONTACT_NOT_ALLOWED',
        'HASHING_BUSY',
        'INVALID_ADDRESS',
        'INVALID_SIGNATURE',
        'INVALID_TRANSITION',
        'INVALID_VALUE',
        'MFA_ENROLLMENT_REQUIRED',
        'NOT_FOUND',
      ]);
    });

    it('makes a module reason without a row, or a row without a reason, a compile error', () => {
      const configFile = ts.readConfigFile(path.join(ROOT, 'tsconfig.json'), ts.sys.readFile);
      const { options } = ts.parseJsonConfigFileContent(configFile.config, ts.sys, ROOT);
      const catalog = path.join(ROOT, 'src', 'error-catalog.ts');
      const audit = path.join(ROOT, 'src', 'modules', 'audit', 'audit.exception.ts');
      const diagnostics = (edits: Record<string, (text: string) => string>) => {
        const host = ts.createCompilerHost(options);
        const readFile = host.readFile.bind(host);
        host.readFile = (file) => {
          const text = readFile(file);
          const edit = edits[path.resolve(file)];
          return text === undefined || !edit ? text : edit(text);
        };
        const program = ts.createProgram({ rootNames: [catalog], options, host });
        return ts
          .getPreEmitDiagnostics(program)
          .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      };
      expect(diagnostics({})).toEqual([]);
      const newMember = diagnostics({
        [audit]: (text) =>
          text
            .replace("TOO_LONG = 'TOO_LONG',", "TOO_LONG = 'TOO_LONG',\n  SPEC_ONLY = 'SPEC_ONLY',")
            .replace(
              '[AuditErrorCode.TOO_LONG]: ErrorCode.BAD_USER_INPUT,',
              '[AuditErrorCode.TOO_LONG]: ErrorCode.BAD_USER_INPUT,\n  [AuditErrorCode.SPEC_ONLY]: ErrorCode.CONFLICT,',
            ),
      });
      expect(newMember.join('\n')).toMatch(/SPEC_ONLY/);
      const staleRow = diagnostics({
        [catalog]: (text) => text.replace("TOO_LONG: '", "NO_SUCH_REASON: 'x',\n  TOO_LONG: '"),
      });
      expect(staleRow.join('\n')).toMatch(/NO_SUCH_REASON/);
    });
  });

  describe('literal reasons', () => {
    const { raised, unresolved } = raisedLiterals();

    it('resolves every reason the scan finds', () => {
      expect(unresolved).toEqual([]);
    });

    it('has every reason the code raises, with the code it answers there', () => {
      const wrong = raised
        .filter(({ reason, code }) => !codesOf(reason).includes(code as ErrorCode))
        .map(({ reason, code, where }) => `${where}: ${reason} (${code})`);
      expect(wrong).toEqual([]);
    });

    it('has no literal reason the code does not raise', () => {
      const found = new Set(raised.map((r) => r.reason));
      expect(Object.keys(LITERAL_REASONS).filter((reason) => !found.has(reason))).toEqual([]);
    });
  });

  it('has every reason the e2e tests see answered', () => {
    const seen = new Set<string>();
    for (const file of fs.readdirSync(path.join(ROOT, 'test'), {
      recursive: true,
      encoding: 'utf8',
    }))
      if (file.endsWith('.ts'))
        for (const [, reason] of read(path.join('test', file)).matchAll(
          /\breason(?::\s*|\s*===\s*|\)\.toBe\()'([A-Z][A-Z0-9_]+)'/g,
        ))
          seen.add(reason);
    expect(seen.size).toBeGreaterThan(50);
    expect([...seen].filter((reason) => !CATALOG[reason]).sort()).toEqual([]);
  });

  it('has a message for every reason: one or two plain sentences, nothing to fill in', () => {
    const bad = Object.entries(CATALOG)
      .filter(
        ([, { message }]) =>
          !/^[A-Z][^{}$<>`\n]{9,149}[.)]$/.test(message) || message.includes('undefined'),
      )
      .map(([reason, { message }]) => `${reason}: ${message}`);
    expect(bad).toEqual([]);
    expect(Object.keys(CATALOG)).toEqual(Object.keys(CATALOG).sort());
  });

  describe("README's error table", () => {
    const readme = read('README.md');
    const section = readme.split(TABLE_START)[1]?.split(TABLE_END)[0] ?? '';
    const rows = new Map<string, { codes: string[]; message: string }>();
    for (const line of section.split('\n')) {
      if (!line.startsWith('| `')) continue;
      const [, reason, codes, message] = line.split(/(?<!\\)\|/).map((cell) => cell.trim());
      rows.set(reason.replaceAll('`', ''), {
        codes: [...codes.matchAll(/`([A-Z_]+)`/g)].map(([, code]) => code),
        message: message.replaceAll('\\|', '|'),
      });
    }

    it('documents every reason with its code(s) and message', () => {
      const wrong = Object.keys(CATALOG)
        .filter((reason) => {
          const row = rows.get(reason);
          return (
            !row ||
            row.message !== CATALOG[reason].message ||
            row.codes.join() !== codesOf(reason).join()
          );
        })
        .map((reason) => `${reason}: run npm run docs:errors`);
      expect(wrong).toEqual([]);
    });

    it('documents no reason the catalog lacks', () => {
      expect([...rows.keys()].filter((reason) => !CATALOG[reason])).toEqual([]);
    });

    it('is what npm run docs:errors writes', () => {
      // If this fails: run `npm run docs:errors` and commit README.md.
      expect(withErrorTable(readme, errorTableMarkdown())).toBe(readme);
    });
  });
});
