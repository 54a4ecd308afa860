import { Injectable } from '@nestjs/common';
import passport from 'passport';
import type { Authenticator } from '../../core/auth/authenticator';
import type { RequestWithContext } from '../../core/auth/request-context';
import { AppException, ErrorCode } from '../../core/errors/error-code';
import { ApiKeyStrategy } from './strategies/api-key.strategy';
import {
  API_KEY_STRATEGY,
  AuthenticatedContext,
  CredentialRequest,
  JWT_STRATEGY,
} from './strategies/credentials';
import { JwtStrategy } from './strategies/jwt.strategy';

/** What a Passport run ends with: a context, a refusal, or the challenges of strategies that found nothing. */
interface Outcome {
  err: Error | null;
  ctx?: AuthenticatedContext | false;
  info?: unknown;
}

/**
 * The global guard's authenticator, on Passport: the API key strategy, then the passport-jwt
 * access-token strategy, run by this application's own Passport instance (stateless: no session,
 * no `req.user`; the guard puts the context on `req.cw`).
 */
@Injectable()
export class IdentityAuthenticator implements Authenticator {
  private readonly passport = new passport.Passport();

  constructor(apiKeys: ApiKeyStrategy, jwt: JwtStrategy) {
    this.passport.use(API_KEY_STRATEGY, apiKeys);
    this.passport.use(JWT_STRATEGY, jwt);
  }

  async authenticate(req: RequestWithContext): Promise<AuthenticatedContext> {
    const { err, ctx, info } = await this.run([API_KEY_STRATEGY, JWT_STRATEGY], req);
    if (err) throw err;
    if (ctx) return ctx;
    // No strategy found a credential: the last challenge (the access token's "sign in first").
    const challenges: unknown[] = Array.isArray(info) ? info : [info];
    throw (
      challenges.findLast((c): c is AppException => c instanceof AppException) ??
      new AppException(ErrorCode.UNAUTHENTICATED, 'UNAUTHENTICATED', 'Sign in first')
    );
  }

  /** Runs the named strategies in order on a request, as Passport does: the first to decide wins. */
  run(strategies: string | string[], req: CredentialRequest): Promise<Outcome> {
    return new Promise((resolve) => {
      const middleware = this.passport.authenticate(
        strategies,
        { session: false },
        (err: Error | null, ctx: AuthenticatedContext | false, info: unknown) =>
          resolve({ err, ctx, info }),
      ) as (req: unknown, res: unknown, next: (err?: Error) => void) => void;
      // Passport only writes to the response to redirect or to answer a failure itself, which the
      // callback above takes over; `next` is only called on an error outside any strategy.
      middleware(req, undefined, (err) => resolve({ err: err ?? new Error('passport passed') }));
    });
  }
}
