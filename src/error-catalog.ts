import { AppException, ErrorCode } from './core/errors/error-code';
import { AuditErrorCode, AuditException } from './modules/audit/audit.exception';
import {
  AuthorizationErrorCode,
  AuthorizationException,
} from './modules/authorization/authorization.exception';
import {
  ComplianceErrorCode,
  ComplianceException,
} from './modules/compliance/compliance.exception';
import { CryptoErrorCode, CryptoException } from './modules/crypto/crypto.exception';
import { CustomersErrorCode, CustomersException } from './modules/customers/customers.exception';
import { IdentityErrorCode, IdentityException } from './modules/identity/identity.exception';
import { IncidentsErrorCode, IncidentsException } from './modules/incidents/incidents.exception';
import {
  NotificationsErrorCode,
  NotificationsException,
} from './modules/notifications/notifications.exception';
import { OutreachErrorCode, OutreachException } from './modules/outreach/outreach.exception';
import { PrivacyErrorCode, PrivacyException } from './modules/privacy/privacy.exception';
import { RetentionErrorCode, RetentionException } from './modules/retention/retention.exception';

/*
 * Every `extensions.reason` a client can see, with its `extensions.code` and a message an SPA may
 * show. It lives at the composition root (like src/entities.ts) because it spans every module:
 * core may import no module, and a module reaches another only through its public surface. It
 * imports each module's `*.exception.ts` only (enums and the exception class, nothing but
 * src/core/errors behind them), so the README and client generator load it without Nest.
 *
 * README.md's error table and client/src/errors.ts are generated from it (npm run docs:errors,
 * npm run client:generate); src/error-catalog.spec.ts fails when they are stale, when the code
 * throws a reason this table lacks, or when a row names a reason nothing raises.
 */

/**
 * Reasons no module enum names: raised by core (the access guard, the step-up check, the edge
 * hooks, the GraphQL layer, mapError) or by an `AppException` with a literal reason, each with
 * the code it answers. Every fixed code is a reason too: mapError gives a Nest HTTP exception
 * (the throttler's 429, say) its code as reason, and GraphQL's own input codes pass through.
 */
export const LITERAL_REASONS = {
  // mapError: a Nest HTTP exception without a precise cause answers its code as reason.
  BAD_USER_INPUT: ErrorCode.BAD_USER_INPUT,
  UNAUTHENTICATED: ErrorCode.UNAUTHENTICATED,
  FORBIDDEN: ErrorCode.FORBIDDEN,
  NOT_FOUND: ErrorCode.NOT_FOUND,
  CONFLICT: ErrorCode.CONFLICT,
  RATE_LIMITED: ErrorCode.RATE_LIMITED,
  INTERNAL_SERVER_ERROR: ErrorCode.INTERNAL_SERVER_ERROR,
  // mapError: a failed class-validator check, a driver failure, anything unknown.
  VALIDATION_FAILED: ErrorCode.BAD_USER_INPUT,
  DATABASE_UNAVAILABLE: ErrorCode.INTERNAL_SERVER_ERROR,
  DUPLICATE: ErrorCode.CONFLICT,
  INTERNAL: ErrorCode.INTERNAL_SERVER_ERROR,
  // GraphQL (graphql-js, Apollo, graphql-armor's limits) and our own validation rules.
  GRAPHQL_PARSE_FAILED: ErrorCode.BAD_USER_INPUT,
  GRAPHQL_VALIDATION_FAILED: ErrorCode.BAD_USER_INPUT,
  BAD_REQUEST: ErrorCode.BAD_USER_INPUT,
  OPERATION_RESOLUTION_FAILURE: ErrorCode.BAD_USER_INPUT,
  PERSISTED_QUERY_NOT_FOUND: ErrorCode.BAD_USER_INPUT,
  PERSISTED_QUERY_NOT_SUPPORTED: ErrorCode.BAD_USER_INPUT,
  SINGLE_USE_OPERATION_REPEATED: ErrorCode.BAD_USER_INPUT,
  OPERATION_TOO_COSTLY: ErrorCode.BAD_USER_INPUT,
  // Edge hooks, before GraphQL parses the request.
  MALFORMED_UNICODE: ErrorCode.BAD_USER_INPUT,
  HASHING_BUSY: ErrorCode.RATE_LIMITED,
  ADDRESS_BLOCKED: ErrorCode.FORBIDDEN,
  // The access guard and the step-up check.
  MFA_ENROLLMENT_REQUIRED: ErrorCode.FORBIDDEN,
  NO_POLICY: ErrorCode.FORBIDDEN,
  API_KEY_NOT_ALLOWED: ErrorCode.FORBIDDEN,
  STEP_UP_REQUIRED: ErrorCode.FORBIDDEN,
  // The audit capture and the read-access log withhold an answer they could not record.
  AUDIT_UNAVAILABLE: ErrorCode.INTERNAL_SERVER_ERROR,
  READ_LOG_UNAVAILABLE: ErrorCode.INTERNAL_SERVER_ERROR,
  // The placement import's upload route.
  UNSUPPORTED_MEDIA_TYPE: ErrorCode.BAD_USER_INPUT,
} as const satisfies Record<`${ErrorCode}`, ErrorCode> & Record<string, ErrorCode>;

/** A module's reasons (its enum) and the exception that raises them (its CLIENT_CODES decide). */
export interface ModuleReasons<R extends string> {
  readonly reasons: Readonly<Record<string, R>>;
  readonly exception: new (reason: R, message: string) => AppException;
}

const from = <R extends string>(
  reasons: Readonly<Record<string, R>>,
  exception: new (reason: R, message: string) => AppException,
): ModuleReasons<R> => ({ reasons, exception });

/** Every module's reasons, by module. A module with a `*.exception.ts` must be listed (tested). */
export const MODULE_REASONS = {
  audit: from(AuditErrorCode, AuditException),
  authorization: from(AuthorizationErrorCode, AuthorizationException),
  compliance: from(ComplianceErrorCode, ComplianceException),
  crypto: from(CryptoErrorCode, CryptoException),
  customers: from(CustomersErrorCode, CustomersException),
  identity: from(IdentityErrorCode, IdentityException),
  incidents: from(IncidentsErrorCode, IncidentsException),
  notifications: from(NotificationsErrorCode, NotificationsException),
  outreach: from(OutreachErrorCode, OutreachException),
  privacy: from(PrivacyErrorCode, PrivacyException),
  retention: from(RetentionErrorCode, RetentionException),
};

type ModuleReason = {
  [M in keyof typeof MODULE_REASONS]: (typeof MODULE_REASONS)[M] extends ModuleReasons<infer R>
    ? R
    : never;
}[keyof typeof MODULE_REASONS];

/** Every reason a client can see: the modules' enums and the literal reasons. */
export type ErrorReason = `${ModuleReason}` | keyof typeof LITERAL_REASONS;

/**
 * What a client shows for each reason: plain English, no personal data, what the user can do.
 * A reason added to a module enum (or to LITERAL_REASONS) without a row here is a compile error,
 * and so is a row for a reason that does not exist. Where modules share a reason string (NOT_FOUND,
 * INVALID_ADDRESS, ...) the one message serves them all.
 */
const MESSAGES = {
  // Fixed codes as reasons, and mapError's own.
  BAD_USER_INPUT: 'The request is not valid. Check what you entered and try again.',
  UNAUTHENTICATED: 'You are not signed in. Sign in and try again.',
  FORBIDDEN: 'You do not have permission to do this. Ask an administrator if you need it.',
  NOT_FOUND:
    'We could not find that record. It may have been removed, or you may not have access to it.',
  CONFLICT: 'This conflicts with the current state of the record. Refresh and try again.',
  RATE_LIMITED: 'Too many requests. Wait a moment and try again.',
  INTERNAL_SERVER_ERROR:
    'Something went wrong on our side. Try again later; if it keeps happening, contact support with the request id.',
  VALIDATION_FAILED: 'Some of the values you entered are not valid. Correct them and try again.',
  DATABASE_UNAVAILABLE: 'The service is temporarily unavailable. Try again in a few minutes.',
  DUPLICATE: 'A record with the same value already exists.',
  INTERNAL:
    'Something went wrong on our side. Try again later; if it keeps happening, contact support with the request id.',

  // GraphQL documents (an outdated or faulty client, rarely the user).
  GRAPHQL_PARSE_FAILED: 'The app sent a request the server could not read. Reload the page.',
  GRAPHQL_VALIDATION_FAILED:
    'The app sent a request this server does not accept. Reload the page to get the latest version.',
  BAD_REQUEST: 'The request was malformed. Reload the page and try again.',
  OPERATION_RESOLUTION_FAILURE:
    'The request does not contain the operation it names. Reload the page and try again.',
  PERSISTED_QUERY_NOT_FOUND:
    'The server does not know this saved request. Reload the page and try again.',
  PERSISTED_QUERY_NOT_SUPPORTED:
    'This server does not accept saved requests. Reload the page and try again.',
  SINGLE_USE_OPERATION_REPEATED:
    'A sign-in or security step may appear only once in a request. Send it on its own.',
  OPERATION_TOO_COSTLY: 'The request asks for too much at once. Split it into smaller requests.',
  MALFORMED_UNICODE:
    'The request contains text that is not valid. Remove unusual characters and try again.',

  // Access.
  ADDRESS_BLOCKED: 'Requests from your network address are blocked. Contact your administrator.',
  NO_POLICY: 'This operation is not available. Contact support.',
  API_KEY_NOT_ALLOWED: 'API keys cannot do this. Sign in as a user instead.',
  STEP_UP_REQUIRED: 'Confirm it is you with a two-factor code, then try again.',
  AUDIT_UNAVAILABLE:
    'The audit log could not record this, so it is not confirmed. Check whether it took effect before you try again.',
  READ_LOG_UNAVAILABLE:
    'The result is withheld because the access could not be logged. Check whether a change was made before you try again.',
  UNSUPPORTED_MEDIA_TYPE: 'Upload the placement file as CSV (text/csv).',

  // audit
  TOO_LONG: 'A search value is too long. Use at most 64 characters.',
  BAD_RANGE: 'The start of the range must be before its end.',
  BAD_SEQUENCE: 'Give the range as audit sequence numbers.',

  // authorization
  ROLE_NOT_FOUND: 'That role does not exist.',
  ROLE_EXISTS: 'A role with this name already exists. Choose another name.',
  ROLE_IN_USE: 'Users still have this role, or other roles inherit it. Reassign them first.',
  BUILT_IN_ROLE: 'Built-in roles cannot be changed or deleted.',
  INVALID_RULE: 'A permission rule of this role is not valid. Check its actions and subjects.',
  INHERITANCE_CYCLE: 'A role cannot inherit from itself, directly or through other roles.',
  REVEAL_NOT_ALLOWED: 'Your role may not reveal this field.',
  REVEAL_RATE_LIMITED: 'You reached the hourly limit of revealed fields. Try again later.',

  // compliance
  CONTACT_NOT_ALLOWED:
    'The contact rules do not allow contacting this customer now (consent, do-not-contact, hours or frequency).',
  INVALID_ADDRESS: 'The address is not valid. Check the phone number, email address or IP range.',
  INVALID_SIGNATURE:
    'The link or request signature is not valid. Use the latest link you received.',
  STALE_REQUEST: 'The link has expired or the request is too old.',
  INVALID_RULES: 'The contact rules are not valid. Correct them and save again.',
  INVALID_REGISTRATION: 'The 10DLC registration details are not valid. Correct them and try again.',
  REGISTRATION_CONFLICT:
    'This 10DLC registration is already registered or cannot change from its current status.',
  INVALID_CEASE_REQUEST: 'The cease-communication request is not valid. Check its date and debt.',
  DECISION_NOT_FOUND: 'No contact decision was kept for that contact attempt.',
  INVALID_RANGE: 'The end of the date range must come after its start, within the allowed span.',
  INVALID_SCOPE: 'Choose exactly one of customer, debt or phone number for the evidence pack.',
  PACK_TOO_LARGE: 'Too many contact attempts for one evidence pack. Choose a shorter date range.',
  PACK_NOT_FOUND: 'That evidence pack does not exist.',
  EVIDENCE_NOT_ALLOWED: 'This evidence pack holds consent evidence your role may not read.',

  // crypto
  DECRYPTION_FAILED: 'Stored data could not be decrypted. Contact support with the request id.',
  MALFORMED_CIPHERTEXT: 'Stored data is damaged. Contact support with the request id.',
  KEY_NOT_FOUND: 'That encryption key does not exist.',
  KEY_DESTROYED: 'This data was encrypted under a key that was destroyed, so it cannot be read.',
  KEY_NOT_LOADED: 'Encryption keys are not ready yet. Try again in a moment.',
  KEY_STILL_IN_USE: 'Stored data still uses this key. Finish the re-encryption first.',
  KEY_NOT_RETIRABLE: 'This key cannot be retired or changed in its current state.',
  KEY_NOT_ACTIVE: 'The encryption key changed while saving. Try again.',
  WRITE_OUTSIDE_TRANSACTION:
    'Something went wrong on our side while saving. Contact support with the request id.',
  JOB_LEASE_LOST:
    'Another process took over this re-encryption job. Check its progress before retrying.',
  UNKNOWN_PURPOSE: 'Unknown key purpose. Use pii, secrets or audit.',
  MASTER_KEY_UNAVAILABLE: 'The master encryption key is not available. Contact your operator.',
  MISSING_ROW_ID:
    'Something went wrong on our side while saving. Contact support with the request id.',
  INVALID_VALUE: 'A value is not valid for its field. Correct it and try again.',

  // customers
  INVALID_PHONE: 'The phone number is not valid.',
  INVALID_TIMEZONE: 'The time zone is not valid. Use a zone name such as America/New_York.',
  INVALID_DATE: 'The date is not valid.',
  INVALID_WINDOW: 'Give both the start and the end of the contact window.',
  DEBT_NOT_FOUND: 'That debt does not exist, or you may not see its customer.',
  INVALID_DEBT: 'The debt details are not valid. Check the amounts, account reference and dates.',
  DUPLICATE_PLACEMENT: 'Another debt already has this placement reference.',
  INVALID_LOOKUP:
    'Search by exactly one of phone number, email address or account reference, in a valid form.',
  IMPORT_TOO_LARGE: 'The placement file is too large. Split it into smaller files.',
  IMPORT_NOT_FOUND: 'That import does not exist, or it is not yours.',

  // identity
  INVALID_CREDENTIALS: 'The email address, password or code is incorrect.',
  ACCOUNT_DISABLED: 'This account is disabled. Contact your administrator.',
  TOO_MANY_ATTEMPTS: 'Too many failed attempts. Wait a few minutes and try again.',
  HASHING_BUSY: 'Too many people are signing in right now. Try again in a moment.',
  INVALID_TOKEN: 'Your session is not valid. Sign in again.',
  TOKEN_EXPIRED: 'Your session has expired. Sign in again.',
  SESSION_REVOKED: 'This session has ended. Sign in again.',
  REFRESH_TOKEN_REUSED: 'For your security this session was ended. Sign in again.',
  INVALID_MFA_TOKEN: 'The sign-in step has expired. Sign in again.',
  INVALID_MFA_CODE:
    'The code is not valid. Enter the current code from your authenticator app, or a backup code.',
  MFA_NOT_ENROLLED: 'Two-factor authentication is not set up. Start the setup first.',
  MFA_ALREADY_ENABLED: 'Two-factor authentication is already on.',
  MFA_REQUIRED_FOR_ROLE: 'Your role requires two-factor authentication, so it stays on.',
  MFA_ENROLLMENT_REQUIRED: 'Set up two-factor authentication to continue.',
  PASSWORD_POLICY:
    'Choose another password: long enough, not a common one, and without your email address.',
  INVALID_RESET_TOKEN: 'This password reset link is invalid or has expired. Request a new one.',
  EMAIL_TAKEN: 'A user with this email address already exists.',
  UNKNOWN_ROLE: 'That role does not exist.',
  OWN_ROLE: 'You cannot change your own role or disable your own account.',
  USER_NOT_FOUND: 'That user does not exist.',
  SESSION_NOT_FOUND: 'That session does not exist or has already ended.',
  API_KEY_NOT_FOUND: 'That API key does not exist.',
  INVALID_API_KEY: 'The API key is not valid, has expired or was revoked.',
  SCOPE_EXCEEDED:
    'An API key cannot have this scope: it exceeds your own permissions or what keys may do.',
  PASSKEY_INVALID:
    'The passkey could not be verified. Try again, or use another passkey or sign-in method.',
  PASSKEY_CHALLENGE_EXPIRED: 'The passkey request has expired or was already used. Start again.',
  PASSKEY_NOT_FOUND: 'That passkey does not exist, or it was removed.',
  PASSKEY_REQUIRED: 'Your role requires your passkey here. Use it instead of a code.',
  PASSKEY_LIMIT: 'You have the most passkeys allowed. Remove one before you add another.',

  // incidents
  INCIDENT_NOT_FOUND: 'That incident does not exist.',
  INVALID_TRANSITION: 'This status change is not allowed from the current status.',
  REOPEN_NEEDS_REASON: 'Give a reason to reopen the incident.',
  ADDRESS_ALLOW_LISTED: 'Office addresses on the allow-list are never blocked.',
  UNKNOWN_JURISDICTION: 'Unknown breach jurisdiction. Use a code such as US-CO.',
  UNKNOWN_DEADLINE: 'This incident has no such notification deadline.',
  UNKNOWN_RULE: 'No detection rule has this key.',
  ACTION_NOT_ALLOWED:
    'This containment action is not allowed: never against your own account, and only on what the rule names.',
  ACTION_NOT_FOUND: 'That containment action does not exist.',
  ACTION_NOT_REVERSIBLE: 'This kind of containment action cannot be reversed.',
  ACTION_NOT_APPLIED: 'Only an applied containment action can be reversed.',
  TARGET_NOT_FOUND: 'The user, key or campaign to contain does not exist.',
  AUDIT_EVENT_NOT_FOUND: 'No audit event has this sequence number.',
  USER_NOT_ASSIGNABLE: 'Only active users can be assigned or put on call.',
  SHIFT_NOT_FOUND: 'That on-call shift does not exist.',
  INVALID_SHIFT: 'A shift must end after it starts and last at most 31 days.',
  INVALID_PERIOD: 'The start of the period must be before its end, at most a year apart.',

  // notifications
  REVIEW_NOT_FOUND: 'That content review does not exist.',
  REVIEW_ALREADY_DECIDED: 'This review was already approved or rejected.',
  INVALID_RECEIPT: 'The delivery receipt is missing required fields.',

  // outreach
  INVALID_TEMPLATE: 'The message template is not valid. Correct the problems listed and try again.',
  INVALID_AUDIENCE:
    'The campaign audience or schedule is not valid. Check its team, filters, dates and contact window.',
  NOT_EDITABLE: 'Only draft campaigns can be edited.',
  INVALID_TASK_STATE: 'The task cannot do this in its current state. Refresh and try again.',
  INVALID_ASSIGNEE: 'The assignee must be an active agent on the campaign team.',
  INVALID_CUSTOMER: 'The customer has no phone number or email address for this channel.',
  INVALID_SENDER: 'Choose an active 10DLC campaign to send under (SMS campaigns only).',
  SENDER_NOT_ACTIVE: 'Texts cannot be sent: the 10DLC campaign or its sender number is not active.',
  CONTENT_BLOCKED:
    'The message contains content that may not be sent. Remove what the details name.',
  FOREIGN_TEAM: 'You may only manage campaigns of your own team.',

  // privacy
  REQUEST_ALREADY_OPEN: 'A request of this type is already open for this customer.',
  REQUEST_CLOSED: 'This request is already closed.',
  ALREADY_ERASED: 'The data of this customer has already been erased.',
  LEGAL_HOLD: 'A legal hold covers this customer. Release it before erasing.',
  HOLD_NOT_FOUND: 'That legal hold does not exist.',
  HOLD_RELEASED: 'This legal hold is already released.',
  INVALID_EXPIRY: 'A legal hold must expire in the future.',
  ALREADY_EXTENDED: 'The deadline was already extended once, which is all the law allows.',
  PAST_DUE: 'The deadline has passed. An extension must be decided before it.',
  SUBJECT_NOT_FOUND: 'No customer matches the email address, phone number or id given.',
  SUBJECT_AMBIGUOUS: 'Several customers share this address. Choose the customer by id.',
  INVALID_SUBJECT:
    'Name the subject by exactly one of customer, email address or phone number, in a valid form.',
  TYPE_NOT_IN_REGIME: 'This request type does not exist under the chosen privacy law.',
  NOT_VERIFIED: 'Verify the identity of the subject first.',
  ALREADY_VERIFIED: 'The subject is already verified.',
  NO_CONTACT_ON_FILE:
    'The customer has no email address or phone number on file for a code. Verify by attestation instead.',
  TOO_MANY_CODES: 'Too many codes were sent for this request. Verify by attestation instead.',
  WRONG_CODE: 'The code is wrong. Check it and try again.',
  CODE_EXPIRED: 'The code has expired, or none was sent. Send a new code.',
  CODE_LOCKED: 'Too many wrong codes. Send a new code.',
  WRONG_COMPLETION:
    'This request completes another way: a rectification completes with the corrected values.',
  NOTHING_TO_CHANGE: 'The corrections match the record already.',
  NOT_REVERSIBLE: 'Only a completed rectification or restriction can be reversed, and only once.',
  EXPORT_NOT_READY: 'The export is not ready. Build it and let the subject download it first.',
  EXPORT_WRONG_TYPE: 'Only access and portability requests have an export.',
  EXPORT_NOT_FOUND: 'That export does not exist.',

  // retention
  RETENTION_RUNNING: 'A retention purge is already running. Try again when it has finished.',
  UNKNOWN_POLICY: 'No retention rule has this name.',
  UNDER_LEGAL_FLOOR: 'This period is shorter than the law requires these records to be kept.',
} satisfies Record<ErrorReason, string>;

/** One row of the catalog. */
export interface ErrorReasonRow {
  /** The `extensions.code` (on an HTTP route: the status) this reason answers with. */
  readonly code: ErrorCode;
  /**
   * Only where modules raise one reason string with different codes: the others. The one case,
   * INVALID_SIGNATURE, is a webhook or link refusal no SPA meets (src/error-catalog.spec.ts names it).
   */
  readonly otherCodes?: readonly ErrorCode[];
  /** A sentence an SPA may show as is. */
  readonly message: string;
}

/** Where each reason comes from ('literal' or a module) and the code it answers there. */
export function reasonSources(): Map<ErrorReason, Map<string, ErrorCode>> {
  const sources = new Map<ErrorReason, Map<string, ErrorCode>>();
  const add = (reason: ErrorReason, source: string, code: ErrorCode) => {
    const bySource = sources.get(reason) ?? new Map<string, ErrorCode>();
    bySource.set(source, code);
    sources.set(reason, bySource);
  };
  for (const [reason, code] of Object.entries(LITERAL_REASONS))
    add(reason as ErrorReason, 'literal', code);
  for (const [module, { reasons, exception }] of Object.entries(MODULE_REASONS) as [
    string,
    ModuleReasons<ModuleReason>,
  ][]) {
    // The module's own CLIENT_CODES decide: the code is what its exception answers, by construction.
    for (const reason of Object.values(reasons))
      add(reason, module, new exception(reason, '').code);
  }
  return sources;
}

function buildCatalog(): Readonly<Record<ErrorReason, ErrorReasonRow>> {
  const sources = reasonSources();
  const rows = {} as Record<ErrorReason, ErrorReasonRow>;
  for (const reason of (Object.keys(MESSAGES) as ErrorReason[]).sort()) {
    const [code, ...otherCodes] = [...new Set(sources.get(reason)?.values())];
    if (!code) throw new Error(`error catalog: nothing raises ${reason}`);
    rows[reason] = Object.freeze({
      code,
      ...(otherCodes.length > 0 ? { otherCodes } : {}),
      message: MESSAGES[reason],
    });
  }
  return Object.freeze(rows);
}

/** Every reason a client can see, sorted, with its code and message. */
export const ERROR_REASONS = buildCatalog();
