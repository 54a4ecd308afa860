import type { CookieJar } from '../../../core/graphql/graphql-context';
import type { IssuedTokens } from '../auth.service';
import { AuthTokensDTO } from '../dto/auth.dto';
import { UserDTO } from '../dto/user.dto';
import { setRefreshCookie } from './refresh-cookie';

/**
 * The answer of a completed sign-in or refresh: the refresh token in its httpOnly cookie (and in
 * the body only when a non-browser client asked for it), the access token in the body.
 */
export function deliverTokens(
  tokens: IssuedTokens,
  res: CookieJar,
  sessionMaxHours: number,
  inBody?: boolean,
): AuthTokensDTO {
  setRefreshCookie(res, tokens.refreshToken, new Date(Date.now() + sessionMaxHours * 3_600_000));
  return {
    accessToken: tokens.accessToken,
    accessTokenExpiresAt: tokens.accessTokenExpiresAt,
    refreshToken: inBody ? tokens.refreshToken : null,
    user: UserDTO.from(tokens.user),
  };
}
