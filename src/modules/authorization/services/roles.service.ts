import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import {
  AppRawRule,
  BUILT_IN_ROLES,
  BUILT_IN_RULES,
  PII_FIELDS,
  isBuiltInRole,
  SUBJECTS,
} from '../permissions';
import { ACTIONS, Action } from '../../../core/authorization/allow.decorator';
import { AuditService } from '../../audit/audit.service';
import { AuthorizationErrorCode, AuthorizationException } from '../authorization.exception';
import { RoleRuleInput, SaveRoleInput } from '../dto/role.dto';
import { RoleEntity, StoredRule } from '../entities/role.entity';
import { assertTranslatableConditions } from '../utils/ability-sql';
import { echoValue } from '../../../core/errors/error-code';

export interface RoleView {
  name: string;
  description: string;
  builtIn: boolean;
  inherits: string[];
  rules: StoredRule[];
  version: number;
}

/** Custom roles as data: validated, versioned, audited. */
@Injectable()
export class RolesService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
  ) {}

  async list(): Promise<RoleView[]> {
    const builtIn: RoleView[] = BUILT_IN_ROLES.map((name) => ({
      name,
      description: `Built-in ${name}`,
      builtIn: true,
      inherits: [],
      rules: BUILT_IN_RULES[name] as StoredRule[],
      version: 0,
    }));
    const custom = await this.dataSource.getRepository(RoleEntity).find({ order: { name: 'ASC' } });
    return [...builtIn, ...custom.map((r) => ({ ...r, builtIn: false }))];
  }

  async save(input: SaveRoleInput, create: boolean): Promise<RoleView> {
    if (isBuiltInRole(input.name)) {
      throw new AuthorizationException(
        AuthorizationErrorCode.BUILT_IN_ROLE,
        'Built-in roles are defined in code',
      );
    }
    const rules = input.rules.map((r) => this.toStoredRule(r));
    const inherits = [...new Set(input.inherits ?? [])];
    return this.dataSource.transaction(async (m) => {
      const repo = m.getRepository(RoleEntity);
      const existing = await repo.findOne({
        where: { name: input.name },
        lock: { mode: 'pessimistic_write' },
      });
      if (create && existing)
        throw new AuthorizationException(
          AuthorizationErrorCode.ROLE_EXISTS,
          'A role with this name exists',
        );
      if (!create && !existing)
        throw new AuthorizationException(AuthorizationErrorCode.ROLE_NOT_FOUND, 'Role not found');
      for (const parent of inherits) {
        if (!isBuiltInRole(parent) && !(await repo.existsBy({ name: parent }))) {
          throw new AuthorizationException(
            AuthorizationErrorCode.INVALID_RULE,
            `Unknown role to inherit: ${echoValue(parent)}`,
          );
        }
      }
      await this.assertNoCycle(input.name, inherits, m);
      const now = new Date();
      const saved = await repo.save(
        repo.create({
          name: input.name,
          description: input.description ?? existing?.description ?? '',
          rules,
          inherits,
          version: (existing?.version ?? 0) + 1,
          createdAt: existing?.createdAt ?? now,
          updatedAt: now,
        }),
      );
      await this.bumpDescendants(input.name, m);
      await this.audit.record(
        {
          action: 'role.changed',
          resourceType: 'Role',
          resourceId: saved.name,
          changes: {
            before: existing ? { rules: existing.rules, inherits: existing.inherits } : null,
            after: { rules, inherits },
          },
        },
        m,
      );
      return { ...saved, builtIn: false };
    });
  }

  async remove(name: string): Promise<void> {
    if (isBuiltInRole(name))
      throw new AuthorizationException(
        AuthorizationErrorCode.BUILT_IN_ROLE,
        'Built-in roles cannot be deleted',
      );
    await this.dataSource.transaction(async (m) => {
      const role = await m.getRepository(RoleEntity).findOneBy({ name });
      if (!role)
        throw new AuthorizationException(AuthorizationErrorCode.ROLE_NOT_FOUND, 'Role not found');
      const [users] = await m.query<{ n: string }[]>(
        'SELECT COUNT(*) AS n FROM users WHERE role = ?',
        [name],
      );
      const children = await m.query<unknown[]>(
        'SELECT name FROM roles WHERE JSON_CONTAINS(inherits, JSON_QUOTE(?))',
        [name],
      );
      if (Number(users.n) > 0 || children.length > 0) {
        throw new AuthorizationException(
          AuthorizationErrorCode.ROLE_IN_USE,
          'Users still have this role, or other roles inherit it',
        );
      }
      await m.getRepository(RoleEntity).delete({ name });
      await this.audit.record(
        {
          action: 'role.changed',
          resourceType: 'Role',
          resourceId: name,
          changes: { before: { rules: role.rules }, after: null },
        },
        m,
      );
    });
  }

  private toStoredRule(r: RoleRuleInput): StoredRule {
    const bad = (message: string) =>
      new AuthorizationException(AuthorizationErrorCode.INVALID_RULE, message);
    for (const a of r.action)
      if (!ACTIONS.includes(a as Action)) throw bad(`Unknown action ${echoValue(a)}`);
    for (const s of r.subject)
      if (!(SUBJECTS as readonly string[]).includes(s))
        throw bad(`Unknown subject ${echoValue(s)}`);
    let conditions: Record<string, unknown> | undefined;
    if (r.conditions) {
      const parsed: unknown = JSON.parse(r.conditions);
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
        throw bad('conditions must be a JSON object');
      conditions = parsed as Record<string, unknown>;
      for (const s of r.subject) {
        try {
          assertTranslatableConditions(s, conditions);
        } catch (e) {
          throw bad(e instanceof Error ? e.message : 'conditions are not supported');
        }
      }
    }
    for (const subject of r.fields?.length ? r.subject : []) {
      const known = PII_FIELDS[subject];
      if (!known)
        throw bad(`Field lists are supported on ${Object.keys(PII_FIELDS).join(', ')} rules`);
      for (const f of r.fields ?? [])
        if (!known.includes(f)) throw bad(`Unknown ${echoValue(subject)} field ${echoValue(f)}`);
    }
    const rule: AppRawRule = { action: r.action as Action[], subject: r.subject };
    if (r.fields?.length) rule.fields = r.fields;
    if (conditions) rule.conditions = conditions;
    if (r.inverted) rule.inverted = true;
    return rule as StoredRule;
  }

  private async assertNoCycle(name: string, inherits: string[], m: EntityManager): Promise<void> {
    const stack = [...inherits];
    const seen = new Set<string>();
    while (stack.length) {
      const next = stack.pop() as string;
      if (next === name)
        throw new AuthorizationException(
          AuthorizationErrorCode.INHERITANCE_CYCLE,
          'Roles cannot inherit themselves',
        );
      if (seen.has(next) || isBuiltInRole(next)) continue;
      seen.add(next);
      const row = await m.getRepository(RoleEntity).findOneBy({ name: next });
      stack.push(...(row?.inherits ?? []));
    }
  }

  /** Roles inheriting a changed role get a new version too, so their cached abilities are rebuilt. */
  private async bumpDescendants(name: string, m: EntityManager): Promise<void> {
    const queue = [name];
    const seen = new Set(queue);
    while (queue.length) {
      const parent = queue.shift() as string;
      const children = await m.query<{ name: string }[]>(
        'SELECT name FROM roles WHERE JSON_CONTAINS(inherits, JSON_QUOTE(?))',
        [parent],
      );
      for (const child of children) {
        if (seen.has(child.name)) continue;
        seen.add(child.name);
        await m.query('UPDATE roles SET version = version + 1 WHERE name = ?', [child.name]);
        queue.push(child.name);
      }
    }
  }
}
