import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { AuditEventEntity } from '../entities/audit-event.entity';
import { SiemOutboxEntity } from '../entities/siem-outbox.entity';
import { AuditReceipt, CRITICAL_ACTIONS, PreparedEntry } from '../audit.types';
import { chainHash } from '../utils/canonical';

export interface HeadRow {
  last_seq: string;
  last_hash: Buffer;
}

/**
 * The hash chain. Appends serialize on the head row (`SELECT ... FOR UPDATE`), so any number of
 * processes share one gapless chain; a batch of entries costs one lock, one INSERT and one commit.
 */
@Injectable()
export class AuditChainService {
  /** Appends entries inside the caller's transaction: they commit (or roll back) with it. */
  async append(manager: EntityManager, entries: PreparedEntry[]): Promise<AuditReceipt[]> {
    if (entries.length === 0) return [];
    const [head] = await manager.query<HeadRow[]>(
      'SELECT last_seq, last_hash FROM audit_chain_head WHERE id = 1 FOR UPDATE',
    );
    let seq = BigInt(head.last_seq);
    let prev = head.last_hash;
    const rows: AuditEventEntity[] = [];
    for (const e of entries) {
      seq += 1n;
      const hash = chainHash(prev, { ...e, seq: seq.toString() });
      rows.push(
        Object.assign(new AuditEventEntity(), e, { seq: seq.toString(), prevHash: prev, hash }),
      );
      prev = hash;
    }
    await manager
      .createQueryBuilder()
      .insert()
      .into(AuditEventEntity)
      .values(rows as QueryDeepPartialEntity<AuditEventEntity>[])
      .updateEntity(false)
      .execute();
    const critical = rows.filter((r) => CRITICAL_ACTIONS.has(r.action));
    if (critical.length > 0) {
      await manager
        .createQueryBuilder()
        .insert()
        .into(SiemOutboxEntity)
        .values(
          critical.map((r) => ({
            auditSeq: r.seq,
            payload: siemPayload(r),
            attempts: 0,
            nextAttemptAt: new Date(),
          })) as QueryDeepPartialEntity<SiemOutboxEntity>[],
        )
        .updateEntity(false)
        .execute();
    }
    await manager.query('UPDATE audit_chain_head SET last_seq = ?, last_hash = ? WHERE id = 1', [
      seq.toString(),
      prev,
    ]);
    return rows.map((r) => ({ seq: r.seq }));
  }
}

function siemPayload(r: AuditEventEntity): Record<string, unknown> {
  return {
    seq: r.seq,
    occurredAt: r.occurredAt.toISOString(),
    action: r.action,
    actor: { type: r.actorType, id: r.actorId, role: r.actorRole },
    resource: { type: r.resourceType, id: r.resourceId },
    result: r.result,
    errorCode: r.errorCode,
    requestId: r.requestId,
    ip: r.ip,
    changes: r.changes,
    hash: r.hash.toString('hex'),
  };
}
