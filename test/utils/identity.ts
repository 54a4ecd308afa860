import { randomInt, randomUUID } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import { DataSource } from 'typeorm';
import { UserEntity } from '../../src/modules/identity/entities/user.entity';
import { MfaService } from '../../src/modules/identity/services/mfa.service';
import { UsersService } from '../../src/modules/identity/services/users.service';
import type { TestApp } from './test-app';

export const PASSWORD = 'A long enough pass phrase 42';

export interface TestUser {
  id: string;
  email: string;
  password: string;
  role: string;
  totpSecret?: string;
  backupCodes?: string[];
}

/** A user made directly through the service (a factory); `mfa` turns TOTP on with backup codes. */
export async function makeUser(
  t: TestApp,
  role: string,
  options: { mfa?: boolean; teamId?: string } = {},
): Promise<TestUser> {
  const email = `${role}.${randomUUID().slice(0, 8)}@e2e.callwarden.test`;
  const ds = t.app.get(DataSource);
  const users = t.app.get(UsersService);
  const user = await ds.transaction((m) =>
    users.create(
      {
        email,
        displayName: `Test ${role}`,
        role,
        password: PASSWORD,
        teamId: options.teamId ?? null,
      },
      m,
    ),
  );
  const out: TestUser = { id: user.id, email, password: PASSWORD, role };
  if (options.mfa) {
    const mfa = t.app.get(MfaService);
    const secret = mfa.newSecret();
    user.totpSecret = secret;
    user.mfaEnabled = true;
    user.mfaEnrolledAt = new Date();
    await ds.getRepository(UserEntity).save(user);
    out.totpSecret = secret;
    out.backupCodes = await ds.transaction((m) => mfa.regenerateBackupCodes(user.id, m));
  }
  return out;
}

/** The TOTP code of a time step relative to now (0 = current, 1 = next; the server accepts one step of drift). */
export function totp(secret: string, stepOffset = 0): string {
  return TOTP.generate({
    secret: Secret.fromBase32(secret),
    algorithm: 'SHA1',
    digits: 6,
    period: 30,
    timestamp: Date.now() + stepOffset * 30_000,
  });
}

/**
 * Where this test file's addresses start: at random in 10.100.0.0-10.131.255.255, because suites
 * share one database and each file loads this module afresh. Starting every file at the same
 * address once made one suite's deliberate failures (replayed by the incident detector of a later
 * suite) block the addresses the next suites signed in from.
 */
let ipCounter = randomInt(0, 1 << 21);
/** A fresh client address (X-Forwarded-For; tests trust one proxy) so lockouts do not leak between tests. */
export function freshIp(): string {
  ipCounter = (ipCounter + 1) % (1 << 21);
  return `10.${100 + (ipCounter >> 16)}.${(ipCounter >> 8) & 255}.${ipCounter & 255}`;
}

export const LOGIN = `mutation Login($input: LoginInput!) {
  login(input: $input) {
    __typename
    ... on AuthTokens { accessToken accessTokenExpiresAt refreshToken user { id email role } }
    ... on MfaRequired { mfaToken expiresAt }
    ... on MfaEnrollmentRequired { accessToken }
  }
}`;

export const VERIFY_MFA = `mutation Verify($input: VerifyMfaInput!) {
  verifyMfa(input: $input) { accessToken refreshToken user { id } }
}`;

export interface Tokens {
  accessToken: string;
  refreshToken: string;
}

/** Signs a user in (through MFA when they have it) and returns tokens; `ip` defaults to a fresh one. */
export async function signIn(
  t: TestApp,
  user: TestUser,
  ip = freshIp(),
): Promise<Tokens & { auth: Record<string, string> }> {
  const res = await t.gql<{ login: Record<string, string> }>(
    LOGIN,
    { input: { email: user.email, password: user.password, returnRefreshToken: true } },
    { 'x-forwarded-for': ip },
  );
  if (res.errors) throw new Error(`login failed: ${JSON.stringify(res.errors)}`);
  let tokens = res.data!.login;
  if (tokens.__typename === 'MfaRequired') {
    const code = user.backupCodes!.shift()!;
    const verified = await t.gql<{ verifyMfa: Record<string, string> }>(
      VERIFY_MFA,
      { input: { mfaToken: tokens.mfaToken, code, returnRefreshToken: true } },
      { 'x-forwarded-for': ip },
    );
    if (verified.errors) throw new Error(`verifyMfa failed: ${JSON.stringify(verified.errors)}`);
    tokens = verified.data!.verifyMfa;
  }
  return {
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken,
    auth: { authorization: `Bearer ${tokens.accessToken}`, 'x-forwarded-for': ip },
  };
}
