import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getMetadataStorage } from 'class-validator';
import { EnvironmentVariables, SECRET_VARIABLES } from './environment';

const README = join(__dirname, '..', '..', '..', 'README.md');

/** Every variable the configuration class validates (each has at least one decorator). */
function variables(): string[] {
  const metadata = getMetadataStorage().getTargetValidationMetadatas(
    EnvironmentVariables,
    '',
    true,
    false,
  );
  return [...new Set(metadata.map((m) => m.propertyName))].sort();
}

/**
 * The variables the README's configuration table documents: every `NAME` in a row's first column
 * (a row may name several, and `NAME` / `_FILE` names the file variant too).
 */
function documented(readme: string): Set<string> {
  const section = readme.split(/^## Configuration$/m)[1]?.split(/^## /m)[0] ?? '';
  const names = new Set<string>();
  for (const line of section.split('\n')) {
    if (!line.startsWith('| `')) continue;
    const first = line.split('|')[1];
    for (const [, name] of first.matchAll(/`([A-Z][A-Z0-9_]*)`/g)) names.add(name);
  }
  return names;
}

describe('configuration table', () => {
  const readme = readFileSync(README, 'utf8');

  it('finds the variables of the configuration class', () => {
    expect(variables()).toEqual(expect.arrayContaining(['NODE_ENV', 'DATABASE_URL', 'LOG_LEVEL']));
  });

  it('documents every variable the configuration class reads', () => {
    const table = documented(readme);
    expect(table.size).toBeGreaterThan(20);
    expect(variables().filter((name) => !table.has(name))).toEqual([]);
  });

  it('documents nothing the configuration class does not read', () => {
    // A secret may come from the file its NAME_FILE names, which the loader reads before validation.
    const known = new Set([...variables(), ...SECRET_VARIABLES.map((name) => `${name}_FILE`)]);
    const stale = [...documented(readme)].filter((name) => !known.has(name));
    expect(stale).toEqual([]);
  });
});
