import { getMetadataArgsStorage } from 'typeorm';
import { CryptoErrorCode, CryptoException } from './crypto.exception';
import type { DataKeyPurpose } from './services/keyring.service';
import type { FieldCipherService } from './services/field-cipher.service';
import { keyIdOf } from './utils/ciphertext-format';
import type { BlindIndexKind } from './utils/normalize';

export interface EncryptedFieldOptions {
  /** The column property that stores the ciphertext (VARBINARY). */
  cipherProperty: string;
  /** Shared purpose key (default `pii`), rotated by `rotateDataKey`. */
  purpose?: DataKeyPurpose;
  /** Use the per-subject key of `this[subjectProperty]` instead: crypto-shredded on erasure. */
  subjectProperty?: string;
  /** Column property for an HMAC blind index of the normalized value (equality lookups). */
  blindIndex?: { kind: BlindIndexKind; property: string };
  /** Column property for a masked form kept beside the ciphertext (masked reads cost no decryption). */
  hint?: { property: string; mask: (plain: string) => string };
  /** Column properties for coarse clear values derived on write (e.g. a phone's region and zones). */
  derived?: { property: string; derive: (plain: string) => string }[];
}

export interface EncryptedFieldSpec extends EncryptedFieldOptions {
  entity: Function; // eslint-disable-line @typescript-eslint/no-unsafe-function-type
  property: string;
}

interface Slot {
  source: unknown;
  plain: string | null | undefined;
}

const specs = new Map<Function, EncryptedFieldSpec[]>(); // eslint-disable-line @typescript-eslint/no-unsafe-function-type
const slots = new WeakMap<object, Map<string, Slot>>();
/**
 * Field ciphers of the running applications, newest last. Decorators cannot receive injected
 * services, so CryptoModule registers its cipher here at start-up and removes it at shutdown (a
 * process normally runs one app; tests and tools may briefly run two against the same keys).
 */
const ciphers: FieldCipherService[] = [];

export function installFieldCipher(service: FieldCipherService): void {
  ciphers.push(service);
}

export function uninstallFieldCipher(service: FieldCipherService): void {
  const i = ciphers.lastIndexOf(service);
  if (i >= 0) ciphers.splice(i, 1);
}

function activeCipher(): FieldCipherService {
  const cipher = ciphers[ciphers.length - 1];
  if (!cipher) {
    throw new CryptoException(
      CryptoErrorCode.KEY_NOT_LOADED,
      'Field encryption is not initialised',
    );
  }
  return cipher;
}

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export function encryptedFieldsOf(entity: Function): EncryptedFieldSpec[] {
  const own = specs.get(entity) ?? [];
  const parent = Object.getPrototypeOf(entity) as Function | null; // eslint-disable-line @typescript-eslint/no-unsafe-function-type
  return parent && parent !== Function.prototype ? [...encryptedFieldsOf(parent), ...own] : own;
}

/** Every entity with encrypted fields, for rotation and status reports. */
export function encryptedEntities(): EncryptedFieldSpec[][] {
  return [...specs.values()];
}

const tableNames = new Map<Function, string>(); // eslint-disable-line @typescript-eslint/no-unsafe-function-type
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export function tableOf(entity: Function): string {
  let name = tableNames.get(entity);
  if (!name) {
    const table = getMetadataArgsStorage().tables.find((t) => t.target === entity);
    if (!table?.name)
      throw new Error(`${entity.name} has encrypted fields but no @Entity('table_name')`);
    name = table.name;
    tableNames.set(entity, name);
  }
  return name;
}

type Row = Record<string, unknown> & { id?: unknown };

function locationOf(row: Row, spec: EncryptedFieldSpec) {
  const rowId = row.id;
  if (typeof rowId !== 'string' || rowId === '') {
    throw new CryptoException(
      CryptoErrorCode.MISSING_ROW_ID,
      `Set ${spec.entity.name}.id before ${spec.property}: the ciphertext is bound to its row`,
    );
  }
  return { table: tableOf(spec.entity), column: spec.property, rowId };
}

function slotOf(row: object, property: string): Slot | undefined {
  return slots.get(row)?.get(property);
}

function setSlot(row: object, property: string, slot: Slot): void {
  let map = slots.get(row);
  if (!map) {
    map = new Map();
    slots.set(row, map);
  }
  map.set(property, slot);
}

/**
 * Declares an application-encrypted field. Services read and write `entity.<property>` as
 * plaintext; the value is encrypted into `cipherProperty` when set and decrypted lazily, once, when
 * first read, so a query that never reads a field never pays for its decryption.
 */
export function EncryptedField(options: EncryptedFieldOptions): PropertyDecorator {
  return (target, propertyKey) => {
    const property = String(propertyKey);
    const spec: EncryptedFieldSpec = { ...options, entity: target.constructor, property };
    specs.set(target.constructor, [...(specs.get(target.constructor) ?? []), spec]);

    Object.defineProperty(target, property, {
      configurable: false,
      enumerable: true,
      get(this: Row): string | null | undefined {
        const stored = this[spec.cipherProperty];
        const slot = slotOf(this, property);
        if (slot && slot.source === stored) return slot.plain;
        if (stored === null || stored === undefined) return stored;
        if (!Buffer.isBuffer(stored)) {
          throw new CryptoException(
            CryptoErrorCode.MALFORMED_CIPHERTEXT,
            `${property} holds no ciphertext`,
          );
        }
        const plain = activeCipher().decrypt(stored, locationOf(this, spec));
        setSlot(this, property, { source: stored, plain });
        return plain;
      },
      set(this: Row, value: string | null | undefined) {
        if (value === undefined) return;
        if (value !== null && typeof value !== 'string') {
          throw new CryptoException(CryptoErrorCode.INVALID_VALUE, `${property} must be a string`);
        }
        let stored: Buffer | null = null;
        if (value !== null) {
          const selector = spec.subjectProperty
            ? { subjectId: String(this[spec.subjectProperty]) }
            : { purpose: spec.purpose ?? 'pii' };
          stored = activeCipher().encrypt(value, locationOf(this, spec), selector);
        }
        this[spec.cipherProperty] = stored;
        if (spec.blindIndex) {
          this[spec.blindIndex.property] =
            value === null ? null : activeCipher().blindIndex(spec.blindIndex.kind, value);
        }
        if (spec.hint) this[spec.hint.property] = value === null ? null : spec.hint.mask(value);
        for (const d of spec.derived ?? [])
          this[d.property] = value === null ? null : d.derive(value);
        setSlot(this, property, { source: stored, plain: value });
      },
    });
  };
}

/** The data key ids a loaded row's encrypted fields need. */
export function keyIdsOf(row: object): number[] {
  const ids: number[] = [];
  for (const spec of encryptedFieldsOf(row.constructor)) {
    const stored = (row as Row)[spec.cipherProperty];
    if (Buffer.isBuffer(stored)) {
      try {
        ids.push(keyIdOf(stored));
      } catch {
        // A malformed value fails with its code when (and if) the field is read.
      }
    }
  }
  return ids;
}
