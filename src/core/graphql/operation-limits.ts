import { GraphQLError, Kind, type ASTVisitor, type ValidationContext } from 'graphql';
import { ErrorCode } from '../errors/error-code';

/**
 * Operations that must run alone in a document: one credential check per request, so aliases cannot
 * multiply password or code guesses past the per-request rate limit.
 */
export const SINGLE_USE_FIELDS = new Set([
  'login',
  'verifyMfa',
  'stepUp',
  'resetPassword',
  'requestPasswordReset',
  'refreshToken',
  'changePassword',
  'confirmTotp',
  'disableMfa',
  'verifyPasskey',
  'stepUpWithPasskey',
  'finishPasskeyRegistration',
]);

/**
 * What an expensive operation costs against a document's budget, in units of one plain field. A
 * batch compliance check reads a whole audience; a report scans a month. Fields not listed cost 1
 * (armor's cost limit covers depth and breadth).
 */
export const FIELD_COSTS: Readonly<Record<string, number>> = {
  precheckCampaign: 400,
  complianceReport: 400,
  launchCampaign: 400,
  importDncList: 400,
  auditEvents: 50,
  failedLogins: 50,
  simulateContact: 20,
  evaluateContact: 20,
  revealCustomerField: 20,
  zoneDataHealth: 100,
  encryptionStatus: 100,
};

/** A document may spend this much on expensive operations: two batch checks, not thirty. */
export const DOCUMENT_BUDGET = 1000;

const refuse = (message: string, reason: string) =>
  new GraphQLError(message, {
    extensions: { code: ErrorCode.BAD_USER_INPUT, reason },
  });

/**
 * A validation rule over the root fields of the whole document (fragments included, each counted
 * once per definition): at most one of each SINGLE_USE_FIELDS field, and expensive fields within
 * DOCUMENT_BUDGET.
 */
export function operationLimitsRule(context: ValidationContext): ASTVisitor {
  const seen = new Map<string, number>();
  let cost = 0;
  return {
    [Kind.FIELD]: {
      enter(node) {
        // Operations are the root fields: a `refreshToken` inside a result is only a value.
        const parent = context.getParentType();
        const schema = context.getSchema();
        if (!parent || (parent !== schema.getMutationType() && parent !== schema.getQueryType()))
          return;
        const name = node.name.value;
        const count = (seen.get(name) ?? 0) + 1;
        seen.set(name, count);
        if (SINGLE_USE_FIELDS.has(name) && count === 2)
          context.reportError(
            refuse(`${name} may appear once per request`, 'SINGLE_USE_OPERATION_REPEATED'),
          );
        const before = cost;
        cost += FIELD_COSTS[name] ?? 0;
        if (before <= DOCUMENT_BUDGET && cost > DOCUMENT_BUDGET)
          context.reportError(
            refuse(
              `The request asks for too much work at once (cost over ${DOCUMENT_BUDGET}); split it`,
              'OPERATION_TOO_COSTLY',
            ),
          );
      },
    },
  };
}
