import { namesField } from './hashing-admission';

const FIELDS = /\b(?:login|resetPassword)\b/;

describe('namesField', () => {
  it('finds a hashing field whatever its alias, spacing or place in a batch', () => {
    const login = 'mutation L($input: LoginInput!) { login(input: $input) { __typename } }';
    expect(namesField({ query: login }, FIELDS)).toBe(true);
    expect(namesField({ query: 'mutation { a: login (input: {}) { __typename } }' }, FIELDS)).toBe(
      true,
    );
    expect(namesField({ query: 'mutation{resetPassword(input:{}){ok}}' }, FIELDS)).toBe(true);
    expect(namesField([{ query: '{ me { id } }' }, { query: login }], FIELDS)).toBe(true);
  });

  it('passes documents that only resemble one, and bodies that are not GraphQL requests', () => {
    expect(namesField({ query: '{ me { lastLoginAt loginHistory { id } } }' }, FIELDS)).toBe(false);
    expect(namesField({ query: 'query Q($i: LoginInput) { me { id } }' }, FIELDS)).toBe(false);
    for (const body of [undefined, null, 'login', 42, {}, { query: 7 }, [null], [{ q: 'login' }]])
      expect(namesField(body, FIELDS)).toBe(false);
  });
});
