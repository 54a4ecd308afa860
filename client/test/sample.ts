/**
 * Compiled, never run, by src/client.spec.ts: the generated documents carry the types of their
 * results and variables. Each `@ts-expect-error` must meet an error: were the generated types
 * `any`, the directive itself would be the error, and the spec would fail.
 */
import type { ResultOf, TypedDocumentNode, VariablesOf } from '@graphql-typed-document-node/core';
import {
  CustomersPageDocument,
  ERROR_REASONS,
  LoginDocument,
  MeDocument,
  PrecheckCampaignDocument,
  errorMessage,
  type CustomersPageQuery,
  type ErrorReason,
} from '../src/index.js';

/** How the SPA calls the API: any GraphQL client that takes typed document nodes looks so. */
declare function execute<R, V>(document: TypedDocumentNode<R, V>, variables: V): Promise<R>;

export async function signIn(email: string, password: string): Promise<string> {
  const { login } = await execute(LoginDocument, { input: { email, password } });
  switch (login.__typename) {
    case 'AuthTokens':
      return `${login.user.displayName} (${login.user.role}) until ${login.accessTokenExpiresAt}`;
    case 'MfaRequired':
      return login.mfaToken;
    case 'MfaEnrollmentRequired':
      return login.accessToken;
  }
}

export async function customerNames(): Promise<string[]> {
  const page: CustomersPageQuery = await execute(CustomersPageDocument, {
    first: 50,
    filter: { status: 'Active' },
  });
  const names = page.customers.items.map((c) => `${c.firstName ?? ''} ${c.lastName ?? ''}`);
  // @ts-expect-error: the page's customers carry no ssn (the query does not select it)
  const ssn: unknown = page.customers.items[0]?.ssn;
  names.push(String(ssn));
  // @ts-expect-error: `first` is an Int
  await execute(CustomersPageDocument, { first: '50' });
  // @ts-expect-error: the status filter takes the schema's enum values only
  await execute(CustomersPageDocument, { filter: { status: 'Closed' } });
  return names;
}

export async function precheck(id: string): Promise<number> {
  const variables: VariablesOf<typeof PrecheckCampaignDocument> = { id };
  const { precheckCampaign } = await execute(PrecheckCampaignDocument, variables);
  // @ts-expect-error: the campaign id is required
  await execute(PrecheckCampaignDocument, {});
  return precheckCampaign.allowedNow + (precheckCampaign.sendEta?.messages ?? 0);
}

export async function mfaEnabled(): Promise<boolean> {
  const result: ResultOf<typeof MeDocument> = await execute(MeDocument, {});
  // @ts-expect-error: mfaEnabled is a Boolean, not a String
  const shown: string = result.me.mfaEnabled;
  return shown.length > 0;
}

export function messageFor(error: { extensions?: { reason?: unknown } }): string {
  const known: ErrorReason = 'TOO_MANY_ATTEMPTS';
  // @ts-expect-error: not a reason the API answers
  const unknown: ErrorReason = 'NO_SUCH_REASON';
  return `${ERROR_REASONS[known].code} ${unknown}: ${errorMessage(error)}`;
}
