import type { TestApp } from './test-app';

const ATTEST = `mutation A($input: AttestIdentityInput!) {
  attestDataSubjectIdentity(input: $input) { id status verificationMethod } }`;

/**
 * Verifies a data subject request's identity by staff attestation (the caller needs to update
 * requests and a recent MFA check), so that it can be completed. Throws on any GraphQL error.
 */
export async function attest(
  t: TestApp,
  requestId: string,
  auth: Record<string, string>,
): Promise<void> {
  const res = await t.gql<{ attestDataSubjectIdentity: { status: string } }>(
    ATTEST,
    { input: { id: requestId, evidence: 'Matched date of birth and account number by phone' } },
    auth,
  );
  if (res.errors?.length || res.data?.attestDataSubjectIdentity.status !== 'InProgress')
    throw new Error(`attestation failed: ${JSON.stringify(res.errors)}`);
}
