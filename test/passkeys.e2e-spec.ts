import { generateKeyPairSync, randomUUID } from 'node:crypto';
import type { RowDataPacket } from 'mysql2/promise';
import { SessionService } from '../src/modules/identity/services/session.service';
import { freshIp, LOGIN, makeUser, PASSWORD, signIn, totp, TestUser } from './utils/identity';
import { Forge, SoftAuthenticator } from './utils/soft-authenticator';
import type { GraphQLResponse } from './utils/test-app';
import { useTestApp } from './utils/use-test-app';

type Auth = Record<string, string>;

const RP_ID = 'callwarden.test';
const CONSOLE = 'https://console.callwarden.test';
const ADMIN_CONSOLE = 'https://admin.callwarden.test';

const PASSKEY_FIELDS =
  'id name deviceType backedUp transports createdAt lastUsedAt revokedAt __typename';
const BEGIN_REGISTRATION = 'mutation { beginPasskeyRegistration { options expiresAt } }';
const FINISH_REGISTRATION = `mutation F($input: FinishPasskeyRegistrationInput!) {
  finishPasskeyRegistration(input: $input) { ${PASSKEY_FIELDS} }
}`;
const PASSKEYS = `{ passkeys { ${PASSKEY_FIELDS} } }`;
const REVOKE = 'mutation R($input: PasskeyIdInput!) { revokePasskey(input: $input) }';
const USER_PASSKEYS = `query U($userId: ID!) { userPasskeys(userId: $userId) { ${PASSKEY_FIELDS} } }`;
const REVOKE_USER_PASSKEY =
  'mutation R($input: UserPasskeyInput!) { revokeUserPasskey(input: $input) }';
const BEGIN_SIGN_IN = `mutation B($input: BeginPasskeySignInInput!) {
  beginPasskeySignIn(input: $input) { options expiresAt }
}`;
const VERIFY_PASSKEY = `mutation V($input: VerifyPasskeyInput!) {
  verifyPasskey(input: $input) { accessToken refreshToken user { id } }
}`;
const BEGIN_STEP_UP = 'mutation { beginPasskeyStepUp { options expiresAt } }';
const STEP_UP_WITH_PASSKEY = `mutation S($input: PasskeyResponseInput!) {
  stepUpWithPasskey(input: $input) { verifiedAt validUntil }
}`;
const STEP_UP = 'mutation S($input: MfaCodeInput!) { stepUp(input: $input) { validUntil } }';
const VERIFY_MFA = `mutation V($input: VerifyMfaInput!) {
  verifyMfa(input: $input) { accessToken }
}`;
const SET_POLICY =
  'mutation P($input: SetRolePasskeyRequirementInput!) { setRolePasskeyRequirement(input: $input) }';
const POLICIES = '{ rolePasskeyRequirements { role required updatedBy updatedAt } }';
const ME = '{ me { id mfaEnabled hasPasskey passkeyRequired } }';
const CREATE_API_KEY =
  'mutation K($input: CreateApiKeyInput!) { createApiKey(input: $input) { apiKey } }';

interface Options {
  options: string;
  expiresAt: string;
}

const reasonOf = (r: GraphQLResponse<unknown>) => r.errors?.[0]?.extensions.reason;

describe('passkeys (e2e)', () => {
  const app = useTestApp({
    WEBAUTHN_RP_ID: RP_ID,
    WEBAUTHN_ORIGINS: `${CONSOLE},${ADMIN_CONSOLE}`,
    WEBAUTHN_RP_NAME: 'CallWarden e2e',
  });

  const rows = async (sql: string, params: unknown[] = []) =>
    (await app.db.query<RowDataPacket[]>(sql, params))[0];

  /** Adds a passkey on a session (whose step-up must be fresh when the user has a factor). */
  async function register(auth: Auth, authenticator: SoftAuthenticator, name = 'YubiKey 5') {
    const begun = await app.t.gql<{ beginPasskeyRegistration: Options }>(
      BEGIN_REGISTRATION,
      undefined,
      auth,
    );
    expect(begun.errors).toBeUndefined();
    const response = authenticator.register(begun.data!.beginPasskeyRegistration.options);
    const finished = await app.t.gql<{ finishPasskeyRegistration: Record<string, unknown> }>(
      FINISH_REGISTRATION,
      { input: { response, name } },
      auth,
    );
    expect(finished.errors).toBeUndefined();
    return finished.data!.finishPasskeyRegistration;
  }

  /** The password step of a sign-in that answers MfaRequired. */
  async function passwordStep(user: TestUser, ip: string): Promise<string> {
    const res = await app.t.gql<{ login: { __typename: string; mfaToken: string } }>(
      LOGIN,
      { input: { email: user.email, password: user.password } },
      { 'x-forwarded-for': ip },
    );
    expect(res.data?.login.__typename).toBe('MfaRequired');
    return res.data!.login.mfaToken;
  }

  async function beginSignIn(mfaToken: string, ip: string): Promise<string> {
    const res = await app.t.gql<{ beginPasskeySignIn: Options }>(
      BEGIN_SIGN_IN,
      { input: { mfaToken } },
      { 'x-forwarded-for': ip },
    );
    expect(res.errors).toBeUndefined();
    return res.data!.beginPasskeySignIn.options;
  }

  function verify(mfaToken: string, response: string, ip: string) {
    return app.t.gql<{
      verifyPasskey: { accessToken: string; refreshToken: string; user: { id: string } };
    }>(
      VERIFY_PASSKEY,
      { input: { mfaToken, response, returnRefreshToken: true } },
      { 'x-forwarded-for': ip },
    );
  }

  /** Password, then the passkey; `forge` makes the authenticator misbehave. */
  async function signInWithPasskey(
    user: TestUser,
    authenticator: SoftAuthenticator,
    forge: Forge = {},
  ) {
    const ip = freshIp();
    const mfaToken = await passwordStep(user, ip);
    const options = await beginSignIn(mfaToken, ip);
    return verify(mfaToken, authenticator.authenticate(options, forge), ip);
  }

  async function stepUpWithPasskey(auth: Auth, authenticator: SoftAuthenticator, forge?: Forge) {
    const begun = await app.t.gql<{ beginPasskeyStepUp: Options }>(BEGIN_STEP_UP, undefined, auth);
    expect(begun.errors).toBeUndefined();
    const response = authenticator.authenticate(begun.data!.beginPasskeyStepUp.options, forge);
    return {
      response,
      result: await app.t.gql<{ stepUpWithPasskey: { verifiedAt: string; validUntil: string } }>(
        STEP_UP_WITH_PASSKEY,
        { input: { response } },
        auth,
      ),
    };
  }

  /** Makes the session's last MFA check 11 minutes old: step-up is needed again. */
  async function ageStepUp(userId: string) {
    await app.db.query(
      'UPDATE sessions SET mfa_verified_at = NOW(3) - INTERVAL 11 MINUTE WHERE user_id = ?',
      [userId],
    );
    app.t.app.get(SessionService).forgetCachedLiveness();
  }

  /** What a refused ceremony must leave as it was: the user's sessions and sign counts. */
  async function footprint(userId: string) {
    const [sessions] = await rows(
      'SELECT COUNT(*) AS n, MAX(mfa_verified_at) AS verified FROM sessions WHERE user_id = ?',
      [userId],
    );
    const counts = await rows(
      'SELECT id, sign_count, last_used_at FROM webauthn_credentials WHERE user_id = ? ORDER BY id',
      [userId],
    );
    return {
      sessions: Number(sessions.n),
      verified: String(sessions.verified),
      counts: counts.map(
        (c) => `${String(c.id)}:${String(c.sign_count)}:${String(c.last_used_at)}`,
      ),
    };
  }

  async function audits(action: string, where: string, params: unknown[]) {
    return rows(
      `SELECT result, error_code, actor_id, resource_type, resource_id,
              JSON_VALUE(changes, '$.cause') AS cause, JSON_VALUE(changes, '$.method') AS method
         FROM audit_events WHERE action = ? AND ${where} ORDER BY seq`,
      [action, ...params],
    );
  }

  describe('registration, listing and sign-in', () => {
    let user: TestUser;
    let auth: Auth;
    const key = new SoftAuthenticator(CONSOLE);

    beforeAll(async () => {
      user = await makeUser(app.t, 'manager', { mfa: true });
      auth = (await signIn(app.t, user)).auth;
    });

    it('adds a passkey only after a recent step-up when TOTP is on, and lists it without its key', async () => {
      await ageStepUp(user.id);
      const refused = await app.t.gql(BEGIN_REGISTRATION, undefined, auth);
      expect(refused.errors?.[0].extensions).toMatchObject({
        code: 'FORBIDDEN',
        reason: 'STEP_UP_REQUIRED',
      });
      const up = await app.t.gql(STEP_UP, { input: { code: totp(user.totpSecret!) } }, auth);
      expect(up.errors).toBeUndefined();

      const begun = await app.t.gql<{ beginPasskeyRegistration: Options }>(
        BEGIN_REGISTRATION,
        undefined,
        auth,
      );
      const options = JSON.parse(begun.data!.beginPasskeyRegistration.options) as {
        rp: { id: string; name: string };
        challenge: string;
        authenticatorSelection: Record<string, string>;
        attestation: string;
        excludeCredentials: unknown[];
        user: { name: string };
      };
      expect(options.rp).toEqual({ id: RP_ID, name: 'CallWarden e2e' });
      expect(Buffer.from(options.challenge, 'base64url')).toHaveLength(32);
      expect(options.authenticatorSelection).toMatchObject({
        residentKey: 'preferred',
        userVerification: 'preferred',
      });
      expect(options.attestation).toBe('none');
      expect(options.excludeCredentials).toEqual([]);
      expect(options.user.name).toBe(user.email);
      const expiresIn = Date.parse(begun.data!.beginPasskeyRegistration.expiresAt) - Date.now();
      expect(expiresIn).toBeGreaterThan(4 * 60_000);
      expect(expiresIn).toBeLessThanOrEqual(5 * 60_000);

      const finished = await app.t.gql<{ finishPasskeyRegistration: Record<string, unknown> }>(
        FINISH_REGISTRATION,
        {
          input: {
            response: key.register(begun.data!.beginPasskeyRegistration.options),
            name: 'YubiKey 5',
          },
        },
        auth,
      );
      expect(finished.errors).toBeUndefined();
      expect(finished.data!.finishPasskeyRegistration).toMatchObject({
        name: 'YubiKey 5',
        deviceType: 'singleDevice',
        backedUp: false,
        transports: ['usb', 'nfc'],
        lastUsedAt: null,
        revokedAt: null,
      });
      const listed = await app.t.gql<{ passkeys: Record<string, unknown>[] }>(
        PASSKEYS,
        undefined,
        auth,
      );
      expect(listed.data!.passkeys).toHaveLength(1);
      expect(Object.keys(listed.data!.passkeys[0]).sort()).toEqual(
        PASSKEY_FIELDS.split(' ').sort(),
      );
      // The API has no field for the key or the credential id at all.
      const type = await app.t.gql<{ __type: { fields: { name: string }[] } }>(
        '{ __type(name: "Passkey") { fields { name } } }',
      );
      expect(
        type.data!.__type.fields.map((f) => f.name).filter((n) => /key|credential/i.test(n)),
      ).toEqual([]);
      const [stored] = await rows(
        'SELECT credential_id, sign_count, LENGTH(public_key) AS keyLength FROM webauthn_credentials WHERE user_id = ?',
        [user.id],
      );
      expect(stored).toMatchObject({ credential_id: key.id, sign_count: 0 });
      expect(Number(stored.keyLength)).toBeGreaterThan(60);
      const audited = await audits('passkey.registered', 'actor_id = ?', [user.id]);
      expect(audited).toEqual([
        expect.objectContaining({ result: 'success', resource_type: 'Passkey' }),
      ]);
      // Neither the challenge nor the credential is kept anywhere in the audit log (the
      // operation capture included), and the challenge is stored as a hash only.
      const [leaks] = await rows(
        'SELECT COUNT(*) AS n FROM audit_events WHERE changes LIKE ? OR changes LIKE ? OR changes LIKE ?',
        [`%${options.challenge}%`, `%${key.id}%`, '%clientDataJSON%'],
      );
      expect(Number(leaks.n)).toBe(0);
      const [challengeRow] = await rows(
        "SELECT COUNT(*) AS n FROM one_time_tokens WHERE kind = 'webauthn_register' AND token_hash = UNHEX(SHA2(?, 256))",
        [options.challenge],
      );
      expect(Number(challengeRow.n)).toBe(1);
      // The same authenticator cannot be added twice: the options exclude it.
      const again = await app.t.gql<{ beginPasskeyRegistration: Options }>(
        BEGIN_REGISTRATION,
        undefined,
        auth,
      );
      expect(() => key.register(again.data!.beginPasskeyRegistration.options)).toThrow(
        /InvalidStateError/,
      );
    });

    it('signs in with the password and the passkey, as verifyMfa would, from any configured origin', async () => {
      const ip = freshIp();
      const mfaToken = await passwordStep(user, ip);
      const options = JSON.parse(await beginSignIn(mfaToken, ip)) as {
        rpId: string;
        allowCredentials: { id: string }[];
        userVerification: string;
      };
      expect(options.rpId).toBe(RP_ID);
      expect(options.allowCredentials.map((c) => c.id)).toEqual([key.id]);
      expect(options.userVerification).toBe('preferred');
      const res = await verify(mfaToken, key.authenticate(JSON.stringify(options)), ip);
      expect(res.errors).toBeUndefined();
      expect(res.data!.verifyPasskey.user.id).toBe(user.id);
      const cookies = res.headers.getSetCookie();
      expect(cookies.some((c) => c.startsWith('cw_refresh='))).toBe(true);
      expect(cookies.some((c) => c.startsWith('cw_device='))).toBe(true);
      const me = await app.t.gql<{ me: Record<string, unknown> }>(ME, undefined, {
        authorization: `Bearer ${res.data!.verifyPasskey.accessToken}`,
      });
      expect(me.data!.me).toMatchObject({ id: user.id, hasPasskey: true, passkeyRequired: false });
      const [session] = await rows(
        'SELECT amr, mfa_verified_at FROM sessions WHERE user_id = ? ORDER BY created_at DESC LIMIT 1',
        [user.id],
      );
      const amr: unknown = typeof session.amr === 'string' ? JSON.parse(session.amr) : session.amr;
      expect(amr).toEqual(['pwd', 'hwk']);
      expect(session.mfa_verified_at).not.toBeNull();
      const [credential] = await rows(
        'SELECT sign_count, last_used_at FROM webauthn_credentials WHERE user_id = ?',
        [user.id],
      );
      expect(Number(credential.sign_count)).toBe(key.signCount);
      expect(credential.last_used_at).not.toBeNull();
      const audited = await audits(
        'auth.login',
        "resource_id = ? AND result = 'success' AND JSON_VALUE(changes, '$.step') = 'mfa'",
        [user.id],
      );
      expect(audited.at(-1)).toMatchObject({ method: 'passkey' });

      // A second authenticator, used from the other configured origin.
      const other = new SoftAuthenticator(ADMIN_CONSOLE, { backupEligible: true });
      const added = await register(auth, other, 'Synced phone');
      expect(added).toMatchObject({ deviceType: 'multiDevice', backedUp: true });
      const viaAdmin = await signInWithPasskey(user, other);
      expect(viaAdmin.errors).toBeUndefined();
    });

    it('makes a user with a passkey and no TOTP answer MFA at login, and sign in with the passkey', async () => {
      const agent = await makeUser(app.t, 'agent');
      const session = await signIn(app.t, agent);
      const me = await app.t.gql<{ me: Record<string, unknown> }>(ME, undefined, session.auth);
      expect(me.data!.me).toMatchObject({ mfaEnabled: false, hasPasskey: false });
      // No second factor yet: no step-up needed to add the first one.
      await ageStepUp(agent.id);
      const phone = new SoftAuthenticator(CONSOLE, { userVerification: false });
      await register(session.auth, phone, 'Phone');
      const login = await app.t.gql<{ login: { __typename: string } }>(
        LOGIN,
        { input: { email: agent.email, password: PASSWORD } },
        { 'x-forwarded-for': freshIp() },
      );
      expect(login.data!.login.__typename).toBe('MfaRequired');
      // Without user verification (a second factor after the password): still accepted.
      const res = await signInWithPasskey(agent, phone);
      expect(res.errors).toBeUndefined();
      // A code is no way in for a user without TOTP.
      const ip = freshIp();
      const code = await app.t.gql(
        VERIFY_MFA,
        { input: { mfaToken: await passwordStep(agent, ip), code: '123456' } },
        { 'x-forwarded-for': ip },
      );
      expect(reasonOf(code)).toBe('INVALID_MFA_CODE');
    });

    it('steps up with a passkey, which a sensitive operation then accepts', async () => {
      await ageStepUp(user.id);
      const create = { input: { name: 'passkey step-up', scopes: ['read:Customer'] } };
      expect(reasonOf(await app.t.gql(CREATE_API_KEY, create, auth))).toBe('STEP_UP_REQUIRED');
      const { result } = await stepUpWithPasskey(auth, key);
      expect(result.errors).toBeUndefined();
      const { verifiedAt, validUntil } = result.data!.stepUpWithPasskey;
      expect(Date.parse(validUntil) - Date.parse(verifiedAt)).toBe(10 * 60_000);
      expect((await app.t.gql(CREATE_API_KEY, create, auth)).errors).toBeUndefined();
      const audited = await audits('auth.step_up', "actor_id = ? AND result = 'success'", [
        user.id,
      ]);
      expect(audited.at(-1)).toMatchObject({ method: 'passkey', resource_type: 'Session' });
    });

    it('spends a challenge once, even when the same response arrives twice at once', async () => {
      await ageStepUp(user.id);
      const begun = await app.t.gql<{ beginPasskeyStepUp: Options }>(
        BEGIN_STEP_UP,
        undefined,
        auth,
      );
      const response = key.authenticate(begun.data!.beginPasskeyStepUp.options);
      const before = await footprint(user.id);
      const both = await Promise.all(
        [1, 2].map(() => app.t.gql(STEP_UP_WITH_PASSKEY, { input: { response } }, auth)),
      );
      expect(both.map(reasonOf).sort()).toEqual(['PASSKEY_CHALLENGE_EXPIRED', undefined]);
      const after = await footprint(user.id);
      expect(after.counts).not.toEqual(before.counts); // the one that passed counted once
      const replay = await app.t.gql(STEP_UP_WITH_PASSKEY, { input: { response } }, auth);
      expect(replay.errors?.[0].extensions).toMatchObject({
        code: 'CONFLICT',
        reason: 'PASSKEY_CHALLENGE_EXPIRED',
      });
      expect(await footprint(user.id)).toEqual(after);
    });

    describe('refuses, writing nothing', () => {
      const otherKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
      let stranger: SoftAuthenticator;

      beforeAll(async () => {
        // Another user's passkey, whose credential id the user will present.
        const someone = await makeUser(app.t, 'agent', { mfa: true });
        stranger = new SoftAuthenticator(CONSOLE);
        await register((await signIn(app.t, someone)).auth, stranger);
      });

      it.each<[string, () => Forge, string, string]>([
        [
          'a response signed by another key',
          () => ({ signWith: otherKey }),
          'PASSKEY_INVALID',
          'signature',
        ],
        [
          'a wrong origin',
          () => ({ origin: 'https://console.callwarden.evil' }),
          'PASSKEY_INVALID',
          'origin',
        ],
        ['a wrong RP ID', () => ({ rpId: 'callwarden.evil' }), 'PASSKEY_INVALID', 'rp_id'],
        [
          "another user's credential id",
          () => ({ credentialId: stranger.id }),
          'PASSKEY_INVALID',
          'unknown_credential',
        ],
        [
          'a challenge made up by the client',
          () => ({ challenge: Buffer.alloc(32, 1).toString('base64url') }),
          'PASSKEY_CHALLENGE_EXPIRED',
          'challenge',
        ],
        [
          'a registration response type',
          () => ({ type: 'webauthn.create' }),
          'PASSKEY_INVALID',
          'verification',
        ],
      ])('at sign-in: %s', async (_label, forge, reason, cause) => {
        const before = await footprint(user.id);
        const res = await signInWithPasskey(user, key, forge());
        expect(res.errors?.[0].extensions).toMatchObject({ reason });
        expect(res.data).toBeNull();
        expect(await footprint(user.id)).toEqual(before);
        const [last] = (
          await audits('auth.login', "resource_id = ? AND result = 'failure'", [user.id])
        ).slice(-1);
        expect(last).toMatchObject({ error_code: reason, cause, method: 'passkey' });
      });

      it('at sign-in: a counter that goes backwards (recorded as a possible clone)', async () => {
        const [stored] = await rows(
          'SELECT sign_count FROM webauthn_credentials WHERE credential_id = ?',
          [key.id],
        );
        expect(Number(stored.sign_count)).toBeGreaterThan(0);
        const before = await footprint(user.id);
        // The counter the server saw last, again (a clone that was used less than the original).
        const res = await signInWithPasskey(user, key, { counter: Number(stored.sign_count) });
        expect(reasonOf(res)).toBe('PASSKEY_INVALID');
        expect(await footprint(user.id)).toEqual(before);
        const clone = await audits('passkey.counter_regressed', 'actor_id = ?', [user.id]);
        expect(clone).toHaveLength(1);
        // The next genuine assertion (counter moving on) is accepted.
        expect((await signInWithPasskey(user, key)).errors).toBeUndefined();
      });

      it('at sign-in: a replayed response, whose challenge was spent', async () => {
        const ip = freshIp();
        const first = await passwordStep(user, ip);
        const response = key.authenticate(await beginSignIn(first, ip));
        expect((await verify(first, response, ip)).errors).toBeUndefined();
        const before = await footprint(user.id);
        const second = await passwordStep(user, ip);
        expect(reasonOf(await verify(second, response, ip))).toBe('PASSKEY_CHALLENGE_EXPIRED');
        // And the spent MFA challenge itself is no way back in either.
        expect(reasonOf(await verify(first, response, ip))).toBe('INVALID_MFA_TOKEN');
        expect(await footprint(user.id)).toEqual(before);
      });

      it('at sign-in: a challenge of another purpose (step-up)', async () => {
        const stepUpOptions = (
          await app.t.gql<{ beginPasskeyStepUp: Options }>(BEGIN_STEP_UP, undefined, auth)
        ).data!.beginPasskeyStepUp.options;
        const ip = freshIp();
        const mfaToken = await passwordStep(user, ip);
        const before = await footprint(user.id);
        const res = await verify(mfaToken, key.authenticate(stepUpOptions), ip);
        expect(reasonOf(res)).toBe('PASSKEY_CHALLENGE_EXPIRED');
        expect(await footprint(user.id)).toEqual(before);
      });

      it('at sign-in: an expired challenge', async () => {
        const ip = freshIp();
        const mfaToken = await passwordStep(user, ip);
        const options = await beginSignIn(mfaToken, ip);
        await app.db.query(
          "UPDATE one_time_tokens SET expires_at = NOW(3) - INTERVAL 1 SECOND WHERE user_id = ? AND kind = 'webauthn_sign_in' AND used_at IS NULL",
          [user.id],
        );
        const before = await footprint(user.id);
        const res = await verify(mfaToken, key.authenticate(options), ip);
        expect(reasonOf(res)).toBe('PASSKEY_CHALLENGE_EXPIRED');
        expect(await footprint(user.id)).toEqual(before);
      });

      // Step-up failures count towards the account's lockout (as wrong stepUp codes do), and the
      // concurrency test above spent two: this one spends two more, one short of a lock.
      it('at step-up: another key, a sign-in challenge', async () => {
        await ageStepUp(user.id);
        const before = await footprint(user.id);
        const { result } = await stepUpWithPasskey(auth, key, { signWith: otherKey });
        expect(reasonOf(result)).toBe('PASSKEY_INVALID');
        const ip = freshIp();
        const signInOptions = await beginSignIn(await passwordStep(user, ip), ip);
        const crossed = await app.t.gql(
          STEP_UP_WITH_PASSKEY,
          { input: { response: key.authenticate(signInOptions) } },
          auth,
        );
        expect(reasonOf(crossed)).toBe('PASSKEY_CHALLENGE_EXPIRED');
        // The session stays without a recent MFA check.
        expect(await footprint(user.id)).toEqual(before);
        const create = { input: { name: 'refused', scopes: ['read:Customer'] } };
        expect(reasonOf(await app.t.gql(CREATE_API_KEY, create, auth))).toBe('STEP_UP_REQUIRED');
      });

      it("at registration: another user's credential id, a wrong origin, a spent challenge", async () => {
        const up = await app.t.gql(STEP_UP, { input: { code: user.backupCodes!.shift()! } }, auth);
        expect(up.errors).toBeUndefined();
        const count = async () =>
          Number((await rows('SELECT COUNT(*) AS n FROM webauthn_credentials'))[0].n);
        const before = await count();
        const strangerRow = await rows(
          'SELECT user_id, public_key FROM webauthn_credentials WHERE credential_id = ?',
          [stranger.id],
        );
        const options = async () =>
          (
            await app.t.gql<{ beginPasskeyRegistration: Options }>(
              BEGIN_REGISTRATION,
              undefined,
              auth,
            )
          ).data!.beginPasskeyRegistration.options;
        const finish = (response: string) =>
          app.t.gql(FINISH_REGISTRATION, { input: { response, name: 'Hijack' } }, auth);
        const fresh = new SoftAuthenticator(CONSOLE);
        // Claiming another user's credential id (with a key of one's own): the same answer as
        // any response that does not verify, and the other user's passkey is untouched.
        const hijack = await finish(fresh.register(await options(), { credentialId: stranger.id }));
        expect(hijack.errors?.[0].extensions).toMatchObject({
          code: 'UNAUTHENTICATED',
          reason: 'PASSKEY_INVALID',
        });
        expect(hijack.errors?.[0].message).not.toMatch(/exist|another|taken|already/i);
        const wrongOrigin = await finish(
          fresh.register(await options(), { origin: 'https://evil.example' }),
        );
        expect(reasonOf(wrongOrigin)).toBe('PASSKEY_INVALID');
        const wrongRp = await finish(fresh.register(await options(), { rpId: 'evil.example' }));
        expect(reasonOf(wrongRp)).toBe('PASSKEY_INVALID');
        const response = fresh.register(await options());
        expect((await finish(response)).errors).toBeUndefined();
        expect(reasonOf(await finish(response))).toBe('PASSKEY_CHALLENGE_EXPIRED');
        expect(await count()).toBe(before + 1);
        expect(
          await rows(
            'SELECT user_id, public_key FROM webauthn_credentials WHERE credential_id = ?',
            [stranger.id],
          ),
        ).toEqual(strangerRow);
        const failures = await audits('passkey.registered', "actor_id = ? AND result = 'failure'", [
          user.id,
        ]);
        expect(failures.map((f) => String(f.cause))).toEqual(
          expect.arrayContaining(['duplicate_credential', 'origin', 'rp_id', 'challenge']),
        );
        // Malformed JSON and overlong labels never reach the ceremony.
        const bad = await app.t.gql(
          FINISH_REGISTRATION,
          { input: { response: '{"id":', name: 'x' } },
          auth,
        );
        expect(bad.errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
        const long = await app.t.gql(
          FINISH_REGISTRATION,
          { input: { response: '{}', name: 'x'.repeat(65) } },
          auth,
        );
        expect(long.errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
      });
    });

    it('counts failed passkeys like wrong codes: five per MFA challenge, then sign in again', async () => {
      const ip = freshIp();
      const mfaToken = await passwordStep(user, ip);
      const answers: unknown[] = [];
      for (let i = 0; i < 6; i++) answers.push(reasonOf(await verify(mfaToken, '{}', ip)));
      expect(answers).toEqual([...Array<string>(5).fill('PASSKEY_INVALID'), 'INVALID_MFA_TOKEN']);
      const [challenge] = await rows(
        "SELECT attempts FROM one_time_tokens WHERE user_id = ? AND kind = 'mfa_challenge' ORDER BY expires_at DESC LIMIT 1",
        [user.id],
      );
      expect(Number(challenge.attempts)).toBe(5);
      const counted = await audits(
        'auth.login',
        "resource_id = ? AND result = 'failure' AND error_code = 'PASSKEY_INVALID' AND ip = ?",
        [user.id, ip],
      );
      expect(counted).toHaveLength(5);
      // Five failures of this account from this address: locked there, as wrong codes would.
      const locked = await app.t.gql(
        LOGIN,
        { input: { email: user.email, password: user.password } },
        { 'x-forwarded-for': ip },
      );
      expect(reasonOf(locked)).toBe('TOO_MANY_ATTEMPTS');
    });
  });

  describe('revocation and admins', () => {
    it('revokes own passkeys after a step-up; a revoked passkey is never accepted', async () => {
      const user = await makeUser(app.t, 'manager', { mfa: true });
      const session = await signIn(app.t, user);
      const [a, b] = [new SoftAuthenticator(CONSOLE), new SoftAuthenticator(CONSOLE)];
      const first = await register(session.auth, a, 'Key A');
      await register(session.auth, b, 'Key B');
      // Someone else's passkey id answers like a missing one.
      const someone = await makeUser(app.t, 'agent', { mfa: true });
      const theirs = await register(
        (await signIn(app.t, someone)).auth,
        new SoftAuthenticator(CONSOLE),
      );
      const foreign = await app.t.gql(REVOKE, { input: { id: theirs.id } }, session.auth);
      const missing = await app.t.gql(REVOKE, { input: { id: randomUUID() } }, session.auth);
      expect(foreign.errors?.[0].extensions).toMatchObject({
        code: 'NOT_FOUND',
        reason: 'PASSKEY_NOT_FOUND',
      });
      expect(foreign.errors?.[0].message).toBe(missing.errors?.[0].message);
      await ageStepUp(user.id);
      expect(reasonOf(await app.t.gql(REVOKE, { input: { id: first.id } }, session.auth))).toBe(
        'STEP_UP_REQUIRED',
      );
      await stepUpWithPasskey(session.auth, a);
      const revoked = await app.t.gql(REVOKE, { input: { id: first.id } }, session.auth);
      expect(revoked.errors).toBeUndefined();
      const listed = await app.t.gql<{ passkeys: { id: string }[] }>(
        PASSKEYS,
        undefined,
        session.auth,
      );
      expect(listed.data!.passkeys.map((p) => p.id)).not.toContain(first.id);
      // The revoked authenticator is not offered, and forcing it in is refused, writing nothing.
      const before = await footprint(user.id);
      const forced = await signInWithPasskey(user, a, { credentialId: a.id });
      expect(reasonOf(forced)).toBe('PASSKEY_INVALID');
      const { result } = await stepUpWithPasskey(session.auth, a, { credentialId: a.id });
      expect(reasonOf(result)).toBe('PASSKEY_INVALID');
      expect(await footprint(user.id)).toEqual(before);
      expect(await audits('passkey.revoked', 'resource_id = ?', [first.id])).toEqual([
        expect.objectContaining({ result: 'success', actor_id: user.id }),
      ]);
    });

    it("lets admins list and revoke a user's passkeys; others may not", async () => {
      const admin = await makeUser(app.t, 'admin', { mfa: true });
      const adminAuth = (await signIn(app.t, admin)).auth;
      const agent = await makeUser(app.t, 'agent', { mfa: true });
      const agentAuth = (await signIn(app.t, agent)).auth;
      const agentKey = new SoftAuthenticator(CONSOLE);
      const added = await register(agentAuth, agentKey, 'Agent key');

      const listed = await app.t.gql<{ userPasskeys: { id: string; name: string }[] }>(
        USER_PASSKEYS,
        { userId: agent.id },
        adminAuth,
      );
      expect(listed.data!.userPasskeys).toEqual([
        expect.objectContaining({ id: added.id, name: 'Agent key', revokedAt: null }),
      ]);
      const manager = await makeUser(app.t, 'manager', { mfa: true });
      const managerAuth = (await signIn(app.t, manager)).auth;
      for (const [query, variables] of [
        [USER_PASSKEYS, { userId: agent.id }],
        [REVOKE_USER_PASSKEY, { input: { userId: agent.id, id: added.id } }],
      ] as const) {
        const denied = await app.t.gql(query, variables, managerAuth);
        expect(denied.errors?.[0].extensions).toMatchObject({
          code: 'FORBIDDEN',
          reason: 'FORBIDDEN',
        });
      }
      // The passkey must belong to the user named.
      const mismatched = await app.t.gql(
        REVOKE_USER_PASSKEY,
        { input: { userId: manager.id, id: added.id } },
        adminAuth,
      );
      expect(reasonOf(mismatched)).toBe('PASSKEY_NOT_FOUND');
      const revoked = await app.t.gql(
        REVOKE_USER_PASSKEY,
        { input: { userId: agent.id, id: added.id } },
        adminAuth,
      );
      expect(revoked.errors).toBeUndefined();
      const after = await app.t.gql<{ userPasskeys: { revokedAt: string | null }[] }>(
        USER_PASSKEYS,
        { userId: agent.id },
        adminAuth,
      );
      expect(after.data!.userPasskeys[0].revokedAt).not.toBeNull();
      expect(await audits('passkey.revoked', 'resource_id = ?', [added.id])).toEqual([
        expect.objectContaining({ result: 'success', actor_id: admin.id }),
      ]);
      // The agent has no passkey left to sign in with.
      const ip = freshIp();
      const mfaToken = await passwordStep(agent, ip);
      const none = await app.t.gql(
        BEGIN_SIGN_IN,
        { input: { mfaToken } },
        { 'x-forwarded-for': ip },
      );
      expect(reasonOf(none)).toBe('PASSKEY_NOT_FOUND');
    });
  });

  describe('a role that requires passkeys', () => {
    let admin: TestUser;
    let adminAuth: Auth;
    let role: string;

    beforeAll(async () => {
      admin = await makeUser(app.t, 'admin', { mfa: true });
      adminAuth = (await signIn(app.t, admin)).auth;
      role = `pk_${randomUUID().slice(0, 8)}`;
      const created = await app.t.gql(
        'mutation R($input: SaveRoleInput!) { createRole(input: $input) { name } }',
        { input: { name: role, inherits: ['agent'], rules: [] } },
        adminAuth,
      );
      expect(created.errors).toBeUndefined();
    });

    it('is set by admins after a step-up, audited and readable', async () => {
      const agent = await makeUser(app.t, 'agent', { mfa: true });
      const denied = await app.t.gql(
        SET_POLICY,
        { input: { role, required: true } },
        (await signIn(app.t, agent)).auth,
      );
      expect(denied.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN' });
      const unknown = await app.t.gql(
        SET_POLICY,
        { input: { role: 'no_such_role', required: true } },
        adminAuth,
      );
      expect(reasonOf(unknown)).toBe('UNKNOWN_ROLE');
      const set = await app.t.gql(SET_POLICY, { input: { role, required: true } }, adminAuth);
      expect(set.errors).toBeUndefined();
      const listed = await app.t.gql<{ rolePasskeyRequirements: Record<string, unknown>[] }>(
        POLICIES,
        undefined,
        adminAuth,
      );
      expect(listed.data!.rolePasskeyRequirements).toContainEqual(
        expect.objectContaining({ role, required: true, updatedBy: admin.id }),
      );
      expect(await audits('passkey.policy_changed', 'resource_id = ?', [role])).toEqual([
        expect.objectContaining({ result: 'success', actor_id: admin.id, resource_type: 'Role' }),
      ]);
    });

    it('refuses codes to its users who have a passkey, and shows the others they need one', async () => {
      const withKey = await makeUser(app.t, role, { mfa: true });
      const withoutKey = await makeUser(app.t, role, { mfa: true });
      // Without a passkey: codes still work, and `me` tells the console to ask for one.
      const plain = await signIn(app.t, withoutKey);
      const me = await app.t.gql<{ me: Record<string, unknown> }>(ME, undefined, plain.auth);
      expect(me.data!.me).toMatchObject({ passkeyRequired: true, hasPasskey: false });

      const session = await signIn(app.t, withKey);
      const key = new SoftAuthenticator(CONSOLE);
      await register(session.auth, key);
      const meNow = await app.t.gql<{ me: Record<string, unknown> }>(ME, undefined, session.auth);
      expect(meNow.data!.me).toMatchObject({ passkeyRequired: true, hasPasskey: true });

      // Sign-in: TOTP and backup codes are refused, the passkey works.
      for (const code of [totp(withKey.totpSecret!), withKey.backupCodes![0]]) {
        const ip = freshIp();
        const before = await footprint(withKey.id);
        const refused = await app.t.gql(
          VERIFY_MFA,
          { input: { mfaToken: await passwordStep(withKey, ip), code } },
          { 'x-forwarded-for': ip },
        );
        expect(refused.errors?.[0].extensions).toMatchObject({
          code: 'FORBIDDEN',
          reason: 'PASSKEY_REQUIRED',
        });
        expect(await footprint(withKey.id)).toEqual(before);
      }
      expect((await signInWithPasskey(withKey, key)).errors).toBeUndefined();
      // Step-up: the code is refused, the passkey works.
      await ageStepUp(withKey.id);
      const code = await app.t.gql(
        STEP_UP,
        { input: { code: totp(withKey.totpSecret!) } },
        session.auth,
      );
      expect(reasonOf(code)).toBe('PASSKEY_REQUIRED');
      const { result } = await stepUpWithPasskey(session.auth, key);
      expect(result.errors).toBeUndefined();
      expect(
        await audits('auth.login', "resource_id = ? AND error_code = 'PASSKEY_REQUIRED'", [
          withKey.id,
        ]),
      ).toHaveLength(2);
      expect(
        await audits('auth.step_up', "actor_id = ? AND error_code = 'PASSKEY_REQUIRED'", [
          withKey.id,
        ]),
      ).toHaveLength(1);

      // Lifted: codes work again.
      const lifted = await app.t.gql(SET_POLICY, { input: { role, required: false } }, adminAuth);
      expect(lifted.errors).toBeUndefined();
      const ip = freshIp();
      const again = await app.t.gql(
        VERIFY_MFA,
        { input: { mfaToken: await passwordStep(withKey, ip), code: withKey.backupCodes![1] } },
        { 'x-forwarded-for': ip },
      );
      expect(again.errors).toBeUndefined();
    });
  });
});
