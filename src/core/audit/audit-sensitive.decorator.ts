/** Root Query fields whose every call is audited (PII reveal, exports, audit search itself). */
export const SENSITIVE_QUERIES = new Set<string>();

/** Marks a Query as sensitive: the audit capture records each call, like a mutation. */
export function AuditSensitive(): MethodDecorator {
  return (_target, propertyKey) => {
    SENSITIVE_QUERIES.add(String(propertyKey));
  };
}
