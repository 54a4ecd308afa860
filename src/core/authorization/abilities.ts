import { AbilityBuilder, createMongoAbility, MongoAbility } from '@casl/ability';
import type { Action } from './allow.decorator';

export type AppAbility = MongoAbility<[Action, string]>;

export const BUILT_IN_ROLES = ['admin', 'manager', 'agent', 'viewer'] as const;
export type BuiltInRole = (typeof BUILT_IN_ROLES)[number];

type Can = AbilityBuilder<AppAbility>['can'];

/**
 * The permission matrix of the design document (Users, Campaigns, Tasks, Customers, Settings,
 * Reports), extended to this product's resources. Row conditions and custom roles build on this.
 */
const ROLE_RULES: Record<BuiltInRole, (can: Can) => void> = {
  admin: (can) => {
    can('manage', 'all');
  },
  manager: (can) => {
    can('read', 'User');
    can(['create', 'read', 'update', 'delete'], 'Campaign');
    can(['create', 'read', 'update', 'delete'], 'Task');
    can(['read', 'update'], 'Customer');
    can('read', [
      'Settings',
      'Report',
      'Incident',
      'Brand',
      'MessagingCampaign',
      'DataSubjectRequest',
    ]);
    can(['create', 'read', 'update'], ['Consent', 'DncEntry']);
    can(['create', 'read', 'delete'], 'ApiKey');
  },
  agent: (can) => {
    can('read', ['User', 'Campaign', 'Report']);
    can(['read', 'update'], ['Task', 'Customer']);
    can(['create', 'read'], ['Consent', 'DncEntry', 'ContactAttempt']);
  },
  viewer: (can) => {
    can('read', ['User', 'Campaign', 'Task', 'Customer', 'Report']);
  },
};

export function isBuiltInRole(role: string): role is BuiltInRole {
  return (BUILT_IN_ROLES as readonly string[]).includes(role);
}

/** The ability of a role; an unknown role can do nothing (deny by default). */
export function abilityForRole(role: string): AppAbility {
  const builder = new AbilityBuilder<AppAbility>(createMongoAbility);
  if (isBuiltInRole(role)) ROLE_RULES[role](builder.can);
  return builder.build();
}

/** An ability limited to explicit `action:Subject` scopes (API keys), within the owner's role. */
export function abilityForScopes(role: string, scopes: string[]): AppAbility {
  const owner = abilityForRole(role);
  const builder = new AbilityBuilder<AppAbility>(createMongoAbility);
  for (const scope of scopes) {
    const [action, subject] = scope.split(':') as [Action, string];
    if (owner.can(action, subject)) builder.can(action, subject);
  }
  return builder.build();
}
