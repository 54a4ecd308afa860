import { Injectable } from '@nestjs/common';
import type { Authenticator } from '../../core/auth/authenticator';
import type { RequestContext, RequestWithContext } from '../../core/auth/request-context';
import { requestStore } from '../../core/request/request-store';
import { AbilityService } from '../authorization/services/ability.service';
import { IdentityErrorCode, IdentityException } from './identity.exception';
import { ApiKeysService } from './services/api-keys.service';
import { SessionService } from './services/session.service';
import { TokenService } from './services/token.service';

/** Bearer access tokens (with a live session) and API keys (`Authorization: Bearer cw_...` or `X-API-Key`). */
@Injectable()
export class IdentityAuthenticator implements Authenticator {
  constructor(
    private readonly tokens: TokenService,
    private readonly sessions: SessionService,
    private readonly apiKeys: ApiKeysService,
    private readonly abilities: AbilityService,
  ) {}

  async authenticate(
    req: RequestWithContext,
  ): Promise<RequestContext & { enrollmentOnly: boolean }> {
    const store = requestStore.getStore();
    const base = {
      requestId: store?.requestId,
      ip: store?.ip ?? null,
      userAgent: store?.userAgent ?? null,
    };
    const header = req.headers.authorization;
    const apiKeyHeader = req.headers['x-api-key'];
    const bearer =
      typeof header === 'string' && /^Bearer\s+/i.test(header)
        ? header.replace(/^Bearer\s+/i, '').trim()
        : null;
    const apiKey =
      typeof apiKeyHeader === 'string'
        ? apiKeyHeader.trim()
        : bearer?.startsWith('cw_')
          ? bearer
          : null;

    if (apiKey) {
      const { key, owner } = await this.apiKeys.validate(apiKey, base.ip);
      return {
        ...base,
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
    if (!bearer) throw new IdentityException(IdentityErrorCode.INVALID_TOKEN, 'Sign in first');
    const claims = await this.tokens.verify(bearer);
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
      ...base,
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
