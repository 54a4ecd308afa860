import { createHmac, timingSafeEqual } from 'node:crypto';
import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { AuditActor } from '../audit/audit.types';
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
    private readonly audit: AuditService,
    @InjectDataSource() private readonly dataSource: DataSource,
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

  /** Crypto-shredding, audited in the same transaction (the caller's, when it passes one). */
  destroySubjectKey(
    subjectId: string,
    manager?: EntityManager,
    actor?: AuditActor,
  ): Promise<boolean> {
    const run = async (m: EntityManager) => {
      const destroyed = await this.keyring.destroySubjectKey(subjectId, m);
      if (destroyed) {
        await this.audit.record(
          {
            action: 'crypto.subject_key_destroyed',
            actor,
            resourceType: 'Subject',
            resourceId: subjectId,
          },
          m,
        );
      }
      return destroyed;
    };
    return manager ? run(manager) : this.dataSource.transaction(run);
  }

  /** HMAC-SHA256 under the active key of a purpose (e.g. audit checkpoint signatures). */
  sign(purpose: DataKeyPurpose, data: string): { keyId: number; mac: Buffer } {
    const key = this.keyring.activeKey(purpose);
    return { keyId: key.id, mac: createHmac('sha256', key.key).update(data, 'utf8').digest() };
  }

  /** Checks a signature made by `sign`, with the key it names (constant time). */
  async verifySignature(keyId: number, data: string, mac: Buffer): Promise<boolean> {
    await this.keyring.ensureLoaded([keyId]);
    const expected = createHmac('sha256', this.keyring.keyById(keyId).key)
      .update(data, 'utf8')
      .digest();
    return expected.length === mac.length && timingSafeEqual(expected, mac);
  }

  listKeys(): Promise<CryptoKeyEntity[]> {
    return this.keyring.listKeys();
  }

  /** New version for new writes; old rows move in the background. */
  async rotateDataKey(
    purpose: string,
    actor?: AuditActor,
  ): Promise<{ previous: CryptoKeyEntity; current: CryptoKeyEntity; job: ReencryptionJobEntity }> {
    const p = this.rotatablePurpose(purpose);
    const { previous, current } = await this.rotateAudited(p, actor);
    const job = await this.reencryption.start(p);
    this.reencryption.runInBackground(p);
    return { previous, current, job };
  }

  /** Rotation for operators who run the re-encryption themselves (CLI). */
  rotateDataKeyWithoutJob(
    purpose: string,
    actor?: AuditActor,
  ): Promise<{ previous: CryptoKeyEntity; current: CryptoKeyEntity }> {
    return this.rotateAudited(this.rotatablePurpose(purpose), actor);
  }

  private rotateAudited(purpose: DataKeyPurpose, actor?: AuditActor) {
    return this.keyring.rotate(purpose, (m, r) =>
      this.audit.record(
        {
          action: 'crypto.key_rotated',
          actor,
          resourceType: 'CryptoKey',
          resourceId: String(r.current.id),
          changes: {
            purpose,
            before: { keyId: r.previous.id, version: r.previous.version },
            after: { keyId: r.current.id, version: r.current.version },
          },
        },
        m,
      ),
    );
  }

  runReencryption(purpose: string, options?: RunOptions): Promise<ReencryptionJobEntity> {
    return this.reencryption.run(this.rotatablePurpose(purpose), options);
  }

  reencryptionProgress(purpose: string): Promise<ReencryptionJobEntity | null> {
    return this.reencryption.latest(this.rotatablePurpose(purpose));
  }

  /** Destroys a rotated key once no stored value uses it any more. */
  async retireDataKey(keyId: number, actor?: AuditActor): Promise<CryptoKeyEntity> {
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
    return this.dataSource.transaction(async (m) => {
      const retired = await this.keyring.retire(keyId, m);
      await this.audit.record(
        {
          action: 'crypto.key_retired',
          actor,
          resourceType: 'CryptoKey',
          resourceId: String(keyId),
          changes: { purpose, version: retired.version },
        },
        m,
      );
      return retired;
    });
  }

  async rewrapDataKeys(actor?: AuditActor): Promise<number> {
    const count = await this.keyring.rewrapAll();
    await this.audit.record({
      action: 'crypto.master_key_rewrapped',
      actor,
      resourceType: 'CryptoKey',
      changes: { rewrapped: count },
    });
    return count;
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
