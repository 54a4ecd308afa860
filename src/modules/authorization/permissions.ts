import { createMongoAbility } from '@casl/ability';
import type { Action } from '../../core/authorization/allow.decorator';
import type { AppAbility, AppRawRule } from '../../core/authorization/app-ability';

export type { AppAbility, AppRawRule };

export const BUILT_IN_ROLES = ['admin', 'manager', 'agent', 'viewer'] as const;
export type BuiltInRole = (typeof BUILT_IN_ROLES)[number];

/** Placeholders a rule's conditions may use; filled per request from the principal. */
export const USER_ID = '${user.id}';
export const USER_TEAM = '${user.teamId}';

/** Every resource a rule may name (PascalCase, as in `@Allow`). */
export const SUBJECTS = [
  'all',
  'User',
  'Role',
  'ApiKey',
  'Session',
  'Campaign',
  'Task',
  'Customer',
  'Debt',
  'ContactAttempt',
  'Settings',
  'Report',
  'AuditEvent',
  'Incident',
  'Consent',
  'DncEntry',
  'DataSubjectRequest',
  'LegalHold',
  'RetentionPolicy',
  'CryptoKey',
  'Brand',
  'MessagingCampaign',
  'ContentReview',
] as const;

/** Customer fields that are personal data: masked unless the role may `readPii` them. */
export const CUSTOMER_PII_FIELDS = [
  'firstName',
  'lastName',
  'email',
  'phone',
  'addressLine',
  'city',
  'dateOfBirth',
  'ssn',
  'accountRef',
] as const;

/** Debt fields that are personal data: read in full by the roles that read a customer's accountRef. */
export const DEBT_PII_FIELDS = ['accountRef', 'originalBalance', 'currentBalance'] as const;

/** Fields that are personal data, per subject: the only fields `readPii` and `reveal` rules may name. */
export const PII_FIELDS: Record<string, readonly string[]> = {
  Customer: CUSTOMER_PII_FIELDS,
  Task: ['notes'],
  Debt: DEBT_PII_FIELDS,
  /**
   * A consent's evidence (ip, user agent, form, recording): decrypted into an evidence pack only
   * for a role that may `readPii` it (admins; custom compliance roles given it), never for managers.
   */
  Consent: ['evidence'],
  /** A held message's text (content screening's review queue), about its customer. */
  ContentReview: ['messageText'],
};

/**
 * The permission matrix of the design document (Users, Campaigns, Tasks, Customers, Settings,
 * Reports), extended to this product's resources, with row conditions: an agent sees the tasks
 * assigned to them and the customers of those tasks; a manager runs their own team's campaigns and
 * tasks. Custom roles (stored in `roles`) use the same rule format and may inherit these.
 */
export const BUILT_IN_RULES: Record<BuiltInRole, AppRawRule[]> = {
  admin: [{ action: 'manage', subject: 'all' }],
  manager: [
    {
      action: 'read',
      subject: [
        'User',
        'Settings',
        'Report',
        'Incident',
        'Brand',
        'MessagingCampaign',
        'DataSubjectRequest',
        'Customer',
        'Debt',
      ],
    },
    {
      action: ['create', 'read', 'update', 'delete'],
      subject: ['Campaign', 'Task'],
      conditions: { teamId: USER_TEAM },
    },
    { action: 'update', subject: 'Customer' },
    // Debts: placements (imports) and status changes; seen where the customer is.
    { action: ['create', 'update'], subject: 'Debt' },
    {
      action: 'readPii',
      subject: 'Customer',
      fields: ['firstName', 'lastName', 'email', 'phone', 'addressLine', 'city'],
    },
    { action: 'readPii', subject: 'Task', fields: ['notes'] },
    { action: 'reveal', subject: 'Customer', fields: ['dateOfBirth', 'ssn', 'accountRef'] },
    { action: ['create', 'read', 'update'], subject: ['Consent', 'DncEntry'] },
    { action: 'create', subject: 'DataSubjectRequest' },
    { action: ['create', 'read', 'delete'], subject: 'ApiKey' },
    // Content screening's review queue: held texts and emails read and approved or rejected.
    { action: ['read', 'update'], subject: 'ContentReview' },
    { action: 'readPii', subject: 'ContentReview', fields: ['messageText'] },
  ],
  agent: [
    { action: 'read', subject: ['User', 'Campaign', 'Report'] },
    { action: ['read', 'update'], subject: 'Task', conditions: { assigneeId: USER_ID } },
    {
      action: ['read', 'update'],
      subject: 'Customer',
      conditions: { 'tasks.assigneeId': USER_ID },
    },
    { action: 'readPii', subject: 'Customer', fields: ['firstName'] },
    { action: 'readPii', subject: 'Task', fields: ['notes'] },
    // The debts of the customers they see (the customer's row rules apply to debts).
    { action: 'read', subject: 'Debt' },
    {
      action: 'reveal',
      subject: 'Customer',
      fields: ['lastName', 'phone', 'email', 'addressLine', 'city'],
    },
    { action: ['create', 'read'], subject: ['Consent', 'DncEntry', 'ContactAttempt'] },
    { action: 'create', subject: 'DataSubjectRequest' },
  ],
  viewer: [{ action: 'read', subject: ['User', 'Campaign', 'Task', 'Customer', 'Debt', 'Report'] }],
};

export function isBuiltInRole(role: string): role is BuiltInRole {
  return (BUILT_IN_ROLES as readonly string[]).includes(role);
}

export interface AbilityUser {
  id: string;
  teamId: string | null;
}

/** Fills `${user.id}` and `${user.teamId}` in rule conditions. */
export function interpolate(rules: AppRawRule[], user: AbilityUser): AppRawRule[] {
  const fill = (value: unknown): unknown => {
    if (value === USER_ID) return user.id;
    if (value === USER_TEAM) return user.teamId ?? '\u0000no-team';
    if (Array.isArray(value)) return value.map(fill);
    if (value && typeof value === 'object') {
      return Object.fromEntries(
        Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, fill(v)]),
      );
    }
    return value;
  };
  return rules.map((r) =>
    r.conditions ? { ...r, conditions: fill(r.conditions) as AppRawRule['conditions'] } : r,
  );
}

export function buildAbility(rules: AppRawRule[]): AppAbility {
  return createMongoAbility<AppAbility>(rules);
}

/** Rules of a role limited to API key scopes (`action:Subject`): never more than the role. */
export function restrictToScopes(rules: AppRawRule[], scopes: string[]): AppRawRule[] {
  const out: AppRawRule[] = [];
  for (const scope of scopes) {
    const [action, subject] = scope.split(':') as [Action, string];
    for (const rule of rules) {
      if (rule.inverted) continue;
      const actions = ([] as string[]).concat(rule.action as string | string[]);
      const subjects = ([] as string[]).concat(rule.subject ?? []);
      if (
        (actions.includes(action) || actions.includes('manage')) &&
        (subjects.includes(subject) || subjects.includes('all'))
      ) {
        out.push({ ...rule, action, subject });
      }
    }
  }
  for (const rule of rules) if (rule.inverted) out.push(rule);
  return out;
}
