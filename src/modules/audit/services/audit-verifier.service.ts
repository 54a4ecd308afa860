import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { CryptoService } from '../../crypto/crypto.service';
import { VerifyResult } from '../audit.types';
import { AuditCheckpointEntity, CheckpointKind } from '../entities/audit-checkpoint.entity';
import { AuditEventEntity } from '../entities/audit-event.entity';
import { chainHash, GENESIS_HASH } from '../utils/canonical';
import { HeadRow } from './audit-chain.service';

const VERIFY_BATCH = 5000;

/** A signed checkpoint as an integrity proof carries it (hex), with its verification. */
export interface CheckpointProof {
  id: number;
  kind: string;
  uptoSeq: string;
  headHash: string;
  keyId: number;
  /** HMAC-SHA256 under the `audit` data key over `message`. */
  signature: string;
  createdAt: Date;
  message: string;
  signatureValid: boolean;
}

/** Verification, signed checkpoints of the head, and the retention purge: the parts that need keys. */
@Injectable()
export class AuditVerifierService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly crypto: CryptoService,
  ) {
    // A checkpoint's signature is checked with the key that made it: that key stays while it exists.
    crypto.declareKeyReference({
      purpose: 'audit',
      table: 'audit_checkpoints',
      column: 'key_id',
      what: 'audit checkpoint signatures',
    });
  }

  /**
   * Walks the chain from `from` to `to` (default: all there is) and returns the first broken link:
   * a gap, a row whose prev_hash does not match, a row whose content does not hash to its hash, a
   * checkpoint whose signature or hash disagrees, or a head that does not match the last row.
   */
  async verify(from?: string, to?: string): Promise<VerifyResult> {
    // The head first: it commits with its rows, so every row up to it is there, and appends that
    // land while the walk runs (a live system) are after it and not compared with it.
    const [head] = await this.dataSource.query<HeadRow[]>(
      'SELECT last_seq, last_hash FROM audit_chain_head WHERE id = 1',
    );
    const bounds = await this.dataSource.query<{ min: string | null; max: string | null }[]>(
      'SELECT MIN(seq) AS min, MAX(seq) AS max FROM audit_events',
    );
    const first = from ?? bounds[0].min;
    if (first === null) return { ok: true, checked: 0, firstSeq: null, lastSeq: null };
    const last =
      to ??
      (head && String(head.last_seq) !== '0' ? String(head.last_seq) : bounds[0].max) ??
      first;

    const anchor = await this.anchorBefore(BigInt(first));
    if (!anchor.ok) return { ok: false, checked: 0, brokenAt: first, reason: anchor.reason };
    const checkpoints = await this.checkpointsIn(first, last);

    let prev = anchor.hash;
    let expected = BigInt(first);
    let checked = 0;
    for (;;) {
      const rows = await this.dataSource
        .getRepository(AuditEventEntity)
        .createQueryBuilder('e')
        .where('e.seq >= :from AND e.seq <= :to', { from: expected.toString(), to: last })
        .orderBy('e.seq', 'ASC')
        .limit(VERIFY_BATCH)
        .getMany();
      for (const row of rows) {
        const seq = BigInt(row.seq);
        if (seq !== expected)
          return { ok: false, checked, brokenAt: expected.toString(), reason: 'gap' };
        if (!row.prevHash.equals(prev))
          return { ok: false, checked, brokenAt: row.seq, reason: 'prev_hash_mismatch' };
        if (!chainHash(prev, row).equals(row.hash)) {
          return { ok: false, checked, brokenAt: row.seq, reason: 'content_hash_mismatch' };
        }
        const checkpoint = checkpoints.get(row.seq);
        if (checkpoint && !checkpoint.equals(row.hash)) {
          return { ok: false, checked, brokenAt: row.seq, reason: 'checkpoint_mismatch' };
        }
        prev = row.hash;
        expected = seq + 1n;
        checked++;
      }
      if (rows.length < VERIFY_BATCH) break;
    }
    if (expected <= BigInt(last))
      return { ok: false, checked, brokenAt: expected.toString(), reason: 'gap' };
    if (to === undefined) {
      // Rows past the head are not the chain's: every real row commits with a head at or past it,
      // so a head read now must cover the highest row seen before the walk.
      const [now] = await this.dataSource.query<HeadRow[]>(
        'SELECT last_seq FROM audit_chain_head WHERE id = 1',
      );
      if (bounds[0].max !== null && now && BigInt(bounds[0].max) > BigInt(now.last_seq))
        return { ok: false, checked, brokenAt: String(bounds[0].max), reason: 'head_mismatch' };
      if (!head || String(head.last_seq) !== last || !head.last_hash.equals(prev)) {
        return { ok: false, checked, brokenAt: String(head.last_seq), reason: 'head_mismatch' };
      }
    }
    return { ok: true, checked, firstSeq: first, lastSeq: last };
  }

  /** Signs the current head into a checkpoint. */
  async checkpoint(
    kind: CheckpointKind = CheckpointKind.Periodic,
    manager?: EntityManager,
  ): Promise<AuditCheckpointEntity | null> {
    const m = manager ?? this.dataSource.manager;
    const [head] = await m.query<HeadRow[]>(
      'SELECT last_seq, last_hash FROM audit_chain_head WHERE id = 1',
    );
    if (String(head.last_seq) === '0') return null;
    return this.writeCheckpoint(m, kind, String(head.last_seq), head.last_hash);
  }

  /**
   * The first signed checkpoint at or after `seq` (the shortest stretch of chain to verify from a
   * row to a signed head); when none covers it yet, the head is signed now. With the message the
   * signature covers and whether it verifies.
   */
  async checkpointCovering(seq: string): Promise<CheckpointProof> {
    let c = await this.dataSource
      .getRepository(AuditCheckpointEntity)
      .createQueryBuilder('c')
      .where('c.upto_seq >= :seq', { seq })
      .orderBy('c.upto_seq', 'ASC')
      .addOrderBy('c.id', 'ASC')
      .getOne();
    c ??= await this.checkpoint(CheckpointKind.Periodic);
    if (!c) throw new Error('the audit log is empty: nothing to sign');
    return {
      id: c.id,
      kind: c.kind,
      uptoSeq: String(c.uptoSeq),
      headHash: c.headHash.toString('hex'),
      keyId: c.keyId,
      signature: c.signature.toString('hex'),
      createdAt: c.createdAt,
      message: checkpointMessage(c.kind, String(c.uptoSeq), c.headHash, c.createdAt),
      signatureValid: await this.checkSignature(c),
    };
  }

  /**
   * The only way audit rows leave the table: rows up to `uptoSeq` are deleted after a signed purge
   * checkpoint naming the last removed row's hash is written, in one transaction, so the chain still
   * verifies from the checkpoint on. Returns how many rows were removed.
   */
  async purgeUpTo(manager: EntityManager, uptoSeq: string): Promise<number> {
    await manager.query('SELECT last_seq FROM audit_chain_head WHERE id = 1 FOR UPDATE');
    const [row] = await manager.query<{ hash: Buffer }[]>(
      'SELECT hash FROM audit_events WHERE seq = ?',
      [uptoSeq],
    );
    if (!row) return 0;
    await this.writeCheckpoint(manager, CheckpointKind.Purge, uptoSeq, row.hash);
    await manager.query('SET @callwarden_audit_purge = 1');
    try {
      const result = await manager.query<{ affectedRows: number }>(
        'DELETE FROM audit_events WHERE seq <= ?',
        [uptoSeq],
      );
      return result.affectedRows;
    } finally {
      await manager.query('SET @callwarden_audit_purge = 0');
    }
  }

  private async writeCheckpoint(
    m: EntityManager,
    kind: CheckpointKind,
    uptoSeq: string,
    headHash: Buffer,
  ) {
    const createdAt = new Date();
    const { keyId, mac } = this.crypto.sign(
      'audit',
      checkpointMessage(kind, uptoSeq, headHash, createdAt),
    );
    const repo = m.getRepository(AuditCheckpointEntity);
    return repo.save(repo.create({ kind, uptoSeq, headHash, keyId, signature: mac, createdAt }));
  }

  /** The hash the row before `first` must have had: the genesis, the row itself, or a signed purge checkpoint. */
  private async anchorBefore(
    first: bigint,
  ): Promise<{ ok: true; hash: Buffer } | { ok: false; reason: string }> {
    if (first <= 1n) return { ok: true, hash: GENESIS_HASH };
    const before = (first - 1n).toString();
    const [row] = await this.dataSource.query<{ hash: Buffer }[]>(
      'SELECT hash FROM audit_events WHERE seq = ?',
      [before],
    );
    if (row) return { ok: true, hash: row.hash };
    const checkpoint = await this.dataSource
      .getRepository(AuditCheckpointEntity)
      .findOne({ where: { kind: CheckpointKind.Purge, uptoSeq: before }, order: { id: 'DESC' } });
    if (!checkpoint) return { ok: false, reason: 'missing_anchor' };
    if (!(await this.checkSignature(checkpoint)))
      return { ok: false, reason: 'checkpoint_signature_invalid' };
    return { ok: true, hash: checkpoint.headHash };
  }

  /** Signed checkpoints inside the range, by seq (an unsigned or forged one breaks verification). */
  private async checkpointsIn(from: string, to: string): Promise<Map<string, Buffer>> {
    const rows = await this.dataSource
      .getRepository(AuditCheckpointEntity)
      .createQueryBuilder('c')
      .where('c.upto_seq >= :from AND c.upto_seq <= :to', { from, to })
      .getMany();
    const out = new Map<string, Buffer>();
    for (const c of rows) {
      // A forged checkpoint maps to an impossible hash, so the row it names reports the break.
      out.set(
        String(c.uptoSeq),
        (await this.checkSignature(c)) ? c.headHash : Buffer.alloc(32, 0xff),
      );
    }
    return out;
  }

  private checkSignature(c: AuditCheckpointEntity): Promise<boolean> {
    return this.crypto
      .verifySignature(
        c.keyId,
        checkpointMessage(c.kind, String(c.uptoSeq), c.headHash, c.createdAt),
        c.signature,
      )
      .catch(() => false);
  }
}

function checkpointMessage(
  kind: CheckpointKind,
  uptoSeq: string,
  headHash: Buffer,
  createdAt: Date,
): string {
  return `callwarden-audit-checkpoint|${kind}|${uptoSeq}|${headHash.toString('hex')}|${createdAt.toISOString()}`;
}
