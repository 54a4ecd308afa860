import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Brackets, DataSource, EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import type { RequestContext } from '../../../core/auth/request-context';
import { AuditService } from '../../audit/audit.service';
import { CustomerAccessService } from '../../customers/customer-access.service';
import { LegalHoldEntity, LegalHoldReason } from '../entities/legal-hold.entity';
import { PrivacyErrorCode, PrivacyException } from '../privacy.exception';

export interface LegalHoldInput {
  customerId: string;
  debtRef?: string | null;
  reason: LegalHoldReason;
  note: string;
  expiresAt?: Date | null;
}

/**
 * Legal holds: placed and released by privacy and compliance officers, each audited (and sent to
 * the SIEM). An active hold (not released, not past its expiry) blocks the customer's erasure
 * (PrivacyService.eraseCustomer refuses with LEGAL_HOLD, so a request says why it cannot complete)
 * and the retention purge of their records (the purge leaves held customers' rows alone).
 */
@Injectable()
export class LegalHoldsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly customers: CustomerAccessService,
    private readonly audit: AuditService,
  ) {}

  async place(ctx: RequestContext, input: LegalHoldInput): Promise<LegalHoldEntity> {
    if (input.expiresAt && input.expiresAt.getTime() <= Date.now())
      throw new PrivacyException(PrivacyErrorCode.INVALID_EXPIRY, 'A hold expires in the future');
    // Held records may be soft-deleted already (that is what a hold keeps from the purge).
    const customer = await this.customers.get(ctx, input.customerId, 'read', {
      includeDeleted: true,
    });
    return this.dataSource.transaction(async (m) => {
      const hold = m.getRepository(LegalHoldEntity).create({
        id: uuidv7(),
        customerId: customer.id,
        debtRef: input.debtRef?.trim() || null,
        reason: input.reason,
        note: input.note.trim(),
        placedBy: ctx.principal.id,
        placedAt: new Date(),
        expiresAt: input.expiresAt ?? null,
        releasedAt: null,
        releasedBy: null,
      });
      await m.getRepository(LegalHoldEntity).insert(hold);
      await this.audit.record(
        {
          action: 'privacy.legal_hold_placed',
          resourceType: 'LegalHold',
          resourceId: hold.id,
          changes: {
            customerId: customer.id,
            reason: hold.reason,
            debtRef: hold.debtRef,
            expiresAt: hold.expiresAt,
          },
        },
        m,
      );
      return hold;
    });
  }

  release(ctx: RequestContext, id: string): Promise<LegalHoldEntity> {
    return this.dataSource.transaction(async (m) => {
      const hold = await m
        .getRepository(LegalHoldEntity)
        .findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!hold)
        throw new PrivacyException(PrivacyErrorCode.HOLD_NOT_FOUND, 'Legal hold not found');
      if (hold.releasedAt)
        throw new PrivacyException(PrivacyErrorCode.HOLD_RELEASED, 'This hold is already released');
      hold.releasedAt = new Date();
      hold.releasedBy = ctx.principal.id;
      await m
        .getRepository(LegalHoldEntity)
        .update({ id }, { releasedAt: hold.releasedAt, releasedBy: hold.releasedBy });
      await this.audit.record(
        {
          action: 'privacy.legal_hold_released',
          resourceType: 'LegalHold',
          resourceId: id,
          changes: { customerId: hold.customerId, reason: hold.reason },
        },
        m,
      );
      return hold;
    });
  }

  /** A customer's holds, newest first (released and expired ones too, unless `activeOnly`). */
  of(customerId: string, activeOnly = false, m?: EntityManager): Promise<LegalHoldEntity[]> {
    const qb = (m ?? this.dataSource.manager)
      .getRepository(LegalHoldEntity)
      .createQueryBuilder('h')
      .where('h.customer_id = :customerId', { customerId });
    if (activeOnly)
      qb.andWhere('h.released_at IS NULL').andWhere(
        new Brackets((w) =>
          w.where('h.expires_at IS NULL').orWhere('h.expires_at > :now', { now: new Date() }),
        ),
      );
    return qb.orderBy('h.placed_at', 'DESC').take(200).getMany();
  }

  /** Refuses (LEGAL_HOLD) while an active hold covers the customer; in the caller's transaction. */
  async assertNotHeld(m: EntityManager, customerId: string): Promise<void> {
    const active = await this.of(customerId, true, m);
    if (active.length > 0)
      throw new PrivacyException(
        PrivacyErrorCode.LEGAL_HOLD,
        'A legal hold covers this customer: release it before erasing',
        { holds: active.length, reason: active[0].reason },
      );
  }
}
