import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/**
 * The architecture rule as CI applies it: `npm run lint` (the real eslint.config.mjs, the real
 * linter) over fixture files placed where a newcomer might put such imports. Each fixture is a
 * file of its own directory under src, removed afterwards.
 */
function lint(files: Record<string, string>): { status: number | null; output: string } {
  const dir = join(ROOT, 'src', 'modules', `zz-boundary-fixture-${process.pid}`);
  const coreDir = join(ROOT, 'src', 'core', `zz-boundary-fixture-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  mkdirSync(coreDir, { recursive: true });
  const paths: string[] = [];
  try {
    for (const [name, text] of Object.entries(files)) {
      const path = join(
        name.startsWith('core/') ? coreDir : dir,
        name.replace(/^(core|module)\//, ''),
      );
      writeFileSync(path, text);
      paths.push(path);
    }
    const result = spawnSync(
      process.execPath,
      [join(ROOT, 'node_modules', 'eslint', 'bin', 'eslint.js'), '--max-warnings', '0', ...paths],
      { cwd: ROOT, encoding: 'utf8', timeout: 120_000 },
    );
    return { status: result.status, output: `${result.stdout}${result.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(coreDir, { recursive: true, force: true });
  }
}

describe('module boundaries (lint)', () => {
  it('fails a core file that imports a module, and a module that reaches into another one’s entities', () => {
    const { status, output } = lint({
      'core/imports-a-module.ts':
        "import { AuditService } from '../../modules/audit/audit.service';\nexport const x: unknown = AuditService;\n",
      'module/reads-another-modules-entity.ts':
        "import { CustomerEntity } from '../customers/entities/customer.entity';\nexport const y: unknown = CustomerEntity;\n",
    });
    expect(status).toBe(1);
    expect(output).toContain('src/core knows no domain');
    expect(output).toMatch(/may reach module customers only through its index\.ts/);
    expect(output.match(/callwarden\/module-boundaries/g)).toHaveLength(2);
  });

  it('passes imports through a module’s public surface (its index, services and Nest module)', () => {
    const { status, output } = lint({
      'module/uses-public-surfaces.ts': [
        "import { CustomersService } from '../customers/customers.service';",
        "import { CustomersModule } from '../customers/customers.module';",
        "import { PhoneType } from '../customers';",
        'export const z: unknown[] = [CustomersService, CustomersModule, PhoneType];',
        '',
      ].join('\n'),
    });
    expect(output).not.toContain('module-boundaries');
    expect(status).toBe(0);
  });
});
