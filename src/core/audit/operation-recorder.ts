/**
 * What core needs from the audit log, as an interface the audit module implements (the way
 * identity plugs in through AUTHENTICATOR): the GraphQL capture records every operation through it,
 * and readiness asks it whether the log takes writes.
 */
export interface OperationRecord {
  /** `graphql.<field>` */
  action: string;
  resourceType: string;
  resourceId: string;
  succeeded: boolean;
  errorCode: string | null;
  durationMs: number;
  /** The field's arguments as the client sent them (untrusted: the log keeps only what it may). */
  args: Record<string, unknown>;
}

export interface AuditLogHealth {
  ok: boolean;
  failedEntries: number;
  lastFailureAt: Date | null;
}

export interface OperationRecorder {
  /** Records one operation; rejects when the entry could not be written. */
  recordOperation(record: OperationRecord): Promise<void>;
  /** Whether the log takes writes (after retrying once when it was failing). */
  health(): Promise<AuditLogHealth>;
}

export const OPERATION_RECORDER = Symbol('OPERATION_RECORDER');
