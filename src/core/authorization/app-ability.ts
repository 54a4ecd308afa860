import type { MongoAbility, RawRuleOf } from '@casl/ability';
import type { Action } from './allow.decorator';

/**
 * What a caller may do, as the guard and field masking read it. The rules themselves (the built-in
 * role matrix, custom roles, PII fields) belong to the authorization module.
 */
export type AppAbility = MongoAbility<[Action, string]>;
export type AppRawRule = RawRuleOf<AppAbility>;
