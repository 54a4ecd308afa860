import { ERROR_REASONS, type ErrorReason } from './errors.js';

/** What a GraphQL error of the API carries that these helpers read. */
export interface ApiError {
  readonly message?: string;
  readonly extensions?: { readonly code?: unknown; readonly reason?: unknown } | null;
}

/** What to show for a reason this client does not know (a newer server may answer one). */
export const FALLBACK_ERROR_MESSAGE =
  'Something went wrong. Try again; if it keeps happening, contact support with the request id.';

/** Whether `value` is a reason this client knows. */
export function isErrorReason(value: unknown): value is ErrorReason {
  return typeof value === 'string' && Object.hasOwn(ERROR_REASONS, value);
}

/** The message to show for an API error: its reason's, or the fallback. */
export function errorMessage(error: ApiError): string {
  const reason = error.extensions?.reason;
  return isErrorReason(reason) ? ERROR_REASONS[reason].message : FALLBACK_ERROR_MESSAGE;
}
