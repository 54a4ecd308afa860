import { rulesToAST } from '@casl/ability/extra';
import type { AppAbility } from '../../../core/authorization/app-ability';
import type { Action } from '../../../core/authorization/allow.decorator';

/** How a rule field maps to SQL for one subject (alias = the query's table alias). */
type FieldSql = (alias: string) => { column: string } | { exists: (alias: string) => string };

/**
 * The fields row conditions may use, per subject. Anything else is refused when a custom role is
 * saved, so every rule can be turned into a WHERE clause: lists, counts and pagination stay right and
 * nothing is fetched that is then hidden.
 */
export const CONDITION_FIELDS: Record<string, Record<string, FieldSql>> = {
  Task: {
    assigneeId: (a) => ({ column: `${a}.assignee_id` }),
    teamId: (a) => ({ column: `${a}.team_id` }),
    campaignId: (a) => ({ column: `${a}.campaign_id` }),
    customerId: (a) => ({ column: `${a}.customer_id` }),
    status: (a) => ({ column: `${a}.status` }),
  },
  Campaign: {
    teamId: (a) => ({ column: `${a}.team_id` }),
    ownerId: (a) => ({ column: `${a}.owner_id` }),
    status: (a) => ({ column: `${a}.status` }),
  },
  Customer: {
    state: (a) => ({ column: `${a}.state` }),
    status: (a) => ({ column: `${a}.status` }),
    'tasks.assigneeId': (a) => ({
      exists: (p) =>
        `EXISTS (SELECT 1 FROM tasks rt WHERE rt.customer_id = ${a}.id AND rt.assignee_id = ${p})`,
    }),
    'tasks.teamId': (a) => ({
      exists: (p) =>
        `EXISTS (SELECT 1 FROM tasks rt WHERE rt.customer_id = ${a}.id AND rt.team_id = ${p})`,
    }),
  },
  // A debt is also seen only where its customer is (DebtsService joins the customer's rules).
  Debt: {
    customerId: (a) => ({ column: `${a}.customer_id` }),
    creditor: (a) => ({ column: `${a}.creditor` }),
    status: (a) => ({ column: `${a}.status` }),
  },
  User: {
    id: (a) => ({ column: `${a}.id` }),
    teamId: (a) => ({ column: `${a}.team_id` }),
  },
};

interface AstNode {
  operator: string;
  field?: string;
  value: unknown;
}

export interface SqlCondition {
  sql: string;
  params: Record<string, unknown>;
}

/**
 * Translations by ability: an ability is built once per principal and role version and never
 * changed (a new role version builds a new one), so its clause for an (action, subject, alias) is
 * the same on every request that holds it. Weakly held: it goes with its ability.
 */
const translated = new WeakMap<AppAbility, Map<string, SqlCondition | null>>();

/**
 * The WHERE clause selecting the rows of `subject` that `ability` may `action`: `null` when it may
 * see none at all, `1 = 1` when it may see every row. Worked out once per ability and query shape;
 * each caller gets its own copy of the parameters.
 */
export function accessibleSql(
  ability: AppAbility,
  action: Action,
  subject: string,
  alias: string,
): SqlCondition | null {
  let byShape = translated.get(ability);
  if (!byShape) translated.set(ability, (byShape = new Map<string, SqlCondition | null>()));
  const key = `${action} ${subject} ${alias}`;
  let condition = byShape.get(key);
  if (condition === undefined) {
    condition = translate(ability, action, subject, alias);
    byShape.set(key, condition);
  }
  return condition && { sql: condition.sql, params: { ...condition.params } };
}

function translate(
  ability: AppAbility,
  action: Action,
  subject: string,
  alias: string,
): SqlCondition | null {
  const ast = rulesToAST(ability, action, subject) as AstNode | null;
  if (ast === null) return null;
  const params: Record<string, unknown> = {};
  let n = 0;
  const param = (value: unknown) => {
    const name = `acl_${alias}_${n++}`;
    params[name] = value;
    return `:${name}`;
  };
  const fields = CONDITION_FIELDS[subject] ?? {};
  const walk = (node: AstNode): string => {
    switch (node.operator) {
      case 'and':
      case 'or': {
        const parts = (node.value as AstNode[]).map(walk);
        if (parts.length === 0) return node.operator === 'and' ? '1 = 1' : '1 = 0';
        return `(${parts.join(node.operator === 'and' ? ' AND ' : ' OR ')})`;
      }
      case 'not':
        return `NOT (${walk(node.value as AstNode)})`;
      case 'eq':
      case 'ne':
      case 'in':
      case 'nin': {
        const mapping = node.field ? fields[node.field] : undefined;
        if (!mapping) throw new Error(`No SQL mapping for ${subject}.${node.field ?? '?'}`);
        const target = mapping(alias);
        if ('exists' in target) {
          if (node.operator !== 'eq')
            throw new Error(`Only equality on ${subject}.${node.field as string}`);
          return target.exists(param(node.value));
        }
        if (node.operator === 'eq')
          return node.value === null
            ? `${target.column} IS NULL`
            : `${target.column} = ${param(node.value)}`;
        if (node.operator === 'ne')
          return node.value === null
            ? `${target.column} IS NOT NULL`
            : `${target.column} <> ${param(node.value)}`;
        const list = node.value as unknown[];
        if (list.length === 0) return node.operator === 'in' ? '1 = 0' : '1 = 1';
        return `${target.column} ${node.operator === 'in' ? 'IN' : 'NOT IN'} (${param(list)})`;
      }
      default:
        throw new Error(`Unsupported condition operator ${node.operator}`);
    }
  };
  return { sql: walk(ast), params };
}

/** Checks that a rule's conditions can be translated (used when a custom role is saved). */
export function assertTranslatableConditions(
  subject: string,
  conditions: Record<string, unknown>,
): void {
  const fields = CONDITION_FIELDS[subject] ?? {};
  for (const [field, value] of Object.entries(conditions)) {
    if (!fields[field])
      throw new Error(
        `${subject} rules may only use conditions on: ${Object.keys(fields).join(', ') || 'nothing'}`,
      );
    const plain =
      typeof value === 'string' ||
      typeof value === 'number' ||
      typeof value === 'boolean' ||
      value === null;
    const inList =
      value &&
      typeof value === 'object' &&
      Object.keys(value).length === 1 &&
      Array.isArray((value as { $in?: unknown }).$in);
    if (!plain && !inList)
      throw new Error(`${subject}.${field} conditions are values or {$in: [...]}`);
  }
}
