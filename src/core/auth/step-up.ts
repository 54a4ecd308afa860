import { AppException, ErrorCode } from '../errors/error-code';
import type { RequestContext } from './request-context';

/**
 * How long an MFA check (sign-in or `stepUp`) counts as recent for sensitive operations. The
 * schema's descriptions say "10 minutes": change them with this.
 */
export const STEP_UP_WINDOW_MS = 10 * 60 * 1000;

/**
 * The one step-up check: for `@RequireStepUp()` (the access guard) and for operations that need it
 * for some inputs only (a role change in `updateUser`). An API key has no MFA, so never passes.
 */
export function assertRecentStepUp(
  ctx: Pick<RequestContext, 'principal' | 'mfaVerifiedAt'>,
  now = Date.now(),
): void {
  const verifiedAt = ctx.mfaVerifiedAt?.getTime();
  if (
    ctx.principal.type !== 'user' ||
    verifiedAt === undefined ||
    now - verifiedAt > STEP_UP_WINDOW_MS
  )
    throw new AppException(
      ErrorCode.FORBIDDEN,
      'STEP_UP_REQUIRED',
      'Confirm with an MFA code first (stepUp)',
    );
}
