/**
 * Writes what is generated from the server for its clients:
 *
 *   npm run client:generate   # client/src/gql/ (GraphQL Code Generator, client/codegen.ts) and
 *                             # client/src/errors.ts (from src/error-catalog.ts)
 *   npm run docs:errors       # the error table of README.md (from src/error-catalog.ts)
 *
 * Both are committed; src/client.spec.ts and src/error-catalog.spec.ts run the same functions and
 * fail when a committed file differs. Output is formatted by the repository's Prettier, through its
 * CLI (its API is ESM-only, which Jest's CommonJS runtime cannot load).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ErrorCode } from '../../src/core/errors/error-code';
import { ERROR_REASONS } from '../../src/error-catalog';
import { runWhenMain } from '../lib/run-main';

export const ROOT = path.resolve(__dirname, '../..');
export const CLIENT_DIR = path.join(ROOT, 'client');
/** The generated error table of the client, relative to ROOT. */
export const CLIENT_ERRORS_FILE = 'client/src/errors.ts';
/** GraphQL Code Generator's output directory, relative to ROOT. */
export const CLIENT_GQL_DIR = 'client/src/gql';

export const TABLE_START =
  '<!-- error-reasons:start (generated from src/error-catalog.ts by npm run docs:errors) -->';
export const TABLE_END = '<!-- error-reasons:end -->';

const PRETTIER = path.join(ROOT, 'node_modules/prettier/bin/prettier.cjs');
const CODEGEN = path.join(ROOT, 'node_modules/@graphql-codegen/cli/esm/bin.js');

/** `text` as Prettier formats a file at `file` (relative to ROOT: it picks parser and options). */
export function formatted(text: string, file: string): string {
  const run = spawnSync(process.execPath, [PRETTIER, '--stdin-filepath', file], {
    cwd: ROOT,
    input: text,
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(`prettier could not format ${file}: ${run.stderr}`);
  return run.stdout;
}

const codesOf = (row: (typeof ERROR_REASONS)[keyof typeof ERROR_REASONS]) => [
  row.code,
  ...(row.otherCodes ?? []),
];

/** The README's table of every reason: reason, code(s), message. */
export function errorTableMarkdown(): string {
  const lines = ['| reason | code | message |', '| --- | --- | --- |'];
  for (const [reason, row] of Object.entries(ERROR_REASONS)) {
    const codes = codesOf(row)
      .map((code) => `\`${code}\``)
      .join(' or ');
    lines.push(`| \`${reason}\` | ${codes} | ${row.message.replaceAll('|', '\\|')} |`);
  }
  return formatted(`${lines.join('\n')}\n`, 'README.md');
}

/** `readme` with the text between the table's markers replaced by `table`. */
export function withErrorTable(readme: string, table: string): string {
  const start = readme.indexOf(TABLE_START);
  const end = readme.indexOf(TABLE_END);
  if (start < 0 || end < start)
    throw new Error(`README.md lacks the markers ${TABLE_START} ... ${TABLE_END}`);
  const head = readme.slice(0, start + TABLE_START.length);
  return `${head}\n\n${table}\n${readme.slice(end)}`;
}

/** client/src/errors.ts: the catalog as plain data and types, nothing of the server's code. */
export function clientErrorsModule(): string {
  const codes = Object.values(ErrorCode)
    .map((code) => `'${code}'`)
    .join(' | ');
  const rows = Object.entries(ERROR_REASONS).map(([reason, row]) => {
    const other = row.otherCodes ? `, otherCodes: ${JSON.stringify(row.otherCodes)}` : '';
    return `  ${reason}: { code: '${row.code}'${other}, message: ${JSON.stringify(row.message)} },`;
  });
  const text = [
    '// Generated from src/error-catalog.ts by `npm run client:generate`: do not edit.',
    '',
    '/** The fixed set of `extensions.code` values. */',
    `export type ErrorCode = ${codes};`,
    '',
    "/** What an error's `extensions.reason` means. */",
    'export interface ErrorReasonInfo {',
    '  /** The `extensions.code` it comes with. */',
    '  readonly code: ErrorCode;',
    '  /** Codes the same reason comes with elsewhere (a webhook or a link, never the SPA). */',
    '  readonly otherCodes?: readonly ErrorCode[];',
    '  /** A sentence to show the user as is: plain English, no personal data. */',
    '  readonly message: string;',
    '}',
    '',
    '/** Every `extensions.reason` the API answers, with its code and a message to show. */',
    'export const ERROR_REASONS = {',
    ...rows,
    '} as const satisfies Readonly<Record<string, ErrorReasonInfo>>;',
    '',
    '/** Every reason this client knows. */',
    'export type ErrorReason = keyof typeof ERROR_REASONS;',
    '',
  ].join('\n');
  return formatted(text, CLIENT_ERRORS_FILE);
}

/**
 * Runs GraphQL Code Generator with `client/codegen.ts` in `clientDir` (client/ itself, or a copy
 * of it whose parent holds a schema.graphql): it writes `clientDir/src/gql/`.
 */
export function runCodegen(clientDir: string): void {
  const run = spawnSync(process.execPath, [CODEGEN, '--config', 'codegen.ts', '--silent'], {
    cwd: clientDir,
    encoding: 'utf8',
  });
  if (run.status !== 0)
    throw new Error(`graphql-codegen failed in ${clientDir}:\n${run.stdout}${run.stderr}`);
}

function main(argv: readonly string[]) {
  const [what] = argv;
  if (what === 'client') {
    runCodegen(CLIENT_DIR);
    fs.writeFileSync(path.join(ROOT, CLIENT_ERRORS_FILE), clientErrorsModule());
    console.error(`wrote ${CLIENT_GQL_DIR}/ and ${CLIENT_ERRORS_FILE}`);
  } else if (what === 'docs') {
    const file = path.join(ROOT, 'README.md');
    fs.writeFileSync(file, withErrorTable(fs.readFileSync(file, 'utf8'), errorTableMarkdown()));
    console.error(
      `wrote the error table of README.md: ${Object.keys(ERROR_REASONS).length} reasons`,
    );
  } else {
    throw new Error('usage: generate.ts client | docs');
  }
}

runWhenMain(module, main);
