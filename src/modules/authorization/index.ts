// The authorization module's public surface besides its services and Nest module.
export {
  BUILT_IN_ROLES,
  CUSTOMER_PII_FIELDS,
  DEBT_PII_FIELDS,
  PII_FIELDS,
  SUBJECTS,
  USER_ID,
  USER_TEAM,
} from './permissions';
export { AuthorizationErrorCode, AuthorizationException } from './authorization.exception';
export { accessibleSql } from './utils/ability-sql';
