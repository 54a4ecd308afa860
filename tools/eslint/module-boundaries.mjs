// @ts-check
import path from 'node:path';

/**
 * Module boundaries, enforced:
 * - `src/core` knows no domain: it imports nothing from `src/modules`;
 * - a module reaches another only through its public surface: the module's `index.ts` (types,
 *   enums, decorators, pure functions) or its Nest module and services (`*.module`, `*.service`),
 *   never its entities, DTOs, rules or utilities.
 * The composition root (src/app.module.ts, src/entities.ts, src/cli.ts) and tests may import anything.
 */
const PUBLIC_FILE = /^(index|[\w.-]+\.(service|module))$/;

/** @param {string} file absolute path @returns {{ area: 'core' | 'module' | 'other', module?: string }} */
function placeOf(file, root) {
  const rel = path.relative(root, file).split(path.sep);
  if (rel[0] !== 'src') return { area: 'other' };
  if (rel[1] === 'core') return { area: 'core' };
  if (rel[1] === 'modules' && rel.length > 3) return { area: 'module', module: rel[2] };
  if (rel[1] === 'modules' && rel.length === 3)
    return { area: 'module', module: rel[2].replace(/\.ts$/, '') };
  return { area: 'other' };
}

/** @type {import('eslint').Rule.RuleModule} */
const rule = {
  meta: {
    type: 'problem',
    docs: { description: 'core imports no module; modules meet only through public surfaces' },
    schema: [
      { type: 'object', properties: { root: { type: 'string' } }, additionalProperties: false },
    ],
    messages: {
      coreImportsModule:
        'src/core knows no domain: it may not import {{target}} (depend on an interface token in core instead)',
      privateImport:
        '{{from}} may reach module {{to}} only through its index.ts or a *.service / *.module file, not {{target}}',
    },
  },
  create(context) {
    const root = context.options[0]?.root ?? context.cwd;
    const file = context.physicalFilename;
    const from = placeOf(file, root);
    if (from.area === 'other') return {};

    /** @param {import('estree').Node & { source?: any }} node */
    const check = (node) => {
      const source = node.source;
      if (!source || source.type !== 'Literal' || typeof source.value !== 'string') return;
      const spec = source.value;
      if (!spec.startsWith('.')) return;
      const target = path.resolve(path.dirname(file), spec);
      const to = placeOf(target, root);
      if (to.area !== 'module') return;
      const shown = path.relative(root, target);
      if (from.area === 'core') {
        context.report({ node: source, messageId: 'coreImportsModule', data: { target: shown } });
        return;
      }
      if (to.module === from.module) return;
      const inside = path.relative(path.join(root, 'src', 'modules', to.module ?? ''), target);
      const parts = inside.split(path.sep);
      const ok =
        inside === '' ||
        (parts.length === 1 && PUBLIC_FILE.test(parts[0])) ||
        (parts.length === 2 && parts[0] === 'services' && /\.service$/.test(parts[1]));
      if (!ok)
        context.report({
          node: source,
          messageId: 'privateImport',
          data: { from: `module ${from.module}`, to: to.module ?? '', target: shown },
        });
    };
    return {
      ImportDeclaration: check,
      ExportNamedDeclaration: check,
      ExportAllDeclaration: check,
      ImportExpression: check,
    };
  },
};

export default { rules: { 'module-boundaries': rule } };
