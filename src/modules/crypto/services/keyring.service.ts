import { randomBytes } from 'node:crypto';
import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleDestroy,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, In, IsNull, LessThanOrEqual, Not } from 'typeorm';
import { AppConfigService } from '../../../core/config/app-config.service';
import { CryptoErrorCode, CryptoException } from '../crypto.exception';
import { CryptoKeyEntity, CryptoKeyStatus } from '../entities/crypto-key.entity';
import { KMS_PROVIDER, KmsProvider, WrapContext } from '../kms/kms-provider';
import { KEY_BYTES } from '../utils/aes-gcm';

/** Shared, versioned data keys. Per-subject keys use the purpose `subject`. */
export const DATA_KEY_PURPOSES = ['pii', 'secrets', 'blind-index', 'audit'] as const;
export type DataKeyPurpose = (typeof DATA_KEY_PURPOSES)[number];
export const SUBJECT_PURPOSE = 'subject';

export interface LoadedKey {
  id: number;
  purpose: string;
  version: number;
  key: Buffer;
}

interface CacheEntry {
  key: LoadedKey | null; // null: destroyed
  status: CryptoKeyStatus;
  lastUsed: number;
}

/** A key's row as a writer sees it, share-locked in the writer's transaction. */
export interface KeyWriteState {
  status: CryptoKeyStatus;
  subject: boolean;
}

const MAX_CACHED_KEYS = 200_000;

/**
 * Owns data keys: creates, unwraps and caches them, rotates purposes, creates and destroys
 * per-subject keys. Field encryption reads keys synchronously from here; anything that loads rows
 * calls `ensureLoaded` first (the entity subscriber does).
 */
@Injectable()
export class KeyringService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(KeyringService.name);
  private readonly cache = new Map<number, CacheEntry>();
  private readonly inflight = new Map<number, Promise<void>>();
  private readonly active = new Map<string, LoadedKey>();
  private readonly subjects = new Map<string, number>();
  private readonly ttlMs: number;
  private readonly refreshMs: number;
  private refreshTimer?: NodeJS.Timeout;
  private hits = 0;
  private misses = 0;
  private staleWrites = 0;
  /** Uses (decryptions) of keys scheduled for destruction since the last drain, per key id. */
  private readonly scheduledUses = new Map<number, number>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(KMS_PROVIDER) private readonly kms: KmsProvider,
    config: AppConfigService,
  ) {
    this.ttlMs = config.get('DATA_KEY_CACHE_TTL_SECONDS') * 1000;
    this.refreshMs = config.get('ACTIVE_KEY_REFRESH_SECONDS') * 1000;
  }

  async onApplicationBootstrap(): Promise<void> {
    for (const purpose of DATA_KEY_PURPOSES) await this.ensurePurpose(purpose);
    await this.refreshActive();
    this.refreshTimer = setInterval(() => {
      this.refreshActive().catch((e: unknown) =>
        this.logger.warn(
          `refreshing active keys failed: ${e instanceof Error ? e.message : 'unknown'}`,
        ),
      );
      this.evictExpired();
    }, this.refreshMs);
    this.refreshTimer.unref();
  }

  onModuleDestroy(): void {
    if (this.refreshTimer) clearInterval(this.refreshTimer);
    for (const entry of this.cache.values()) entry.key?.key.fill(0);
    this.cache.clear();
    this.active.clear();
  }

  /** The key new values of this purpose are encrypted with. */
  activeKey(purpose: DataKeyPurpose): LoadedKey {
    const key = this.active.get(purpose);
    if (!key)
      throw new CryptoException(
        CryptoErrorCode.KEY_NOT_LOADED,
        `No active ${purpose} key is loaded`,
      );
    return key;
  }

  /** A key by id, from memory. Throws KEY_DESTROYED for shredded keys, KEY_NOT_LOADED if not ensured. */
  keyById(id: number): LoadedKey {
    const entry = this.cache.get(id);
    if (!entry) {
      this.misses++;
      throw new CryptoException(CryptoErrorCode.KEY_NOT_LOADED, `Data key ${id} is not loaded`);
    }
    this.hits++;
    entry.lastUsed = Date.now();
    // Map order is the LRU order: move the entry to the back.
    this.cache.delete(id);
    this.cache.set(id, entry);
    if (!entry.key)
      throw new CryptoException(CryptoErrorCode.KEY_DESTROYED, `Data key ${id} was destroyed`);
    if (entry.status === CryptoKeyStatus.ScheduledDestruction)
      this.scheduledUses.set(id, (this.scheduledUses.get(id) ?? 0) + 1);
    return entry.key;
  }

  /** Uses of keys scheduled for destruction since the last call (each one is an alert). */
  drainScheduledUses(): Map<number, number> {
    const uses = new Map(this.scheduledUses);
    this.scheduledUses.clear();
    return uses;
  }

  /**
   * The writer's side of the key lifecycle: share-locks the rows of the keys a write used, inside the
   * writer's transaction, and returns their states. A rotation or retirement takes the same rows
   * exclusively, so it waits for writes in flight, and a write that commits after it sees the new state.
   */
  async lockForWrite(manager: EntityManager, ids: number[]): Promise<Map<number, KeyWriteState>> {
    const rows = await manager.query<
      { id: number; status: CryptoKeyStatus; subject_id: string | null }[]
    >('SELECT id, status, subject_id FROM crypto_keys WHERE id IN (?) LOCK IN SHARE MODE', [ids]);
    return new Map(
      rows.map((r) => [Number(r.id), { status: r.status, subject: r.subject_id !== null }]),
    );
  }

  /** Counts a write that was made under a key no longer active and redone under the active one. */
  noteStaleWrite(): void {
    this.staleWrites++;
  }

  /** Locks a key's row exclusively (the lock writers wait on) and returns it. */
  async lockKey(manager: EntityManager, keyId: number): Promise<CryptoKeyEntity> {
    const row = await manager.getRepository(CryptoKeyEntity).findOne({
      where: { id: keyId },
      lock: { mode: 'pessimistic_write' },
    });
    if (!row)
      throw new CryptoException(CryptoErrorCode.KEY_NOT_FOUND, `Data key ${keyId} not found`);
    return row;
  }

  isLoaded(id: number): boolean {
    return this.cache.has(id);
  }

  /** Loads (unwraps) every listed key not yet in memory, with one query. */
  async ensureLoaded(ids: Iterable<number>): Promise<void> {
    const wanted = [...new Set(ids)];
    const missing = wanted.filter((id) => !this.cache.has(id));
    // Cache effectiveness counts every key a load needed: present ones as hits, fetched ones as misses.
    this.hits += wanted.length - missing.length;
    this.misses += missing.length;
    if (missing.length === 0) return;
    const waiting: Promise<void>[] = [];
    const toFetch: number[] = [];
    for (const id of missing) {
      const pending = this.inflight.get(id);
      if (pending) waiting.push(pending);
      else toFetch.push(id);
    }
    if (toFetch.length > 0) {
      const load = this.fetchAndUnwrap(toFetch).finally(() =>
        toFetch.forEach((id) => this.inflight.delete(id)),
      );
      toFetch.forEach((id) => this.inflight.set(id, load));
      waiting.push(load);
    }
    await Promise.all(waiting);
  }

  /** The per-subject key of a subject, created on first use. */
  async ensureSubjectKey(subjectId: string, manager?: EntityManager): Promise<LoadedKey> {
    const known = this.subjects.get(subjectId);
    if (known !== undefined && this.cache.get(known)?.key) return this.keyById(known);
    const repo = (manager ?? this.dataSource.manager).getRepository(CryptoKeyEntity);
    let row = await repo.findOneBy({ subjectId });
    if (!row) {
      const context: WrapContext = { purpose: SUBJECT_PURPOSE, version: 1, subjectId };
      try {
        row = await repo.save(
          repo.create({
            purpose: `${SUBJECT_PURPOSE}:${subjectId}`,
            version: 1,
            status: CryptoKeyStatus.Active,
            subjectId,
            wrappedKey: await this.newWrappedKey(context),
            masterKeyVersion: this.kms.currentVersion(),
            kmsProvider: this.kms.name,
          }),
        );
      } catch (e) {
        row = await repo.findOneBy({ subjectId });
        if (!row) throw e;
      }
    }
    if (row.status === CryptoKeyStatus.Destroyed) {
      throw new CryptoException(CryptoErrorCode.KEY_DESTROYED, 'The subject key was destroyed');
    }
    await this.cacheRow(row);
    this.subjects.set(subjectId, row.id);
    return this.keyById(row.id);
  }

  /**
   * New per-subject keys for subjects that have none yet (freshly made ids: a bulk import), in one
   * multi-row insert in the caller's transaction, then loaded. A subject that already has a key
   * makes the insert fail (unique subject_id): use ensureSubjectKey for those.
   */
  async createSubjectKeys(subjectIds: string[], manager: EntityManager): Promise<void> {
    if (subjectIds.length === 0) return;
    const repo = manager.getRepository(CryptoKeyEntity);
    const rows: Partial<CryptoKeyEntity>[] = [];
    for (const subjectId of subjectIds) {
      const context: WrapContext = { purpose: SUBJECT_PURPOSE, version: 1, subjectId };
      rows.push({
        purpose: `${SUBJECT_PURPOSE}:${subjectId}`,
        version: 1,
        status: CryptoKeyStatus.Active,
        subjectId,
        wrappedKey: await this.newWrappedKey(context),
        masterKeyVersion: this.kms.currentVersion(),
        kmsProvider: this.kms.name,
      });
    }
    await repo.createQueryBuilder().insert().values(rows).updateEntity(false).execute();
    for (const row of await repo.findBy({ subjectId: In(subjectIds) })) {
      await this.cacheRow(row);
      this.subjects.set(row.subjectId as string, row.id);
    }
  }

  subjectKeyIdSync(subjectId: string): number {
    const id = this.subjects.get(subjectId);
    if (id === undefined) {
      throw new CryptoException(CryptoErrorCode.KEY_NOT_LOADED, 'The subject key is not loaded');
    }
    return id;
  }

  /**
   * Crypto-shredding: the subject's key material is deleted, so every ciphertext under it (in the
   * database, in exports, in backups taken after the key store's retention window) is unreadable.
   */
  async destroySubjectKey(subjectId: string, manager?: EntityManager): Promise<boolean> {
    const repo = (manager ?? this.dataSource.manager).getRepository(CryptoKeyEntity);
    const row = await repo.findOneBy({ subjectId });
    if (!row || row.status === CryptoKeyStatus.Destroyed) return false;
    await repo.update(
      { id: row.id },
      { status: CryptoKeyStatus.Destroyed, wrappedKey: null, destroyedAt: new Date() },
    );
    this.forget(row.id);
    this.cache.set(row.id, {
      key: null,
      status: CryptoKeyStatus.Destroyed,
      lastUsed: Date.now(),
    });
    this.subjects.delete(subjectId);
    return true;
  }

  /**
   * Starts a new version of a purpose for new writes; the previous one becomes decrypt-only until the
   * re-encryption job has moved every row and it is retired.
   */
  async rotate(
    purpose: DataKeyPurpose,
    within?: (
      manager: EntityManager,
      r: { previous: CryptoKeyEntity; current: CryptoKeyEntity },
    ) => Promise<unknown>,
  ): Promise<{ previous: CryptoKeyEntity; current: CryptoKeyEntity }> {
    const result = await this.dataSource.transaction(async (manager) => {
      const repo = manager.getRepository(CryptoKeyEntity);
      const previous = await repo.findOne({
        where: { purpose, status: CryptoKeyStatus.Active },
        lock: { mode: 'pessimistic_write' },
      });
      if (!previous)
        throw new CryptoException(CryptoErrorCode.KEY_NOT_FOUND, `No active ${purpose} key`);
      const latest = await repo.findOne({ where: { purpose }, order: { version: 'DESC' } });
      const version = (latest?.version ?? previous.version) + 1;
      const current = await repo.save(
        repo.create({
          purpose,
          version,
          status: CryptoKeyStatus.Active,
          subjectId: null,
          wrappedKey: await this.newWrappedKey({ purpose, version, subjectId: null }),
          masterKeyVersion: this.kms.currentVersion(),
          kmsProvider: this.kms.name,
        }),
      );
      previous.status = CryptoKeyStatus.DecryptOnly;
      previous.rotatedAt = new Date();
      await repo.save(previous);
      await within?.(manager, { previous, current });
      return { previous, current };
    });
    await this.refreshActive();
    return result;
  }

  /**
   * Moves a locked purpose key (see `lockKey`) to its next lifecycle state. The caller holds the row
   * lock and has re-checked, under it, that no stored value uses the key.
   */
  async transition(
    manager: EntityManager,
    row: CryptoKeyEntity,
    to:
      | CryptoKeyStatus.ScheduledDestruction
      | CryptoKeyStatus.DecryptOnly
      | CryptoKeyStatus.Destroyed,
    destroyAfter: Date | null = null,
  ): Promise<CryptoKeyEntity> {
    const allowed: Record<string, CryptoKeyStatus[]> = {
      [CryptoKeyStatus.ScheduledDestruction]: [CryptoKeyStatus.DecryptOnly],
      [CryptoKeyStatus.DecryptOnly]: [CryptoKeyStatus.ScheduledDestruction],
      [CryptoKeyStatus.Destroyed]: [CryptoKeyStatus.ScheduledDestruction],
    };
    if (row.subjectId || !allowed[to].includes(row.status)) {
      throw new CryptoException(
        CryptoErrorCode.KEY_NOT_RETIRABLE,
        `A ${row.status} key cannot become ${to}`,
      );
    }
    row.status = to;
    row.destroyAfter = to === CryptoKeyStatus.ScheduledDestruction ? destroyAfter : null;
    if (to === CryptoKeyStatus.Destroyed) {
      row.wrappedKey = null;
      row.destroyedAt = new Date();
    }
    await manager.getRepository(CryptoKeyEntity).save(row);
    const cached = this.cache.get(row.id);
    if (to === CryptoKeyStatus.Destroyed) this.forget(row.id);
    else if (cached) cached.status = to;
    return row;
  }

  /** Keys scheduled for destruction whose waiting period has ended. */
  async dueForDestruction(now: Date): Promise<CryptoKeyEntity[]> {
    return this.dataSource.getRepository(CryptoKeyEntity).find({
      where: { status: CryptoKeyStatus.ScheduledDestruction, destroyAfter: LessThanOrEqual(now) },
      order: { id: 'ASC' },
    });
  }

  /**
   * Master key rotation: re-wraps every live data key under the current master key, in batches.
   * Rows (the encrypted fields) are not touched. Returns how many keys were re-wrapped.
   */
  async rewrapAll(batchSize = 500): Promise<number> {
    const current = this.kms.currentVersion();
    let total = 0;
    for (;;) {
      const done = await this.dataSource.transaction(async (manager) => {
        const repo = manager.getRepository(CryptoKeyEntity);
        const rows = await repo.find({
          where: { masterKeyVersion: Not(current), wrappedKey: Not(IsNull()) },
          take: batchSize,
          order: { id: 'ASC' },
          lock: { mode: 'pessimistic_write' },
        });
        for (const row of rows) {
          const context = contextOf(row);
          const key = await this.kms.unwrap(
            row.wrappedKey as Buffer,
            row.masterKeyVersion,
            context,
          );
          row.wrappedKey = await this.kms.wrap(key, context);
          row.masterKeyVersion = current;
          key.fill(0);
          await repo.save(row);
        }
        return rows.length;
      });
      total += done;
      if (done < batchSize) return total;
    }
  }

  async listKeys(): Promise<CryptoKeyEntity[]> {
    return this.dataSource.getRepository(CryptoKeyEntity).find({
      where: { subjectId: IsNull() },
      order: { purpose: 'ASC', version: 'ASC' },
    });
  }

  /** Cache effectiveness since start (reads of keys by id). */
  stats(): {
    hits: number;
    misses: number;
    cached: number;
    hitRate: number;
    staleWrites: number;
  } {
    const total = this.hits + this.misses;
    return {
      hits: this.hits,
      misses: this.misses,
      cached: this.cache.size,
      hitRate: total ? this.hits / total : 1,
      staleWrites: this.staleWrites,
    };
  }

  private async ensurePurpose(purpose: DataKeyPurpose): Promise<void> {
    const repo = this.dataSource.getRepository(CryptoKeyEntity);
    if (await repo.existsBy({ purpose, status: CryptoKeyStatus.Active })) return;
    try {
      await repo.insert({
        purpose,
        version: 1,
        status: CryptoKeyStatus.Active,
        subjectId: null,
        wrappedKey: await this.newWrappedKey({ purpose, version: 1, subjectId: null }),
        masterKeyVersion: this.kms.currentVersion(),
        kmsProvider: this.kms.name,
      });
      this.logger.log(`created the first ${purpose} data key`);
    } catch (e) {
      // Another instance created it first (unique purpose+version): use theirs.
      if (!(await repo.existsBy({ purpose, status: CryptoKeyStatus.Active }))) throw e;
    }
  }

  /**
   * A new data key, wrapped under the current master key: made by the KMS when it offers that
   * (AWS KMS GenerateDataKey), else drawn here and wrapped. Callers store only the wrapped key (it
   * is unwrapped again when loaded), so the plaintext is wiped at once.
   */
  private async newWrappedKey(context: WrapContext): Promise<Buffer> {
    if (this.kms.generateDataKey) {
      const { plainKey, wrapped } = await this.kms.generateDataKey(context);
      plainKey.fill(0);
      return wrapped;
    }
    const key = randomBytes(KEY_BYTES);
    try {
      return await this.kms.wrap(key, context);
    } finally {
      key.fill(0);
    }
  }

  /**
   * Reloads which key of each purpose is active, and the states of retired purpose keys held in
   * memory (a key scheduled for destruction counts its uses; a destroyed one is dropped).
   */
  async refreshActive(manager?: EntityManager): Promise<void> {
    // Inside a writer's transaction (`manager`): on its own connection (a second one from the pool
    // could wait forever behind writers that each hold one) and as a locking read, which sees the
    // latest committed rotation rather than the transaction's older snapshot.
    const rows = await (manager ?? this.dataSource.manager).getRepository(CryptoKeyEntity).find({
      where: { purpose: In([...DATA_KEY_PURPOSES]) },
      select: { id: true, purpose: true, version: true, status: true },
      ...(manager ? { lock: { mode: 'pessimistic_read' as const } } : {}),
    });
    const active = rows.filter((r) => r.status === CryptoKeyStatus.Active);
    for (const row of rows) {
      const cached = this.cache.get(row.id);
      if (!cached || cached.status === row.status) continue;
      if (row.status === CryptoKeyStatus.Destroyed) this.forget(row.id);
      else cached.status = row.status;
    }
    const missing = active.filter((r) => !this.cache.get(r.id)?.key).map((r) => r.id);
    if (missing.length) await this.fetchAndUnwrap(missing, manager);
    for (const row of active) {
      const loaded = this.cache.get(row.id)?.key;
      if (loaded) this.active.set(row.purpose, loaded);
    }
  }

  private async fetchAndUnwrap(ids: number[], manager?: EntityManager): Promise<void> {
    const rows = await (manager ?? this.dataSource.manager).getRepository(CryptoKeyEntity).find({
      where: { id: In(ids) },
      ...(manager ? { lock: { mode: 'pessimistic_read' as const } } : {}),
    });
    for (const row of rows) await this.cacheRow(row);
    for (const id of ids) {
      if (!this.cache.has(id)) {
        throw new CryptoException(CryptoErrorCode.KEY_NOT_FOUND, `Data key ${id} does not exist`);
      }
    }
  }

  private async cacheRow(row: CryptoKeyEntity): Promise<LoadedKey | null> {
    const cached = this.cache.get(row.id);
    if (cached) {
      cached.lastUsed = Date.now();
      cached.status = row.status;
      return cached.key;
    }
    let key: LoadedKey | null = null;
    if (row.status !== CryptoKeyStatus.Destroyed && row.wrappedKey) {
      const material = await this.kms.unwrap(row.wrappedKey, row.masterKeyVersion, contextOf(row));
      key = { id: row.id, purpose: row.purpose, version: row.version, key: material };
    }
    if (this.cache.size >= MAX_CACHED_KEYS) this.evictOldest();
    this.cache.set(row.id, { key, status: row.status, lastUsed: Date.now() });
    return key;
  }

  private forget(id: number): void {
    const entry = this.cache.get(id);
    entry?.key?.key.fill(0);
    this.cache.delete(id);
  }

  private evictExpired(): void {
    const activeIds = new Set([...this.active.values()].map((k) => k.id));
    const cutoff = Date.now() - this.ttlMs;
    for (const [id, entry] of this.cache) {
      if (entry.lastUsed < cutoff && !activeIds.has(id)) this.forget(id);
    }
  }

  private evictOldest(): void {
    const oldest = this.cache.keys().next();
    if (!oldest.done) this.forget(oldest.value);
  }
}

function contextOf(row: CryptoKeyEntity): WrapContext {
  return row.subjectId
    ? { purpose: SUBJECT_PURPOSE, version: row.version, subjectId: row.subjectId }
    : { purpose: row.purpose, version: row.version, subjectId: null };
}
