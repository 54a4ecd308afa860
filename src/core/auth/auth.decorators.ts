import { SetMetadata } from '@nestjs/common';

export const AUTHENTICATED = 'callwarden:authenticated';
export const STEP_UP = 'callwarden:step-up';
export const DURING_ENROLLMENT = 'callwarden:during-enrollment';

/** Any signed-in principal may call this (it acts on the caller's own account). */
export const Authenticated = (): MethodDecorator => SetMetadata(AUTHENTICATED, true);

/** Needs an MFA check within `STEP_UP_WINDOW_MS` (PII reveal, exports, key rotation, role changes, API keys). */
export const RequireStepUp = (): MethodDecorator => SetMetadata(STEP_UP, true);

/** Callable by an admin whose only permission, until MFA is enrolled, is to enroll. */
export const AllowDuringMfaEnrollment = (): MethodDecorator => SetMetadata(DURING_ENROLLMENT, true);

/** What an API key may never do, whatever its scopes: manage keys or sessions (its own or others'). */
export const KEY_FORBIDDEN_SUBJECTS: ReadonlySet<string> = new Set(['ApiKey', 'Session']);

/**
 * `@Authenticated()` operations act on the caller's own account and are for interactive sessions.
 * These read-only ones may be granted to an API key by a scope naming them (`self:me`); no other.
 */
export const KEY_SELF_OPERATIONS: ReadonlySet<string> = new Set(['me']);
