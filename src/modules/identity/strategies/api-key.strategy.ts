import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type passport from 'passport';
import { Strategy } from 'passport-strategy';
import { AbilityService } from '../../authorization/services/ability.service';
import { ApiKeysService } from '../services/api-keys.service';
import {
  API_KEY_STRATEGY,
  AuthenticatedContext,
  presentedApiKey,
  requestFacts,
  unsharedPassport,
} from './credentials';

type PassportRequest = Parameters<Strategy['authenticate']>[0];
type Verified = (err: Error | null, ctx?: AuthenticatedContext | null) => void;

/**
 * A Passport strategy whose verify callback reads the credential from the request itself:
 * passport-custom's shape, in a few lines instead of a dependency. Nothing presented: fail, so
 * the next strategy runs; presented and refused: the callback's error ends the attempt.
 */
class RequestCredentialStrategy extends Strategy {
  constructor(private readonly verify: (req: PassportRequest, done: Verified) => void) {
    super();
  }

  override authenticate(req: PassportRequest): void {
    this.verify(req, (err, ctx) => {
      if (err) this.error(err);
      else if (ctx) this.success(ctx);
      else this.fail(401);
    });
  }
}

/**
 * API keys `cw_<prefix>_<secret>` from `X-API-Key` or `Authorization: Bearer`: one indexed lookup
 * by prefix and a constant-time compare of the secret's hash (ApiKeysService), then the owner's
 * ability narrowed to the key's scopes.
 */
@Injectable()
export class ApiKeyStrategy extends PassportStrategy(RequestCredentialStrategy, API_KEY_STRATEGY) {
  constructor(
    private readonly apiKeys: ApiKeysService,
    private readonly abilities: AbilityService,
  ) {
    super();
  }

  /** Registered with the application's own Passport by IdentityAuthenticator (see unsharedPassport). */
  getPassportInstance(): passport.Authenticator {
    return unsharedPassport();
  }

  async validate(req: PassportRequest): Promise<AuthenticatedContext | null> {
    const presented = presentedApiKey(req);
    if (!presented) return null;
    const facts = requestFacts();
    const { key, owner } = await this.apiKeys.validate(presented, facts.ip);
    return {
      ...facts,
      principal: {
        type: 'api_key',
        id: key.id,
        role: owner.role,
        userId: owner.id,
        teamId: owner.teamId,
      },
      ability: await this.abilities.abilityFor({
        role: owner.role,
        userId: owner.id,
        teamId: owner.teamId,
        scopes: key.scopes,
      }),
      apiKeyScopes: key.scopes,
      enrollmentOnly: false,
    };
  }
}
