import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { TdeStatus, TdeStatusService } from '../../core/database/tde-status.service';
import { CryptoErrorCode, CryptoException } from './crypto.exception';
import { encryptedEntities, tableOf } from './encrypted-field.decorator';
import { CryptoKeyEntity } from './entities/crypto-key.entity';
import { ReencryptionJobEntity } from './entities/reencryption-job.entity';
import { FieldCipherService } from './services/field-cipher.service';
import { DATA_KEY_PURPOSES, DataKeyPurpose, KeyringService } from './services/keyring.service';
import { ReencryptionService, RunOptions } from './services/reencryption.service';
import { BlindIndexKind } from './utils/normalize';

export interface EncryptedColumn {
  table: string;
  field: string;
  keyScope: string;
  blindIndexed: boolean;
  masked: boolean;
}

/** Purposes whose rotation is a plain re-encryption; blind-index keys would need a re-index instead. */
const ROTATABLE: DataKeyPurpose[] = ['pii', 'secrets', 'audit'];

/** The crypto module's surface: other modules call this, never the keyring or repositories. */
@Injectable()
export class CryptoService implements OnApplicationBootstrap {
  private readonly logger = new Logger(CryptoService.name);

  constructor(
    private readonly keyring: KeyringService,
    private readonly cipher: FieldCipherService,
    private readonly reencryption: ReencryptionService,
    private readonly tde: TdeStatusService,
  ) {}

  /** Resume re-encryption jobs a crash or restart interrupted. */
  async onApplicationBootstrap(): Promise<void> {
    for (const job of await this.reencryption.openJobs()) {
      this.logger.log(`resuming re-encryption of ${job.purpose}`);
      this.reencryption.runInBackground(job.purpose as DataKeyPurpose);
    }
  }

  blindIndex(kind: BlindIndexKind, value: string): Buffer | null {
    return this.cipher.blindIndex(kind, value);
  }

  ensureSubjectKey(subjectId: string, manager?: EntityManager): Promise<unknown> {
    return this.keyring.ensureSubjectKey(subjectId, manager);
  }

  destroySubjectKey(subjectId: string, manager?: EntityManager): Promise<boolean> {
    return this.keyring.destroySubjectKey(subjectId, manager);
  }

  listKeys(): Promise<CryptoKeyEntity[]> {
    return this.keyring.listKeys();
  }

  /** New version for new writes; old rows move in the background. */
  async rotateDataKey(
    purpose: string,
  ): Promise<{ previous: CryptoKeyEntity; current: CryptoKeyEntity; job: ReencryptionJobEntity }> {
    const p = this.rotatablePurpose(purpose);
    const { previous, current } = await this.keyring.rotate(p);
    const job = await this.reencryption.start(p);
    this.reencryption.runInBackground(p);
    return { previous, current, job };
  }

  /** Rotation for operators who run the re-encryption themselves (CLI). */
  rotateDataKeyWithoutJob(
    purpose: string,
  ): Promise<{ previous: CryptoKeyEntity; current: CryptoKeyEntity }> {
    return this.keyring.rotate(this.rotatablePurpose(purpose));
  }

  runReencryption(purpose: string, options?: RunOptions): Promise<ReencryptionJobEntity> {
    return this.reencryption.run(this.rotatablePurpose(purpose), options);
  }

  reencryptionProgress(purpose: string): Promise<ReencryptionJobEntity | null> {
    return this.reencryption.latest(this.rotatablePurpose(purpose));
  }

  /** Destroys a rotated key once no stored value uses it any more. */
  async retireDataKey(keyId: number): Promise<CryptoKeyEntity> {
    const key = (await this.keyring.listKeys()).find((k) => k.id === keyId);
    if (!key)
      throw new CryptoException(CryptoErrorCode.KEY_NOT_FOUND, `Data key ${keyId} not found`);
    const purpose = this.rotatablePurpose(key.purpose);
    if (await this.reencryption.isKeyInUse(purpose, keyId)) {
      throw new CryptoException(
        CryptoErrorCode.KEY_STILL_IN_USE,
        'Stored values still use this key: run the re-encryption first',
      );
    }
    return this.keyring.retire(keyId);
  }

  rewrapDataKeys(): Promise<number> {
    return this.keyring.rewrapAll();
  }

  keyCacheStats() {
    return this.keyring.stats();
  }

  encryptedColumns(): EncryptedColumn[] {
    return encryptedEntities().flatMap((fields) =>
      fields.map((f) => ({
        table: tableOf(f.entity),
        field: f.property,
        keyScope: f.subjectProperty ? 'subject' : (f.purpose ?? 'pii'),
        blindIndexed: Boolean(f.blindIndex),
        masked: Boolean(f.hint),
      })),
    );
  }

  async encryptionStatus(): Promise<{ tde: TdeStatus; columns: EncryptedColumn[] }> {
    return { tde: await this.tde.status(), columns: this.encryptedColumns() };
  }

  private rotatablePurpose(purpose: string): DataKeyPurpose {
    const p = DATA_KEY_PURPOSES.find((x) => x === purpose);
    if (!p || !ROTATABLE.includes(p)) {
      throw new CryptoException(
        CryptoErrorCode.UNKNOWN_PURPOSE,
        `Purpose must be one of: ${ROTATABLE.join(', ')}`,
      );
    }
    return p;
  }
}
