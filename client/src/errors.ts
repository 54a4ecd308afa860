// Generated from src/error-catalog.ts by `npm run client:generate`: do not edit.

/** The fixed set of `extensions.code` values. */
export type ErrorCode =
  | 'BAD_USER_INPUT'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'RATE_LIMITED'
  | 'INTERNAL_SERVER_ERROR';

/** What an error's `extensions.reason` means. */
export interface ErrorReasonInfo {
  /** The `extensions.code` it comes with. */
  readonly code: ErrorCode;
  /** Codes the same reason comes with elsewhere (a webhook or a link, never the SPA). */
  readonly otherCodes?: readonly ErrorCode[];
  /** A sentence to show the user as is: plain English, no personal data. */
  readonly message: string;
}

/** Every `extensions.reason` the API answers, with its code and a message to show. */
export const ERROR_REASONS = {
  ACCOUNT_DISABLED: {
    code: 'FORBIDDEN',
    message: 'This account is disabled. Contact your administrator.',
  },
  ACTION_NOT_ALLOWED: {
    code: 'BAD_USER_INPUT',
    message:
      'This containment action is not allowed: never against your own account, and only on what the rule names.',
  },
  ACTION_NOT_APPLIED: {
    code: 'CONFLICT',
    message: 'Only an applied containment action can be reversed.',
  },
  ACTION_NOT_FOUND: { code: 'NOT_FOUND', message: 'That containment action does not exist.' },
  ACTION_NOT_REVERSIBLE: {
    code: 'CONFLICT',
    message: 'This kind of containment action cannot be reversed.',
  },
  ADDRESS_ALLOW_LISTED: {
    code: 'CONFLICT',
    message: 'Office addresses on the allow-list are never blocked.',
  },
  ADDRESS_BLOCKED: {
    code: 'FORBIDDEN',
    message: 'Requests from your network address are blocked. Contact your administrator.',
  },
  ALREADY_ERASED: {
    code: 'CONFLICT',
    message: 'The data of this customer has already been erased.',
  },
  ALREADY_EXTENDED: {
    code: 'CONFLICT',
    message: 'The deadline was already extended once, which is all the law allows.',
  },
  ALREADY_VERIFIED: { code: 'CONFLICT', message: 'The subject is already verified.' },
  API_KEY_NOT_ALLOWED: {
    code: 'FORBIDDEN',
    message: 'API keys cannot do this. Sign in as a user instead.',
  },
  API_KEY_NOT_FOUND: { code: 'NOT_FOUND', message: 'That API key does not exist.' },
  AUDIT_EVENT_NOT_FOUND: { code: 'NOT_FOUND', message: 'No audit event has this sequence number.' },
  AUDIT_UNAVAILABLE: {
    code: 'INTERNAL_SERVER_ERROR',
    message:
      'The audit log could not record this, so it is not confirmed. Check whether it took effect before you try again.',
  },
  BAD_RANGE: { code: 'BAD_USER_INPUT', message: 'The start of the range must be before its end.' },
  BAD_REQUEST: {
    code: 'BAD_USER_INPUT',
    message: 'The request was malformed. Reload the page and try again.',
  },
  BAD_SEQUENCE: { code: 'BAD_USER_INPUT', message: 'Give the range as audit sequence numbers.' },
  BAD_USER_INPUT: {
    code: 'BAD_USER_INPUT',
    message: 'The request is not valid. Check what you entered and try again.',
  },
  BUILT_IN_ROLE: {
    code: 'BAD_USER_INPUT',
    message: 'Built-in roles cannot be changed or deleted.',
  },
  CODE_EXPIRED: {
    code: 'CONFLICT',
    message: 'The code has expired, or none was sent. Send a new code.',
  },
  CODE_LOCKED: { code: 'CONFLICT', message: 'Too many wrong codes. Send a new code.' },
  CONFLICT: {
    code: 'CONFLICT',
    message: 'This conflicts with the current state of the record. Refresh and try again.',
  },
  CONTACT_NOT_ALLOWED: {
    code: 'FORBIDDEN',
    message:
      'The contact rules do not allow contacting this customer now (consent, do-not-contact, hours or frequency).',
  },
  CONTENT_BLOCKED: {
    code: 'BAD_USER_INPUT',
    message: 'The message contains content that may not be sent. Remove what the details name.',
  },
  DATABASE_UNAVAILABLE: {
    code: 'INTERNAL_SERVER_ERROR',
    message: 'The service is temporarily unavailable. Try again in a few minutes.',
  },
  DEBT_NOT_FOUND: {
    code: 'NOT_FOUND',
    message: 'That debt does not exist, or you may not see its customer.',
  },
  DECISION_NOT_FOUND: {
    code: 'NOT_FOUND',
    message: 'No contact decision was kept for that contact attempt.',
  },
  DECRYPTION_FAILED: {
    code: 'INTERNAL_SERVER_ERROR',
    message: 'Stored data could not be decrypted. Contact support with the request id.',
  },
  DUPLICATE: { code: 'CONFLICT', message: 'A record with the same value already exists.' },
  DUPLICATE_PLACEMENT: {
    code: 'CONFLICT',
    message: 'Another debt already has this placement reference.',
  },
  EMAIL_TAKEN: { code: 'CONFLICT', message: 'A user with this email address already exists.' },
  EVIDENCE_NOT_ALLOWED: {
    code: 'FORBIDDEN',
    message: 'This evidence pack holds consent evidence your role may not read.',
  },
  EXPORT_NOT_FOUND: { code: 'NOT_FOUND', message: 'That export does not exist.' },
  EXPORT_NOT_READY: {
    code: 'CONFLICT',
    message: 'The export is not ready. Build it and let the subject download it first.',
  },
  EXPORT_WRONG_TYPE: {
    code: 'BAD_USER_INPUT',
    message: 'Only access and portability requests have an export.',
  },
  FORBIDDEN: {
    code: 'FORBIDDEN',
    message: 'You do not have permission to do this. Ask an administrator if you need it.',
  },
  FOREIGN_TEAM: { code: 'FORBIDDEN', message: 'You may only manage campaigns of your own team.' },
  GRAPHQL_PARSE_FAILED: {
    code: 'BAD_USER_INPUT',
    message: 'The app sent a request the server could not read. Reload the page.',
  },
  GRAPHQL_VALIDATION_FAILED: {
    code: 'BAD_USER_INPUT',
    message:
      'The app sent a request this server does not accept. Reload the page to get the latest version.',
  },
  HASHING_BUSY: {
    code: 'RATE_LIMITED',
    message: 'Too many people are signing in right now. Try again in a moment.',
  },
  HOLD_NOT_FOUND: { code: 'NOT_FOUND', message: 'That legal hold does not exist.' },
  HOLD_RELEASED: { code: 'CONFLICT', message: 'This legal hold is already released.' },
  IMPORT_NOT_FOUND: {
    code: 'NOT_FOUND',
    message: 'That import does not exist, or it is not yours.',
  },
  IMPORT_TOO_LARGE: {
    code: 'BAD_USER_INPUT',
    message: 'The placement file is too large. Split it into smaller files.',
  },
  INCIDENT_NOT_FOUND: { code: 'NOT_FOUND', message: 'That incident does not exist.' },
  INHERITANCE_CYCLE: {
    code: 'BAD_USER_INPUT',
    message: 'A role cannot inherit from itself, directly or through other roles.',
  },
  INTERNAL: {
    code: 'INTERNAL_SERVER_ERROR',
    message:
      'Something went wrong on our side. Try again later; if it keeps happening, contact support with the request id.',
  },
  INTERNAL_SERVER_ERROR: {
    code: 'INTERNAL_SERVER_ERROR',
    message:
      'Something went wrong on our side. Try again later; if it keeps happening, contact support with the request id.',
  },
  INVALID_ADDRESS: {
    code: 'BAD_USER_INPUT',
    message: 'The address is not valid. Check the phone number, email address or IP range.',
  },
  INVALID_API_KEY: {
    code: 'UNAUTHENTICATED',
    message: 'The API key is not valid, has expired or was revoked.',
  },
  INVALID_ASSIGNEE: {
    code: 'BAD_USER_INPUT',
    message: 'The assignee must be an active agent on the campaign team.',
  },
  INVALID_AUDIENCE: {
    code: 'BAD_USER_INPUT',
    message:
      'The campaign audience or schedule is not valid. Check its team, filters, dates and contact window.',
  },
  INVALID_CEASE_REQUEST: {
    code: 'BAD_USER_INPUT',
    message: 'The cease-communication request is not valid. Check its date and debt.',
  },
  INVALID_CREDENTIALS: {
    code: 'UNAUTHENTICATED',
    message: 'The email address, password or code is incorrect.',
  },
  INVALID_CUSTOMER: {
    code: 'BAD_USER_INPUT',
    message: 'The customer has no phone number or email address for this channel.',
  },
  INVALID_DATE: { code: 'BAD_USER_INPUT', message: 'The date is not valid.' },
  INVALID_DEBT: {
    code: 'BAD_USER_INPUT',
    message: 'The debt details are not valid. Check the amounts, account reference and dates.',
  },
  INVALID_EXPIRY: { code: 'BAD_USER_INPUT', message: 'A legal hold must expire in the future.' },
  INVALID_LOOKUP: {
    code: 'BAD_USER_INPUT',
    message:
      'Search by exactly one of phone number, email address or account reference, in a valid form.',
  },
  INVALID_MFA_CODE: {
    code: 'UNAUTHENTICATED',
    message:
      'The code is not valid. Enter the current code from your authenticator app, or a backup code.',
  },
  INVALID_MFA_TOKEN: {
    code: 'UNAUTHENTICATED',
    message: 'The sign-in step has expired. Sign in again.',
  },
  INVALID_PERIOD: {
    code: 'BAD_USER_INPUT',
    message: 'The start of the period must be before its end, at most a year apart.',
  },
  INVALID_PHONE: { code: 'BAD_USER_INPUT', message: 'The phone number is not valid.' },
  INVALID_RANGE: {
    code: 'BAD_USER_INPUT',
    message: 'The end of the date range must come after its start, within the allowed span.',
  },
  INVALID_RECEIPT: {
    code: 'BAD_USER_INPUT',
    message: 'The delivery receipt is missing required fields.',
  },
  INVALID_REGISTRATION: {
    code: 'BAD_USER_INPUT',
    message: 'The 10DLC registration details are not valid. Correct them and try again.',
  },
  INVALID_RESET_TOKEN: {
    code: 'BAD_USER_INPUT',
    message: 'This password reset link is invalid or has expired. Request a new one.',
  },
  INVALID_RULE: {
    code: 'BAD_USER_INPUT',
    message: 'A permission rule of this role is not valid. Check its actions and subjects.',
  },
  INVALID_RULES: {
    code: 'BAD_USER_INPUT',
    message: 'The contact rules are not valid. Correct them and save again.',
  },
  INVALID_SCOPE: {
    code: 'BAD_USER_INPUT',
    message: 'Choose exactly one of customer, debt or phone number for the evidence pack.',
  },
  INVALID_SENDER: {
    code: 'BAD_USER_INPUT',
    message: 'Choose an active 10DLC campaign to send under (SMS campaigns only).',
  },
  INVALID_SHIFT: {
    code: 'BAD_USER_INPUT',
    message: 'A shift must end after it starts and last at most 31 days.',
  },
  INVALID_SIGNATURE: {
    code: 'UNAUTHENTICATED',
    otherCodes: ['FORBIDDEN'],
    message: 'The link or request signature is not valid. Use the latest link you received.',
  },
  INVALID_SUBJECT: {
    code: 'BAD_USER_INPUT',
    message:
      'Name the subject by exactly one of customer, email address or phone number, in a valid form.',
  },
  INVALID_TASK_STATE: {
    code: 'CONFLICT',
    message: 'The task cannot do this in its current state. Refresh and try again.',
  },
  INVALID_TEMPLATE: {
    code: 'BAD_USER_INPUT',
    message: 'The message template is not valid. Correct the problems listed and try again.',
  },
  INVALID_TIMEZONE: {
    code: 'BAD_USER_INPUT',
    message: 'The time zone is not valid. Use a zone name such as America/New_York.',
  },
  INVALID_TOKEN: { code: 'UNAUTHENTICATED', message: 'Your session is not valid. Sign in again.' },
  INVALID_TRANSITION: {
    code: 'CONFLICT',
    message: 'This status change is not allowed from the current status.',
  },
  INVALID_VALUE: {
    code: 'BAD_USER_INPUT',
    message: 'A value is not valid for its field. Correct it and try again.',
  },
  INVALID_WINDOW: {
    code: 'BAD_USER_INPUT',
    message: 'Give both the start and the end of the contact window.',
  },
  JOB_LEASE_LOST: {
    code: 'CONFLICT',
    message:
      'Another process took over this re-encryption job. Check its progress before retrying.',
  },
  KEY_DESTROYED: {
    code: 'INTERNAL_SERVER_ERROR',
    message: 'This data was encrypted under a key that was destroyed, so it cannot be read.',
  },
  KEY_NOT_ACTIVE: {
    code: 'CONFLICT',
    message: 'The encryption key changed while saving. Try again.',
  },
  KEY_NOT_FOUND: { code: 'NOT_FOUND', message: 'That encryption key does not exist.' },
  KEY_NOT_LOADED: {
    code: 'INTERNAL_SERVER_ERROR',
    message: 'Encryption keys are not ready yet. Try again in a moment.',
  },
  KEY_NOT_RETIRABLE: {
    code: 'CONFLICT',
    message: 'This key cannot be retired or changed in its current state.',
  },
  KEY_STILL_IN_USE: {
    code: 'CONFLICT',
    message: 'Stored data still uses this key. Finish the re-encryption first.',
  },
  LEGAL_HOLD: {
    code: 'CONFLICT',
    message: 'A legal hold covers this customer. Release it before erasing.',
  },
  MALFORMED_CIPHERTEXT: {
    code: 'INTERNAL_SERVER_ERROR',
    message: 'Stored data is damaged. Contact support with the request id.',
  },
  MALFORMED_UNICODE: {
    code: 'BAD_USER_INPUT',
    message:
      'The request contains text that is not valid. Remove unusual characters and try again.',
  },
  MASTER_KEY_UNAVAILABLE: {
    code: 'INTERNAL_SERVER_ERROR',
    message: 'The master encryption key is not available. Contact your operator.',
  },
  MFA_ALREADY_ENABLED: { code: 'CONFLICT', message: 'Two-factor authentication is already on.' },
  MFA_ENROLLMENT_REQUIRED: {
    code: 'FORBIDDEN',
    message: 'Set up two-factor authentication to continue.',
  },
  MFA_NOT_ENROLLED: {
    code: 'BAD_USER_INPUT',
    message: 'Two-factor authentication is not set up. Start the setup first.',
  },
  MFA_REQUIRED_FOR_ROLE: {
    code: 'FORBIDDEN',
    message: 'Your role requires two-factor authentication, so it stays on.',
  },
  MISSING_ROW_ID: {
    code: 'INTERNAL_SERVER_ERROR',
    message: 'Something went wrong on our side while saving. Contact support with the request id.',
  },
  NOTHING_TO_CHANGE: {
    code: 'BAD_USER_INPUT',
    message: 'The corrections match the record already.',
  },
  NOT_EDITABLE: { code: 'CONFLICT', message: 'Only draft campaigns can be edited.' },
  NOT_FOUND: {
    code: 'NOT_FOUND',
    message:
      'We could not find that record. It may have been removed, or you may not have access to it.',
  },
  NOT_REVERSIBLE: {
    code: 'CONFLICT',
    message: 'Only a completed rectification or restriction can be reversed, and only once.',
  },
  NOT_VERIFIED: { code: 'CONFLICT', message: 'Verify the identity of the subject first.' },
  NO_CONTACT_ON_FILE: {
    code: 'CONFLICT',
    message:
      'The customer has no email address or phone number on file for a code. Verify by attestation instead.',
  },
  NO_POLICY: { code: 'FORBIDDEN', message: 'This operation is not available. Contact support.' },
  OPERATION_RESOLUTION_FAILURE: {
    code: 'BAD_USER_INPUT',
    message: 'The request does not contain the operation it names. Reload the page and try again.',
  },
  OPERATION_TOO_COSTLY: {
    code: 'BAD_USER_INPUT',
    message: 'The request asks for too much at once. Split it into smaller requests.',
  },
  OWN_ROLE: {
    code: 'FORBIDDEN',
    message: 'You cannot change your own role or disable your own account.',
  },
  PACK_NOT_FOUND: { code: 'NOT_FOUND', message: 'That evidence pack does not exist.' },
  PACK_TOO_LARGE: {
    code: 'BAD_USER_INPUT',
    message: 'Too many contact attempts for one evidence pack. Choose a shorter date range.',
  },
  PASSKEY_CHALLENGE_EXPIRED: {
    code: 'CONFLICT',
    message: 'The passkey request has expired or was already used. Start again.',
  },
  PASSKEY_INVALID: {
    code: 'UNAUTHENTICATED',
    message:
      'The passkey could not be verified. Try again, or use another passkey or sign-in method.',
  },
  PASSKEY_LIMIT: {
    code: 'CONFLICT',
    message: 'You have the most passkeys allowed. Remove one before you add another.',
  },
  PASSKEY_NOT_FOUND: {
    code: 'NOT_FOUND',
    message: 'That passkey does not exist, or it was removed.',
  },
  PASSKEY_REQUIRED: {
    code: 'FORBIDDEN',
    message: 'Your role requires your passkey here. Use it instead of a code.',
  },
  PASSWORD_POLICY: {
    code: 'BAD_USER_INPUT',
    message:
      'Choose another password: long enough, not a common one, and without your email address.',
  },
  PAST_DUE: {
    code: 'CONFLICT',
    message: 'The deadline has passed. An extension must be decided before it.',
  },
  PERSISTED_QUERY_NOT_FOUND: {
    code: 'BAD_USER_INPUT',
    message: 'The server does not know this saved request. Reload the page and try again.',
  },
  PERSISTED_QUERY_NOT_SUPPORTED: {
    code: 'BAD_USER_INPUT',
    message: 'This server does not accept saved requests. Reload the page and try again.',
  },
  RATE_LIMITED: {
    code: 'RATE_LIMITED',
    message: 'Too many requests. Wait a moment and try again.',
  },
  READ_LOG_UNAVAILABLE: {
    code: 'INTERNAL_SERVER_ERROR',
    message:
      'The result is withheld because the access could not be logged. Check whether a change was made before you try again.',
  },
  REFRESH_TOKEN_REUSED: {
    code: 'UNAUTHENTICATED',
    message: 'For your security this session was ended. Sign in again.',
  },
  REGISTRATION_CONFLICT: {
    code: 'CONFLICT',
    message:
      'This 10DLC registration is already registered or cannot change from its current status.',
  },
  REOPEN_NEEDS_REASON: { code: 'BAD_USER_INPUT', message: 'Give a reason to reopen the incident.' },
  REQUEST_ALREADY_OPEN: {
    code: 'CONFLICT',
    message: 'A request of this type is already open for this customer.',
  },
  REQUEST_CLOSED: { code: 'CONFLICT', message: 'This request is already closed.' },
  RETENTION_RUNNING: {
    code: 'CONFLICT',
    message: 'A retention purge is already running. Try again when it has finished.',
  },
  REVEAL_NOT_ALLOWED: { code: 'FORBIDDEN', message: 'Your role may not reveal this field.' },
  REVEAL_RATE_LIMITED: {
    code: 'RATE_LIMITED',
    message: 'You reached the hourly limit of revealed fields. Try again later.',
  },
  REVIEW_ALREADY_DECIDED: {
    code: 'CONFLICT',
    message: 'This review was already approved or rejected.',
  },
  REVIEW_NOT_FOUND: { code: 'NOT_FOUND', message: 'That content review does not exist.' },
  ROLE_EXISTS: {
    code: 'CONFLICT',
    message: 'A role with this name already exists. Choose another name.',
  },
  ROLE_IN_USE: {
    code: 'CONFLICT',
    message: 'Users still have this role, or other roles inherit it. Reassign them first.',
  },
  ROLE_NOT_FOUND: { code: 'NOT_FOUND', message: 'That role does not exist.' },
  SCOPE_EXCEEDED: {
    code: 'FORBIDDEN',
    message:
      'An API key cannot have this scope: it exceeds your own permissions or what keys may do.',
  },
  SENDER_NOT_ACTIVE: {
    code: 'FORBIDDEN',
    message: 'Texts cannot be sent: the 10DLC campaign or its sender number is not active.',
  },
  SESSION_NOT_FOUND: {
    code: 'NOT_FOUND',
    message: 'That session does not exist or has already ended.',
  },
  SESSION_REVOKED: { code: 'UNAUTHENTICATED', message: 'This session has ended. Sign in again.' },
  SHIFT_NOT_FOUND: { code: 'NOT_FOUND', message: 'That on-call shift does not exist.' },
  SINGLE_USE_OPERATION_REPEATED: {
    code: 'BAD_USER_INPUT',
    message: 'A sign-in or security step may appear only once in a request. Send it on its own.',
  },
  STALE_REQUEST: {
    code: 'UNAUTHENTICATED',
    message: 'The link has expired or the request is too old.',
  },
  STEP_UP_REQUIRED: {
    code: 'FORBIDDEN',
    message: 'Confirm it is you with a two-factor code, then try again.',
  },
  SUBJECT_AMBIGUOUS: {
    code: 'CONFLICT',
    message: 'Several customers share this address. Choose the customer by id.',
  },
  SUBJECT_NOT_FOUND: {
    code: 'NOT_FOUND',
    message: 'No customer matches the email address, phone number or id given.',
  },
  TARGET_NOT_FOUND: {
    code: 'NOT_FOUND',
    message: 'The user, key or campaign to contain does not exist.',
  },
  TOKEN_EXPIRED: { code: 'UNAUTHENTICATED', message: 'Your session has expired. Sign in again.' },
  TOO_LONG: {
    code: 'BAD_USER_INPUT',
    message: 'A search value is too long. Use at most 64 characters.',
  },
  TOO_MANY_ATTEMPTS: {
    code: 'RATE_LIMITED',
    message: 'Too many failed attempts. Wait a few minutes and try again.',
  },
  TOO_MANY_CODES: {
    code: 'CONFLICT',
    message: 'Too many codes were sent for this request. Verify by attestation instead.',
  },
  TYPE_NOT_IN_REGIME: {
    code: 'BAD_USER_INPUT',
    message: 'This request type does not exist under the chosen privacy law.',
  },
  UNAUTHENTICATED: {
    code: 'UNAUTHENTICATED',
    message: 'You are not signed in. Sign in and try again.',
  },
  UNDER_LEGAL_FLOOR: {
    code: 'BAD_USER_INPUT',
    message: 'This period is shorter than the law requires these records to be kept.',
  },
  UNKNOWN_DEADLINE: {
    code: 'NOT_FOUND',
    message: 'This incident has no such notification deadline.',
  },
  UNKNOWN_JURISDICTION: {
    code: 'BAD_USER_INPUT',
    message: 'Unknown breach jurisdiction. Use a code such as US-CO.',
  },
  UNKNOWN_POLICY: { code: 'NOT_FOUND', message: 'No retention rule has this name.' },
  UNKNOWN_PURPOSE: {
    code: 'BAD_USER_INPUT',
    message: 'Unknown key purpose. Use pii, secrets or audit.',
  },
  UNKNOWN_ROLE: { code: 'BAD_USER_INPUT', message: 'That role does not exist.' },
  UNKNOWN_RULE: { code: 'NOT_FOUND', message: 'No detection rule has this key.' },
  UNSUPPORTED_MEDIA_TYPE: {
    code: 'BAD_USER_INPUT',
    message: 'Upload the placement file as CSV (text/csv).',
  },
  USER_NOT_ASSIGNABLE: {
    code: 'BAD_USER_INPUT',
    message: 'Only active users can be assigned or put on call.',
  },
  USER_NOT_FOUND: { code: 'NOT_FOUND', message: 'That user does not exist.' },
  VALIDATION_FAILED: {
    code: 'BAD_USER_INPUT',
    message: 'Some of the values you entered are not valid. Correct them and try again.',
  },
  WRITE_OUTSIDE_TRANSACTION: {
    code: 'INTERNAL_SERVER_ERROR',
    message: 'Something went wrong on our side while saving. Contact support with the request id.',
  },
  WRONG_CODE: { code: 'BAD_USER_INPUT', message: 'The code is wrong. Check it and try again.' },
  WRONG_COMPLETION: {
    code: 'CONFLICT',
    message:
      'This request completes another way: a rectification completes with the corrected values.',
  },
} as const satisfies Readonly<Record<string, ErrorReasonInfo>>;

/** Every reason this client knows. */
export type ErrorReason = keyof typeof ERROR_REASONS;
