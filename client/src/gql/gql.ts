/* eslint-disable */
import * as types from './graphql.js';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "mutation Login($input: LoginInput!) {\n  login(input: $input) {\n    __typename\n    ... on AuthTokens {\n      accessToken\n      accessTokenExpiresAt\n      user {\n        ...CurrentUser\n      }\n    }\n    ... on MfaRequired {\n      mfaToken\n      expiresAt\n    }\n    ... on MfaEnrollmentRequired {\n      accessToken\n      accessTokenExpiresAt\n    }\n  }\n}\n\nmutation VerifyMfa($input: VerifyMfaInput!) {\n  verifyMfa(input: $input) {\n    accessToken\n    accessTokenExpiresAt\n    user {\n      ...CurrentUser\n    }\n  }\n}\n\nmutation RefreshToken {\n  refreshToken {\n    accessToken\n    accessTokenExpiresAt\n  }\n}\n\nmutation Logout {\n  logout\n}\n\nquery Me {\n  me {\n    ...CurrentUser\n  }\n}\n\nfragment CurrentUser on User {\n  id\n  email\n  displayName\n  role\n  status\n  mfaEnabled\n  teamId\n  lastLoginAt\n}": typeof types.LoginDocument,
    "query CampaignsPage($first: Int! = 20, $after: String) {\n  campaigns(first: $first, after: $after) {\n    totalCount\n    nextCursor\n    items {\n      id\n      name\n      channel\n      status\n      purpose\n      startsAt\n      endsAt\n    }\n  }\n}\n\nquery PrecheckCampaign($id: ID!) {\n  precheckCampaign(input: {id: $id}) {\n    total\n    allowedNow\n    allowedLater\n    blocked\n    evaluatedAt\n    byReason {\n      rule\n      count\n    }\n    blockedCustomers {\n      customerId\n      reasons\n    }\n    sendEta {\n      messages\n      ratePerSecond\n      days\n      dailyCap\n      finishesAt\n    }\n  }\n}": typeof types.CampaignsPageDocument,
    "query CustomersPage($first: Int! = 20, $after: String, $filter: CustomerFilter) {\n  customers(first: $first, after: $after, filter: $filter) {\n    totalCount\n    nextCursor\n    items {\n      id\n      externalRef\n      firstName\n      lastName\n      email\n      phone\n      phoneType\n      state\n      timezone\n      status\n      balance\n    }\n  }\n}": typeof types.CustomersPageDocument,
};
const documents: Documents = {
    "mutation Login($input: LoginInput!) {\n  login(input: $input) {\n    __typename\n    ... on AuthTokens {\n      accessToken\n      accessTokenExpiresAt\n      user {\n        ...CurrentUser\n      }\n    }\n    ... on MfaRequired {\n      mfaToken\n      expiresAt\n    }\n    ... on MfaEnrollmentRequired {\n      accessToken\n      accessTokenExpiresAt\n    }\n  }\n}\n\nmutation VerifyMfa($input: VerifyMfaInput!) {\n  verifyMfa(input: $input) {\n    accessToken\n    accessTokenExpiresAt\n    user {\n      ...CurrentUser\n    }\n  }\n}\n\nmutation RefreshToken {\n  refreshToken {\n    accessToken\n    accessTokenExpiresAt\n  }\n}\n\nmutation Logout {\n  logout\n}\n\nquery Me {\n  me {\n    ...CurrentUser\n  }\n}\n\nfragment CurrentUser on User {\n  id\n  email\n  displayName\n  role\n  status\n  mfaEnabled\n  teamId\n  lastLoginAt\n}": types.LoginDocument,
    "query CampaignsPage($first: Int! = 20, $after: String) {\n  campaigns(first: $first, after: $after) {\n    totalCount\n    nextCursor\n    items {\n      id\n      name\n      channel\n      status\n      purpose\n      startsAt\n      endsAt\n    }\n  }\n}\n\nquery PrecheckCampaign($id: ID!) {\n  precheckCampaign(input: {id: $id}) {\n    total\n    allowedNow\n    allowedLater\n    blocked\n    evaluatedAt\n    byReason {\n      rule\n      count\n    }\n    blockedCustomers {\n      customerId\n      reasons\n    }\n    sendEta {\n      messages\n      ratePerSecond\n      days\n      dailyCap\n      finishesAt\n    }\n  }\n}": types.CampaignsPageDocument,
    "query CustomersPage($first: Int! = 20, $after: String, $filter: CustomerFilter) {\n  customers(first: $first, after: $after, filter: $filter) {\n    totalCount\n    nextCursor\n    items {\n      id\n      externalRef\n      firstName\n      lastName\n      email\n      phone\n      phoneType\n      state\n      timezone\n      status\n      balance\n    }\n  }\n}": types.CustomersPageDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation Login($input: LoginInput!) {\n  login(input: $input) {\n    __typename\n    ... on AuthTokens {\n      accessToken\n      accessTokenExpiresAt\n      user {\n        ...CurrentUser\n      }\n    }\n    ... on MfaRequired {\n      mfaToken\n      expiresAt\n    }\n    ... on MfaEnrollmentRequired {\n      accessToken\n      accessTokenExpiresAt\n    }\n  }\n}\n\nmutation VerifyMfa($input: VerifyMfaInput!) {\n  verifyMfa(input: $input) {\n    accessToken\n    accessTokenExpiresAt\n    user {\n      ...CurrentUser\n    }\n  }\n}\n\nmutation RefreshToken {\n  refreshToken {\n    accessToken\n    accessTokenExpiresAt\n  }\n}\n\nmutation Logout {\n  logout\n}\n\nquery Me {\n  me {\n    ...CurrentUser\n  }\n}\n\nfragment CurrentUser on User {\n  id\n  email\n  displayName\n  role\n  status\n  mfaEnabled\n  teamId\n  lastLoginAt\n}"): (typeof documents)["mutation Login($input: LoginInput!) {\n  login(input: $input) {\n    __typename\n    ... on AuthTokens {\n      accessToken\n      accessTokenExpiresAt\n      user {\n        ...CurrentUser\n      }\n    }\n    ... on MfaRequired {\n      mfaToken\n      expiresAt\n    }\n    ... on MfaEnrollmentRequired {\n      accessToken\n      accessTokenExpiresAt\n    }\n  }\n}\n\nmutation VerifyMfa($input: VerifyMfaInput!) {\n  verifyMfa(input: $input) {\n    accessToken\n    accessTokenExpiresAt\n    user {\n      ...CurrentUser\n    }\n  }\n}\n\nmutation RefreshToken {\n  refreshToken {\n    accessToken\n    accessTokenExpiresAt\n  }\n}\n\nmutation Logout {\n  logout\n}\n\nquery Me {\n  me {\n    ...CurrentUser\n  }\n}\n\nfragment CurrentUser on User {\n  id\n  email\n  displayName\n  role\n  status\n  mfaEnabled\n  teamId\n  lastLoginAt\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query CampaignsPage($first: Int! = 20, $after: String) {\n  campaigns(first: $first, after: $after) {\n    totalCount\n    nextCursor\n    items {\n      id\n      name\n      channel\n      status\n      purpose\n      startsAt\n      endsAt\n    }\n  }\n}\n\nquery PrecheckCampaign($id: ID!) {\n  precheckCampaign(input: {id: $id}) {\n    total\n    allowedNow\n    allowedLater\n    blocked\n    evaluatedAt\n    byReason {\n      rule\n      count\n    }\n    blockedCustomers {\n      customerId\n      reasons\n    }\n    sendEta {\n      messages\n      ratePerSecond\n      days\n      dailyCap\n      finishesAt\n    }\n  }\n}"): (typeof documents)["query CampaignsPage($first: Int! = 20, $after: String) {\n  campaigns(first: $first, after: $after) {\n    totalCount\n    nextCursor\n    items {\n      id\n      name\n      channel\n      status\n      purpose\n      startsAt\n      endsAt\n    }\n  }\n}\n\nquery PrecheckCampaign($id: ID!) {\n  precheckCampaign(input: {id: $id}) {\n    total\n    allowedNow\n    allowedLater\n    blocked\n    evaluatedAt\n    byReason {\n      rule\n      count\n    }\n    blockedCustomers {\n      customerId\n      reasons\n    }\n    sendEta {\n      messages\n      ratePerSecond\n      days\n      dailyCap\n      finishesAt\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query CustomersPage($first: Int! = 20, $after: String, $filter: CustomerFilter) {\n  customers(first: $first, after: $after, filter: $filter) {\n    totalCount\n    nextCursor\n    items {\n      id\n      externalRef\n      firstName\n      lastName\n      email\n      phone\n      phoneType\n      state\n      timezone\n      status\n      balance\n    }\n  }\n}"): (typeof documents)["query CustomersPage($first: Int! = 20, $after: String, $filter: CustomerFilter) {\n  customers(first: $first, after: $after, filter: $filter) {\n    totalCount\n    nextCursor\n    items {\n      id\n      externalRef\n      firstName\n      lastName\n      email\n      phone\n      phoneType\n      state\n      timezone\n      status\n      balance\n    }\n  }\n}"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;