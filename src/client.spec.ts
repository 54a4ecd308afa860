import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import {
  CLIENT_DIR,
  CLIENT_ERRORS_FILE,
  CLIENT_GQL_DIR,
  ROOT,
  clientErrorsModule,
  runCodegen,
} from '../scripts/client/generate';

/** The admin SPA's package: its generated files are fresh, its types real, and it builds. */

const STALE = 'is stale: run `npm run client:generate` and commit client/';
const SAMPLE = path.join(CLIENT_DIR, 'test', 'sample.ts');

/** Every file under `dir`, by path relative to it, with its text. */
function filesUnder(dir: string): Map<string, string> {
  const files = fs
    .readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => fs.statSync(path.join(dir, f)).isFile())
    .sort();
  return new Map(files.map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')]));
}

/** The client's own TypeScript program (client/tsconfig.json), `edit` applied to the sample. */
function clientProgram(edit?: (text: string) => string): ts.Program {
  const configFile = ts.readConfigFile(path.join(CLIENT_DIR, 'tsconfig.json'), ts.sys.readFile);
  const { options, fileNames, errors } = ts.parseJsonConfigFileContent(
    configFile.config,
    ts.sys,
    CLIENT_DIR,
  );
  expect(errors).toEqual([]);
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  host.readFile = (file) => {
    const text = readFile(file);
    return edit && text !== undefined && path.resolve(file) === SAMPLE ? edit(text) : text;
  };
  return ts.createProgram({ rootNames: fileNames, options, host });
}

function describeDiagnostic(d: ts.Diagnostic): string {
  const text = ts.flattenDiagnosticMessageText(d.messageText, '\n');
  if (!d.file || d.start === undefined) return text;
  const { line } = d.file.getLineAndCharacterOfPosition(d.start);
  return `${path.relative(ROOT, d.file.fileName)}:${line + 1} ${text}`;
}

describe('client/', () => {
  it('has committed GraphQL types that match schema.graphql and its operations', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'callwarden-client-'));
    try {
      // The generator on a copy of client/ beside a copy of the schema, as in the repository
      // (codegen resolves its preset from where it runs: the copy sees our node_modules).
      const copy = path.join(tmp, 'client');
      fs.copyFileSync(path.join(ROOT, 'schema.graphql'), path.join(tmp, 'schema.graphql'));
      fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(tmp, 'node_modules'), 'dir');
      fs.cpSync(path.join(CLIENT_DIR, 'src', 'operations'), path.join(copy, 'src', 'operations'), {
        recursive: true,
      });
      for (const file of ['codegen.ts', 'package.json'])
        fs.copyFileSync(path.join(CLIENT_DIR, file), path.join(copy, file));
      runCodegen(copy);
      const generated = filesUnder(path.join(copy, 'src', 'gql'));
      const committed = filesUnder(path.join(ROOT, CLIENT_GQL_DIR));
      expect(generated.size).toBeGreaterThanOrEqual(3);
      const stale = [...new Set([...generated.keys(), ...committed.keys()])]
        .filter((f) => generated.get(f) !== committed.get(f))
        .map((f) => `${CLIENT_GQL_DIR}/${f} ${STALE}`);
      expect(stale).toEqual([]);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('has a committed error table that matches src/error-catalog.ts', () => {
    const committed = fs.readFileSync(path.join(ROOT, CLIENT_ERRORS_FILE), 'utf8');
    const fresh = clientErrorsModule();
    expect(committed === fresh ? 'fresh' : `${CLIENT_ERRORS_FILE} ${STALE}`).toBe('fresh');
  });

  describe('types', () => {
    it('compile the sample and the whole package without a diagnostic', () => {
      const program = clientProgram();
      expect(program.getRootFileNames()).toContain(SAMPLE);
      expect(ts.getPreEmitDiagnostics(program).map(describeDiagnostic)).toEqual([]);
    });

    it("reject what each of the sample's @ts-expect-error lines does, once the mark is gone", () => {
      // A wrong field, variables of the wrong type or missing, a reason the API does not answer:
      // were the documents typed `any`, none of these would be an error.
      const lines = fs.readFileSync(SAMPLE, 'utf8').split('\n');
      const marked = lines.flatMap((line, i) =>
        /\/\/ @ts-expect-error/.test(line) ? [i + 2] : [],
      );
      expect(marked.length).toBeGreaterThanOrEqual(6);
      const program = clientProgram((text) => text.replaceAll('// @ts-expect-error', '// was'));
      const errors = ts
        .getPreEmitDiagnostics(program)
        .filter((d) => d.file && path.resolve(d.file.fileName) === SAMPLE && d.start !== undefined)
        .map((d) => d.file!.getLineAndCharacterOfPosition(d.start!).line + 1);
      expect([...new Set(errors)].sort((a, b) => a - b)).toEqual(marked);
    });
  });

  it('builds: tsc emits the package and its declarations, with no import at run time', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'callwarden-client-dist-'));
    try {
      const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
      const build = spawnSync(
        process.execPath,
        [tsc, '-p', path.join(CLIENT_DIR, 'tsconfig.build.json'), '--outDir', out],
        { cwd: CLIENT_DIR, encoding: 'utf8' },
      );
      expect(`${build.stdout}${build.stderr}`).toBe('');
      expect(build.status).toBe(0);
      const emitted = filesUnder(out);
      expect([...emitted.keys()]).toEqual(
        expect.arrayContaining([
          'index.js',
          'index.d.ts',
          'errors.js',
          'errors.d.ts',
          'error-message.js',
          path.join('gql', 'graphql.js'),
          path.join('gql', 'graphql.d.ts'),
        ]),
      );
      // An SPA bundle gets the documents and the table, nothing of the server nor a library.
      const imports = [...emitted]
        .filter(([file]) => file.endsWith('.js'))
        .flatMap(([, text]) => [...text.matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)])
        .map(([, specifier]) => specifier)
        .filter((specifier) => !specifier.startsWith('./') && !specifier.startsWith('../'));
      expect(imports).toEqual([]);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });

  it('imports nothing of the server: its sources reach only client/ and type packages', () => {
    const src = path.join(CLIENT_DIR, 'src');
    const outside: string[] = [];
    for (const [file, text] of filesUnder(src)) {
      if (!file.endsWith('.ts')) continue;
      for (const [, specifier] of text.matchAll(/from\s*['"]([^'"]+)['"]/g)) {
        const inside = specifier.startsWith('.')
          ? !path.relative(src, path.resolve(src, path.dirname(file), specifier)).startsWith('..')
          : specifier === '@graphql-typed-document-node/core';
        if (!inside) outside.push(`${file}: ${specifier}`);
      }
    }
    expect(outside).toEqual([]);
  });
});
