import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import {
  DataSource,
  EntitySubscriberInterface,
  InsertEvent,
  QueryRunner,
  TransactionCommitEvent,
  TransactionRollbackEvent,
  UpdateEvent,
} from 'typeorm';
import { CryptoErrorCode, CryptoException } from './crypto.exception';
import { EncryptedFieldSpec, encryptedFieldsOf, keyIdsOf } from './encrypted-field.decorator';
import { CryptoKeyStatus } from './entities/crypto-key.entity';
import { KeyringService } from './services/keyring.service';
import { keyIdOf } from './utils/ciphertext-format';

/** A write whose key went stale is redone under the fresh active key at most this often. */
const MAX_REDOS = 2;

type Row = Record<string, unknown>;

/**
 * Keeps encrypted fields and their keys consistent around the database:
 * - after rows load, the data keys their encrypted fields name are in memory (one query);
 * - before a row is written, the keys of the ciphertexts it writes are share-locked and checked in
 *   the write's own transaction. A key rotated or retired since this process last looked (processes
 *   refresh their active key every 30 s) is not written under: the value is encrypted again under the
 *   now-active key. A destroyed subject key refuses the write. Rotation and retirement lock the key row
 *   exclusively, so no value can commit under a key after it stopped being active.
 */
@Injectable()
export class EncryptedFieldSubscriber implements EntitySubscriberInterface {
  /** Keys already checked (and share-locked) by the transaction open on a query runner. */
  private readonly checked = new WeakMap<QueryRunner, Set<number>>();

  constructor(
    @InjectDataSource() dataSource: DataSource,
    private readonly keyring: KeyringService,
  ) {
    dataSource.subscribers.push(this);
  }

  afterLoad(entity: object): Promise<void> | void {
    if (encryptedFieldsOf(entity.constructor).length === 0) return;
    const missing = keyIdsOf(entity).filter((id) => !this.keyring.isLoaded(id));
    if (missing.length > 0) return this.keyring.ensureLoaded(missing);
  }

  beforeInsert(event: InsertEvent<object>): Promise<void> | void {
    return this.guard(event.queryRunner, event.metadata.target, event.entity);
  }

  beforeUpdate(event: UpdateEvent<object>): Promise<void> | void {
    if (!event.entity) return;
    // A save knows which columns changed; a query-builder update writes every value it was given.
    const changed = event.databaseEntity
      ? new Set(event.updatedColumns.map((c) => c.propertyName))
      : undefined;
    return this.guard(event.queryRunner, event.metadata.target, event.entity, changed);
  }

  afterTransactionCommit(event: TransactionCommitEvent): void {
    this.checked.delete(event.queryRunner);
  }

  afterTransactionRollback(event: TransactionRollbackEvent): void {
    this.checked.delete(event.queryRunner);
  }

  private guard(
    runner: QueryRunner,
    target: unknown,
    entity: object | undefined,
    changed?: Set<string>,
  ): Promise<void> | void {
    if (typeof target !== 'function' || !entity) return;
    const specs = encryptedFieldsOf(target);
    if (specs.length === 0) return;
    const row = entity as Row;
    const written = () =>
      specs.filter(
        (s) =>
          Buffer.isBuffer(row[s.cipherProperty]) && (!changed || changed.has(s.cipherProperty)),
      );
    if (written().length === 0) return;
    return this.check(runner, row, written);
  }

  private async check(
    runner: QueryRunner,
    row: Row,
    written: () => EncryptedFieldSpec[],
  ): Promise<void> {
    for (let redo = 0; ; redo++) {
      const fields = written();
      const seen = this.checked.get(runner) ?? new Set<number>();
      const ids = [...new Set(fields.map((s) => keyIdOf(row[s.cipherProperty] as Buffer)))].filter(
        (id) => !seen.has(id),
      );
      if (ids.length === 0) return;
      if (!runner.isTransactionActive) {
        throw new CryptoException(
          CryptoErrorCode.WRITE_OUTSIDE_TRANSACTION,
          'Encrypted values are written inside a transaction',
        );
      }
      const states = await this.keyring.lockForWrite(runner.manager, ids);
      const stale = new Set<number>();
      for (const id of ids) {
        const state = states.get(id);
        if (state?.status === CryptoKeyStatus.Active) seen.add(id);
        else if (!state || state.subject)
          throw new CryptoException(
            CryptoErrorCode.KEY_DESTROYED,
            'The key this value needs was destroyed',
          );
        else stale.add(id);
      }
      this.checked.set(runner, seen);
      if (stale.size === 0) return;
      const redoable = fields.filter((s) => stale.has(keyIdOf(row[s.cipherProperty] as Buffer)));
      // Only an entity (whose fields decrypt through their accessors) can be encrypted again here.
      if (redo >= MAX_REDOS || redoable.some((s) => !(s.property in row))) {
        throw new CryptoException(
          CryptoErrorCode.KEY_NOT_ACTIVE,
          'A value was encrypted under a key that is no longer active; try again',
        );
      }
      await this.keyring.refreshActive(runner.manager);
      for (const s of redoable) {
        this.keyring.noteStaleWrite();
        // Through the accessors: the plaintext comes back and is encrypted under the active key.
        const plain = row[s.property];
        row[s.property] = plain;
      }
    }
  }
}
