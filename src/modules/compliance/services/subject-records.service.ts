import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Brackets, DataSource, EntityManager } from 'typeorm';
import { CryptoService } from '../../crypto/crypto.service';
import { ConsentEntity } from '../entities/consent.entity';
import { ContactAttemptEntity } from '../entities/contact-attempt.entity';
import { DncEntryEntity } from '../entities/dnc-entry.entity';

/** Who a subject is, for finding what compliance holds about them. */
export interface SubjectAddresses {
  customerId: string;
  phone?: string | null;
  email?: string | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A data subject's compliance records, for access and portability exports (read only). Each
 * method returns plain rows with the subject's values decrypted and other people left out: staff
 * ids become `staff`, and an entry found by the subject's address hash shows what it is, never who
 * placed it or about whom else.
 */
@Injectable()
export class SubjectRecordsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly crypto: CryptoService,
  ) {}

  /** Their consent history, oldest first, evidence decrypted (JSON parsed when it is JSON). */
  async consentsOf(customerId: string, m?: EntityManager): Promise<Record<string, unknown>[]> {
    const rows = await (m ?? this.dataSource.manager)
      .getRepository(ConsentEntity)
      .find({ where: { customerId }, order: { effectiveAt: 'ASC', id: 'ASC' } });
    return rows.map((c) => ({
      id: c.id,
      channel: c.channel,
      purpose: c.purpose,
      granted: c.granted,
      source: c.source,
      evidence: parseJson(c.evidence),
      effectiveAt: c.effectiveAt,
      expiresAt: c.expiresAt,
      recordedBy: staffOr(c.recordedBy),
      createdAt: c.createdAt,
    }));
  }

  /**
   * Do-not-contact entries about them: those naming their customer id and those on their phone
   * number or email address (by blind index). Address entries show channel, list, source and date.
   */
  async dncEntriesAbout(
    subject: SubjectAddresses,
    m?: EntityManager,
  ): Promise<Record<string, unknown>[]> {
    const hashes = [
      subject.phone ? this.crypto.blindIndex('phone', subject.phone) : null,
      subject.email ? this.crypto.blindIndex('email', subject.email) : null,
    ].filter((h): h is Buffer => h !== null);
    const qb = (m ?? this.dataSource.manager)
      .getRepository(DncEntryEntity)
      .createQueryBuilder('d')
      .where(
        new Brackets((w) => {
          w.where('d.customer_id = :customerId', { customerId: subject.customerId });
          if (hashes.length > 0) w.orWhere('d.address_bidx IN (:...hashes)', { hashes });
        }),
      )
      .orderBy('d.id', 'ASC');
    return (await qb.getMany()).map((d) => {
      const theirs = d.customerId === subject.customerId;
      return {
        id: d.id,
        scope: d.scope,
        addressKind: d.addressKind,
        channel: d.channel ?? 'all',
        list: d.list,
        source: d.source,
        // Free text staff wrote about this person; an entry on their address may be about another.
        reason: theirs ? d.reason : null,
        createdBy: theirs ? staffOr(d.createdBy) : null,
        createdAt: d.createdAt,
      };
    });
  }

  /** Their contact attempts, oldest first; the agent is `staff`, the address hash left out. */
  async contactAttemptsOf(
    customerId: string,
    m?: EntityManager,
  ): Promise<Record<string, unknown>[]> {
    const rows = await (m ?? this.dataSource.manager)
      .getRepository(ContactAttemptEntity)
      .find({ where: { customerId }, order: { occurredAt: 'ASC', id: 'ASC' } });
    return rows.map((a) => ({
      id: a.id,
      channel: a.channel,
      purpose: a.purpose,
      occurredAt: a.occurredAt,
      outcome: a.outcome,
      toType: a.toType,
      debtId: a.debtId,
      taskId: a.taskId,
      campaignId: a.campaignId,
      madeBy: a.agentId ? 'staff' : null,
      consumerInitiated: a.consumerInitiated,
      conversation: a.conversation,
      withConsent: a.withConsent,
      createdAt: a.createdAt,
    }));
  }
}

/** A staff member's id becomes `staff`; a system marker (`email-unsubscribe`) stays. */
function staffOr(by: string | null): string | null {
  if (by === null) return null;
  return UUID.test(by) ? 'staff' : by;
}

function parseJson(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
