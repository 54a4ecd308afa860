import type { EntityMetadata } from 'typeorm';
import { encryptedFieldsOf } from '../crypto';
import { CustomerEntity } from './entities/customer.entity';

/**
 * The customer entity's properties a read must load for `fields` of CustomerDTO to resolve exactly
 * as from the full row: a plain field's own column; a personal field's ciphertext, its masked form
 * (what a masked read returns, decrypting nothing) and the property naming its key's subject; and
 * always the id (the row's identity, and the data subject a full read is logged against). Null,
 * meaning every column, when `fields` is null or names anything that is not a column or an
 * encrypted field, so a new DTO field can never silently come back empty.
 */
/**
 * Customer fields resolved elsewhere from the customer's id alone (outreach's CustomerTasksResolver
 * loads `tasks` by `customer.id`). A field resolver added later that reads more of the row is not
 * here, so it gets the full row until it is added with what it reads.
 */
const RESOLVED_FROM_ID = new Set(['tasks']);

export function customerColumnsFor(
  metadata: EntityMetadata,
  fields: readonly string[] | null,
): string[] | null {
  if (fields === null) return null;
  const columns = new Set(metadata.columns.map((c) => c.propertyName));
  const encrypted = new Map(encryptedFieldsOf(CustomerEntity).map((s) => [s.property, s]));
  const wanted = new Set<string>(['id']);
  for (const field of fields) {
    const spec = encrypted.get(field);
    if (spec) {
      wanted.add(spec.cipherProperty);
      if (spec.hint) wanted.add(spec.hint.property);
      if (spec.subjectProperty) wanted.add(spec.subjectProperty);
    } else if (columns.has(field)) wanted.add(field);
    else if (RESOLVED_FROM_ID.has(field)) continue;
    else return null;
  }
  return [...wanted];
}
