import type { Principal } from '../request/request-store';

/** One data subject whose personal fields an operation returned in full, and which fields. */
export interface PiiRead {
  /** The data subject (a customer id). */
  customerId: string;
  /** Schema field names (`phone`, `notes`), sorted. */
  fields: string[];
}

/**
 * What one GraphQL operation returned unmasked, collected by the `@PiiField` middleware and written
 * once when execution ends (PII_READ_RECORDER). It lives on the operation's GraphQL context, not
 * on the RequestContext: the access guard builds a new RequestContext for every top-level field,
 * while fields resolve concurrently, so notes made there would be lost.
 */
export class PiiReadLog {
  private readonly byCustomer = new Map<string, Set<string>>();
  private reader: Principal | null = null;

  note(principal: Principal, customerId: string, field: string): void {
    this.reader ??= principal;
    let fields = this.byCustomer.get(customerId);
    if (!fields) this.byCustomer.set(customerId, (fields = new Set()));
    fields.add(field);
  }

  get size(): number {
    return this.byCustomer.size;
  }

  /** Everything noted so far, and forgets it (a flush writes each read once). */
  drain(): { principal: Principal; reads: PiiRead[] } | null {
    if (!this.reader || this.byCustomer.size === 0) return null;
    const reads = [...this.byCustomer].map(([customerId, fields]) => ({
      customerId,
      fields: [...fields].sort(),
    }));
    const principal = this.reader;
    this.byCustomer.clear();
    this.reader = null;
    return { principal, reads };
  }
}

/**
 * Writes an operation's unmasked reads to the read-access log; implemented by the customers module
 * (core knows no domain). Rejects when they could not be written: the caller then withholds the
 * response, so no personal value leaves unrecorded.
 */
export interface PiiReadRecorder {
  recordReads(reads: PiiRead[], principal: Principal): Promise<void>;
}

export const PII_READ_RECORDER = Symbol('PII_READ_RECORDER');
