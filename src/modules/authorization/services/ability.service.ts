import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import {
  AppAbility,
  AppRawRule,
  BUILT_IN_RULES,
  buildAbility,
  interpolate,
  isBuiltInRole,
  restrictToScopes,
} from '../permissions';
import type { Action } from '../../../core/authorization/allow.decorator';
import { RoleEntity } from '../entities/role.entity';

interface CachedRole {
  version: number;
  rules: AppRawRule[];
}

const MAX_ABILITIES = 10_000;

/**
 * Builds the CASL ability of a principal. Built-in roles come from code; custom roles from the
 * `roles` table, cached per (role, version) and re-validated on every request with one primary-key
 * read, so an admin's change applies to the very next request without a restart.
 */
/**
 * What only a user who signed in with MFA may be able to do: manage users, roles, keys and
 * cryptographic keys, and read the audit log.
 */
export const MFA_CAPABILITIES: readonly [Action, string][] = [
  ['create', 'User'],
  ['update', 'User'],
  ['delete', 'User'],
  ['create', 'Role'],
  ['update', 'Role'],
  ['delete', 'Role'],
  ['read', 'AuditEvent'],
  ['create', 'CryptoKey'],
  ['update', 'CryptoKey'],
  ['delete', 'CryptoKey'],
];

/**
 * What an API key (which cannot do MFA) may never be given: the writes of MFA_CAPABILITIES. Reading
 * the audit log stays possible for a SIEM's pull.
 */
export const KEY_FORBIDDEN_CAPABILITIES = MFA_CAPABILITIES.filter(
  ([action, subject]) => !(action === 'read' && subject === 'AuditEvent'),
);

@Injectable()
export class AbilityService {
  private readonly roles = new Map<string, CachedRole>();
  private readonly abilities = new Map<string, AppAbility>();

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async abilityFor(input: {
    role: string;
    userId: string;
    teamId: string | null;
    scopes?: string[];
  }): Promise<AppAbility> {
    const { rules, version } = await this.rulesFor(input.role);
    const key = `${input.role}@${version}|${input.userId}|${input.teamId ?? ''}|${input.scopes?.join(',') ?? '*'}`;
    let ability = this.abilities.get(key);
    if (!ability) {
      const mine = interpolate(rules, { id: input.userId, teamId: input.teamId });
      ability = buildAbility(input.scopes ? restrictToScopes(mine, input.scopes) : mine);
      if (this.abilities.size >= MAX_ABILITIES) this.abilities.clear();
      this.abilities.set(key, ability);
    }
    return ability;
  }

  /**
   * Whether a role must sign in with MFA: by what it may do, not by its name, so a custom role
   * that inherits admin rights needs it too (OWASP ASVS 4.0.3, 4.3.1).
   */
  async requiresMfa(input: {
    role: string;
    userId: string;
    teamId: string | null;
  }): Promise<boolean> {
    const ability = await this.abilityFor(input);
    return MFA_CAPABILITIES.some(([action, subject]) => ability.can(action, subject));
  }

  /** Whether a role name exists (built-in or custom). */
  async roleExists(role: string): Promise<boolean> {
    return (
      isBuiltInRole(role) ||
      (await this.dataSource.getRepository(RoleEntity).existsBy({ name: role }))
    );
  }

  /** The rules of a role with everything it inherits; unknown roles have none (deny by default). */
  async rulesFor(role: string): Promise<{ rules: AppRawRule[]; version: number }> {
    if (isBuiltInRole(role)) return { rules: BUILT_IN_RULES[role], version: 0 };
    const rows = await this.dataSource.query<{ version: number }[]>(
      'SELECT version FROM roles WHERE name = ?',
      [role],
    );
    if (rows.length === 0) return { rules: [], version: -1 };
    const version = Number(rows[0].version);
    const cached = this.roles.get(role);
    if (cached && cached.version === version) return cached;
    // A change to a role also bumps every role inheriting it (RolesService), so its own version
    // is enough to know the cached rules are current.
    const entry = { version, rules: await this.resolve(role, new Set()) };
    this.roles.set(role, entry);
    return entry;
  }

  private async resolve(role: string, seen: Set<string>): Promise<AppRawRule[]> {
    if (seen.has(role)) return [];
    seen.add(role);
    if (isBuiltInRole(role)) return BUILT_IN_RULES[role];
    const row = await this.dataSource.getRepository(RoleEntity).findOneBy({ name: role });
    if (!row) return [];
    const inherited: AppRawRule[] = [];
    for (const parent of row.inherits) inherited.push(...(await this.resolve(parent, seen)));
    return [...inherited, ...(row.rules as AppRawRule[])];
  }
}
