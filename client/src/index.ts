/**
 * The CallWarden API for the admin SPA: a typed document node per operation of src/operations
 * (`LoginDocument`, `MeDocument`, ... with `LoginMutation`, `LoginMutationVariables`, ...), for any
 * GraphQL client that takes TypedDocumentNode, and every error reason with a message to show.
 * Everything here is generated from the server (npm run client:generate) except error-message.ts.
 */
export * from './gql/graphql.js';
export * from './errors.js';
export * from './error-message.js';
