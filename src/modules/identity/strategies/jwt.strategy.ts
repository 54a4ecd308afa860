import type { KeyObject } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type passport from 'passport';
import { Strategy } from 'passport-jwt';
import { AppConfigService } from '../../../core/config/app-config.service';
import { AbilityService } from '../../authorization/services/ability.service';
import { IdentityErrorCode, IdentityException } from '../identity.exception';
import { SessionService } from '../services/session.service';
import {
  ACCESS_TOKEN_ALG,
  ACCESS_TOKEN_SKEW_SECONDS,
  AccessClaims,
  TokenService,
} from '../services/token.service';
import {
  AuthenticatedContext,
  bearerToken,
  JWT_STRATEGY,
  requestFacts,
  unsharedPassport,
} from './credentials';

type PassportRequest = Parameters<Strategy['authenticate']>[0];

/**
 * Bearer access tokens through passport-jwt: ES256 only, our issuer and audience, the key of the
 * token's `kid` from the key ring. `validate` adds what a signature cannot say: the claims are
 * complete, the session is live (so logout and revocation apply at once) and belongs to the
 * token's user. A token verified once is served from TokenService's cache until it expires, in
 * front of passport-jwt; the session check runs on every request either way.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, JWT_STRATEGY) {
  constructor(
    config: AppConfigService,
    private readonly tokens: TokenService,
    private readonly sessions: SessionService,
    private readonly abilities: AbilityService,
  ) {
    super({
      jwtFromRequest: bearerToken,
      algorithms: [ACCESS_TOKEN_ALG],
      issuer: config.get('JWT_ISSUER'),
      audience: config.get('JWT_AUDIENCE'),
      secretOrKeyProvider: (
        _req: unknown,
        raw: string,
        done: (e: unknown, key?: Buffer) => void,
      ) => {
        let key: KeyObject;
        try {
          key = tokens.verificationKey(raw);
        } catch (e) {
          done(e);
          return;
        }
        // jsonwebtoken 9 verifies with a KeyObject as it is (a PEM would be parsed per request);
        // its typings still say string | Buffer.
        done(null, key as unknown as Buffer);
      },
      jsonWebTokenOptions: { clockTolerance: ACCESS_TOKEN_SKEW_SECONDS },
      passReqToCallback: true,
    });
  }

  /** Registered with the application's own Passport by IdentityAuthenticator (see unsharedPassport). */
  getPassportInstance(): passport.Authenticator {
    return unsharedPassport();
  }

  /**
   * Runs on Passport's per-request copy of the strategy. No bearer token: fail with the "sign in
   * first" challenge. A presented token that is refused ends the attempt with its coded reason
   * (passport-jwt would only fail, which lets Passport go on and loses the reason).
   */
  override authenticate(req: PassportRequest, options?: object): void {
    const token = bearerToken(req);
    if (!token) {
      this.fail(new IdentityException(IdentityErrorCode.INVALID_TOKEN, 'Sign in first'), 401);
      return;
    }
    this.fail = (challenge: unknown) => this.error(this.tokens.refusal(token, challenge));
    let cached: AccessClaims | undefined;
    try {
      cached = this.tokens.cached(token);
    } catch (e) {
      this.error(e as Error);
      return;
    }
    if (!cached) {
      super.authenticate(req, options);
      return;
    }
    this.signedIn(cached).then(
      (ctx) => this.success(ctx),
      (e: Error) => this.error(e),
    );
  }

  /** passport-jwt's verify callback: the signature, algorithm, issuer, audience and expiry hold. */
  async validate(req: PassportRequest, payload: unknown): Promise<AuthenticatedContext> {
    return this.signedIn(this.tokens.accept(bearerToken(req) ?? '', payload));
  }

  private async signedIn(claims: AccessClaims): Promise<AuthenticatedContext> {
    const session = await this.sessions.check(claims.sid);
    // A token is bound to its session's user: a real session id beside another user is a forgery.
    if (session.userId !== null && session.userId !== claims.sub)
      throw new IdentityException(IdentityErrorCode.INVALID_TOKEN, 'The access token is not valid');
    if (!session.live)
      throw new IdentityException(
        IdentityErrorCode.SESSION_REVOKED,
        'This session has ended: sign in again',
      );
    const role = session.role ?? claims.role;
    return {
      ...requestFacts(),
      principal: { type: 'user', id: claims.sub, role, userId: claims.sub, teamId: session.teamId },
      ability: await this.abilities.abilityFor({
        role,
        userId: claims.sub,
        teamId: session.teamId,
      }),
      sessionId: claims.sid,
      mfaVerifiedAt: session.mfaVerifiedAt,
      enrollmentOnly: claims.scope === 'mfa_enroll',
    };
  }
}
