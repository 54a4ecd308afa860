import { inTransaction } from '../../core/database/transaction';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { AuditActor } from '../audit';
import { ActorType } from '../audit';
import { AppConfigService } from '../../core/config/app-config.service';
import { TdeStatus, TdeStatusService } from '../../core/database/tde-status.service';
import { CryptoErrorCode, CryptoException } from './crypto.exception';
import { encryptedEntities, tableOf } from './encrypted-field.decorator';
import { CryptoKeyEntity, CryptoKeyStatus } from './entities/crypto-key.entity';
import { ReencryptionJobEntity, ReencryptionStatus } from './entities/reencryption-job.entity';
import { FieldCipherService, FieldLocation } from './services/field-cipher.service';
import { DATA_KEY_PURPOSES, DataKeyPurpose, KeyringService } from './services/keyring.service';
import {
  KeyReference,
  ReencryptionService,
  RunOptions,
  SealedColumns,
} from './services/reencryption.service';
import { keyIdOf } from './utils/ciphertext-format';
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

/** How often uses of keys scheduled for destruction are raised as alerts. */
const USE_ALERT_INTERVAL_MS = 10_000;
/** How often open jobs without a live owner are resumed and due key destructions run. */
const SWEEP_INTERVAL_MS = 60_000;
const SYSTEM: AuditActor = { type: ActorType.System, id: 'crypto' };

export interface DestructionReport {
  destroyed: CryptoKeyEntity[];
  /** Keys whose destruction was refused because something still uses them (back to decrypt-only). */
  refused: { key: CryptoKeyEntity; use: string }[];
}

/** The crypto module's surface: other modules call this, never the keyring or repositories. */
@Injectable()
export class CryptoService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(CryptoService.name);
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(
    private readonly keyring: KeyringService,
    private readonly cipher: FieldCipherService,
    private readonly reencryption: ReencryptionService,
    private readonly tde: TdeStatusService,
    private readonly audit: AuditService,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfigService,
  ) {}

  /**
   * Alerts on uses of keys scheduled for destruction; unless this is an operator's one-off process,
   * resumes re-encryption jobs nobody owns and destroys keys whose waiting period ended, at start
   * and every minute.
   */
  async onApplicationBootstrap(): Promise<void> {
    const every = (ms: number, work: () => Promise<unknown>, what: string) => {
      const timer = setInterval(() => {
        work().catch((e: unknown) =>
          this.logger.error(`${what} failed: ${e instanceof Error ? e.message : 'unknown'}`),
        );
      }, ms);
      timer.unref();
      this.timers.push(timer);
    };
    every(USE_ALERT_INTERVAL_MS, () => this.alertScheduledKeyUses(), 'alerting key uses');
    if (this.config.get('BACKGROUND_JOBS') === 'off') return;
    // A failed first sweep does not stop the start: it runs again within a minute, loudly.
    await this.sweep().catch((e: unknown) =>
      this.logger.error(
        `the key and job sweep failed: ${e instanceof Error ? e.message : 'unknown'}`,
      ),
    );
    every(SWEEP_INTERVAL_MS, () => this.sweep(), 'the key and job sweep');
  }

  async onModuleDestroy(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    await this.alertScheduledKeyUses().catch((e: unknown) =>
      this.logger.error(`alerting key uses failed: ${e instanceof Error ? e.message : 'unknown'}`),
    );
  }

  private async sweep(): Promise<void> {
    for (const job of await this.reencryption.openJobs()) {
      if (job.status !== ReencryptionStatus.Pending) continue;
      this.logger.log(`resuming re-encryption of ${job.purpose}`);
      this.reencryption.runInBackground(job.purpose as DataKeyPurpose);
    }
    await this.destroyDueKeys(SYSTEM);
  }

  /** See ReencryptionService.declareSealedColumns (values sealed with `sealWithPurpose`). */
  declareSealedColumns(sealed: SealedColumns): void {
    this.reencryption.declareSealedColumns(sealed);
  }

  /** See ReencryptionService.declareKeyReference (e.g. audit checkpoints signed with a key). */
  declareKeyReference(reference: KeyReference): void {
    this.reencryption.declareKeyReference(reference);
  }

  blindIndex(kind: BlindIndexKind, value: string): Buffer | null {
    return this.cipher.blindIndex(kind, value);
  }

  ensureSubjectKey(subjectId: string, manager?: EntityManager): Promise<unknown> {
    return this.keyring.ensureSubjectKey(subjectId, manager);
  }

  /** Per-subject keys for many new subjects at once (see KeyringService.createSubjectKeys). */
  createSubjectKeys(subjectIds: string[], manager: EntityManager): Promise<void> {
    return this.keyring.createSubjectKeys(subjectIds, manager);
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
    return inTransaction(this.dataSource, manager, run);
  }

  /**
   * Seals bytes under a subject's own key (AES-256-GCM, the field format, AAD bound to `where`), in
   * the caller's transaction: the key row is share-locked like any encrypted write, so an erasure
   * (which destroys the key) waits for the write or the write sees the key destroyed and fails
   * with KEY_DESTROYED. Nothing sealed here survives the subject's erasure.
   */
  async sealForSubject(
    subjectId: string,
    plaintext: Buffer,
    where: FieldLocation,
    manager: EntityManager,
  ): Promise<Buffer> {
    const key = await this.keyring.ensureSubjectKey(subjectId, manager);
    await this.assertSubjectKeyLive(manager, key.id);
    return this.cipher.encryptBytes(plaintext, where, { subjectId });
  }

  /**
   * Opens what `sealForSubject` sealed for this subject and place. The key's state is read (share
   * lock) in the caller's transaction, so a key destroyed by another process refuses at once
   * (KEY_DESTROYED) even while this process still caches it; a value sealed under another
   * subject's key, row or column fails with DECRYPTION_FAILED.
   */
  async openForSubject(
    subjectId: string,
    sealed: Buffer,
    where: FieldLocation,
    manager: EntityManager,
  ): Promise<Buffer> {
    const keyId = keyIdOf(sealed);
    await this.assertSubjectKeyLive(manager, keyId, subjectId);
    await this.keyring.ensureLoaded([keyId]);
    return this.cipher.decryptBytes(sealed, where);
  }

  private async assertSubjectKeyLive(
    manager: EntityManager,
    keyId: number,
    subjectId?: string,
  ): Promise<void> {
    const [row] = await manager.query<{ status: CryptoKeyStatus; subject_id: string | null }[]>(
      'SELECT status, subject_id FROM crypto_keys WHERE id = ? LOCK IN SHARE MODE',
      [keyId],
    );
    if (subjectId !== undefined && row && row.subject_id !== subjectId)
      throw new CryptoException(
        CryptoErrorCode.DECRYPTION_FAILED,
        'The value is not sealed under this subject’s key',
      );
    if (!row || row.status !== CryptoKeyStatus.Active)
      throw new CryptoException(CryptoErrorCode.KEY_DESTROYED, 'The subject key was destroyed');
  }

  /**
   * Seals bytes under the active key of a shared purpose (AES-256-GCM, the field format, AAD bound
   * to `where`), in the caller's transaction: the key row is share-locked like any encrypted
   * write, so a rotation or retirement waits for it, and a key that stopped being active meanwhile
   * is replaced by the now-active one before sealing. Returns the key id used. The caller declares
   * the column with `declareSealedColumns`, so a rotation re-seals it and the key is never
   * destroyed while a value under it is kept.
   */
  async sealWithPurpose(
    purpose: DataKeyPurpose,
    plaintext: Buffer,
    where: FieldLocation,
    manager: EntityManager,
  ): Promise<{ sealed: Buffer; keyId: number }> {
    for (let tries = 0; tries < 3; tries++) {
      const key = this.keyring.activeKey(purpose);
      const state = (await this.keyring.lockForWrite(manager, [key.id])).get(key.id);
      if (state?.status === CryptoKeyStatus.Active) {
        const sealed = this.cipher.encryptBytes(plaintext, where, { purpose });
        if (keyIdOf(sealed) === key.id) return { sealed, keyId: key.id };
        continue;
      }
      await this.keyring.refreshActive(manager);
    }
    throw new CryptoException(
      CryptoErrorCode.KEY_NOT_ACTIVE,
      'A value was encrypted under a key that is no longer active; try again',
    );
  }

  /** Opens what `sealWithPurpose` sealed for this place (DECRYPTION_FAILED if moved or altered). */
  async openWithPurpose(sealed: Buffer, where: FieldLocation): Promise<Buffer> {
    await this.keyring.ensureLoaded([keyIdOf(sealed)]);
    return this.cipher.decryptBytes(sealed, where);
  }

  /** HMAC-SHA256 under the active key of a purpose (e.g. audit checkpoint signatures). */
  sign(purpose: DataKeyPurpose, data: string): { keyId: number; mac: Buffer } {
    const key = this.keyring.activeKey(purpose);
    return { keyId: key.id, mac: createHmac('sha256', key.key).update(data, 'utf8').digest() };
  }

  /**
   * The signature of a one-time link: an HMAC-SHA256 under the active `secrets` key over its scope,
   * id and expiry (ms), written `<keyId>.<mac base64url>`, so it is checked without a lookup.
   */
  signLink(scope: string, linkId: string, exp: number): string {
    const { keyId, mac } = this.sign('secrets', `${scope}|${linkId}|${exp}`);
    return `${keyId}.${mac.toString('base64url')}`;
  }

  /** Checks a link's signature and expiry as the URL gives them: 'ok', 'invalid' or 'expired'. */
  async checkLink(
    scope: string,
    linkId: string,
    exp: string,
    sig: string,
  ): Promise<'ok' | 'invalid' | 'expired'> {
    const parts = /^(\d{1,10})\.([A-Za-z0-9_-]{43})$/.exec(sig);
    if (!/^\d{13}$/.test(exp) || !parts) return 'invalid';
    const valid = await this.verifySignature(
      Number(parts[1]),
      `${scope}|${linkId}|${Number(exp)}`,
      Buffer.from(parts[2], 'base64url'),
    ).catch(() => false);
    if (!valid) return 'invalid';
    return Number(exp) <= Date.now() ? 'expired' : 'ok';
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
    return this.keyring.rotate(purpose, async (m, r) => {
      // A job still open for the previous key starts over: its finished tables are not finished
      // for this one.
      await this.reencryption.restartOpenJobs(m, purpose, r.current.id);
      await this.audit.record(
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
      );
    });
  }

  runReencryption(purpose: string, options?: RunOptions): Promise<ReencryptionJobEntity> {
    return this.reencryption.run(this.rotatablePurpose(purpose), options);
  }

  reencryptionProgress(purpose: string): Promise<ReencryptionJobEntity | null> {
    return this.reencryption.latest(this.rotatablePurpose(purpose));
  }

  /**
   * Retires a rotated (decrypt-only) key: destruction is scheduled after the waiting period, during
   * which the key still decrypts but every use is an alert, and which `cancelKeyDestruction` ends.
   * Refused while any stored value or signature uses the key, checked under the key row's exclusive
   * lock, the lock every writer takes in share mode, so no write can slip in between.
   */
  scheduleKeyDestruction(keyId: number, actor?: AuditActor): Promise<CryptoKeyEntity> {
    return this.dataSource.transaction('READ COMMITTED', async (m) => {
      const row = await this.keyring.lockKey(m, keyId);
      const purpose = this.retirablePurpose(row);
      if (row.status !== CryptoKeyStatus.DecryptOnly) {
        throw new CryptoException(
          CryptoErrorCode.KEY_NOT_RETIRABLE,
          `Only a rotated (decrypt-only) key can be retired; this one is ${row.status}`,
        );
      }
      const use = await this.reencryption.keyUse(m, purpose, keyId);
      if (use) {
        throw new CryptoException(
          CryptoErrorCode.KEY_STILL_IN_USE,
          `${use} still uses this key: run the re-encryption first`,
        );
      }
      const days = this.config.get('KEY_DESTRUCTION_WAITING_DAYS');
      const destroyAfter = new Date(Date.now() + days * 86_400_000);
      await this.keyring.transition(m, row, CryptoKeyStatus.ScheduledDestruction, destroyAfter);
      await this.recordKeyEvent(m, 'crypto.key_destruction_scheduled', row, actor, {
        destroyAfter: destroyAfter.toISOString(),
        waitingDays: days,
      });
      return row;
    });
  }

  /** Takes a key scheduled for destruction back to decrypt-only. */
  cancelKeyDestruction(keyId: number, actor?: AuditActor): Promise<CryptoKeyEntity> {
    return this.dataSource.transaction(async (m) => {
      const row = await this.keyring.lockKey(m, keyId);
      this.retirablePurpose(row);
      if (row.status !== CryptoKeyStatus.ScheduledDestruction) {
        throw new CryptoException(
          CryptoErrorCode.KEY_NOT_RETIRABLE,
          `The key is ${row.status}, not scheduled for destruction`,
        );
      }
      await this.keyring.transition(m, row, CryptoKeyStatus.DecryptOnly);
      await this.recordKeyEvent(m, 'crypto.key_destruction_cancelled', row, actor);
      return row;
    });
  }

  /**
   * Destroys the keys whose waiting period has ended, each after checking once more, under its row
   * lock, that nothing uses it; a key still in use goes back to decrypt-only, loudly.
   */
  async destroyDueKeys(actor?: AuditActor, now = new Date()): Promise<DestructionReport> {
    const report: DestructionReport = { destroyed: [], refused: [] };
    for (const due of await this.keyring.dueForDestruction(now)) {
      await this.dataSource.transaction('READ COMMITTED', async (m) => {
        const row = await this.keyring.lockKey(m, due.id);
        if (
          row.status !== CryptoKeyStatus.ScheduledDestruction ||
          !row.destroyAfter ||
          row.destroyAfter > now
        )
          return;
        const purpose = this.retirablePurpose(row);
        const use = await this.reencryption.keyUse(m, purpose, row.id);
        if (use) {
          await this.keyring.transition(m, row, CryptoKeyStatus.DecryptOnly);
          await this.recordKeyEvent(m, 'crypto.key_destruction_refused', row, actor, {
            stillUsedBy: use,
          });
          report.refused.push({ key: row, use });
          return;
        }
        await this.keyring.transition(m, row, CryptoKeyStatus.Destroyed);
        await this.recordKeyEvent(m, 'crypto.key_destroyed', row, actor);
        report.destroyed.push(row);
      });
    }
    return report;
  }

  /** Every use of a key scheduled for destruction is an alert (counted per key per interval). */
  async alertScheduledKeyUses(): Promise<number> {
    const uses = this.keyring.drainScheduledUses();
    for (const [keyId, count] of uses) {
      await this.audit.record({
        action: 'crypto.scheduled_key_used',
        actor: SYSTEM,
        resourceType: 'CryptoKey',
        resourceId: String(keyId),
        changes: { uses: count },
      });
    }
    return uses.size;
  }

  private recordKeyEvent(
    m: EntityManager,
    action: string,
    row: CryptoKeyEntity,
    actor: AuditActor | undefined,
    extra: Record<string, unknown> = {},
  ) {
    return this.audit.record(
      {
        action,
        actor,
        resourceType: 'CryptoKey',
        resourceId: String(row.id),
        changes: { purpose: row.purpose, version: row.version, status: row.status, ...extra },
      },
      m,
    );
  }

  private retirablePurpose(row: CryptoKeyEntity): DataKeyPurpose {
    if (row.subjectId || !ROTATABLE.some((p) => p === row.purpose)) {
      throw new CryptoException(
        CryptoErrorCode.KEY_NOT_RETIRABLE,
        'Only rotated purpose keys are retired (subject keys are shredded with their subject)',
      );
    }
    return row.purpose as DataKeyPurpose;
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
