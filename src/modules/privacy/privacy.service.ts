import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';
import { AppConfigService } from '../../core/config/app-config.service';
import { ActorType } from '../audit';
import { NotificationChannel } from '../notifications';
import { NotificationsService } from '../notifications/notifications.service';
import { InjectDataSource } from '@nestjs/typeorm';
import { DateTime } from 'luxon';
import { DataSource, EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import type { RequestContext } from '../../core/auth/request-context';
import { AuditService } from '../audit/audit.service';
import { ComplianceService } from '../compliance/compliance.service';
import { CryptoService } from '../crypto/crypto.service';
import { CustomerAccessService } from '../customers/customer-access.service';
import { CustomerStatus } from '../customers';
import { CustomersService } from '../customers/customers.service';
import {
  DataSubjectRequestEntity,
  DsrDenialReason,
  DsrRegime,
  DsrStatus,
} from './entities/data-subject-request.entity';
import { PrivacyErrorCode, PrivacyException } from './privacy.exception';
import { LegalHoldsService } from './services/legal-holds.service';

export interface ErasureRequestInput {
  customerId: string;
  regime: DsrRegime;
  receivedVia: DataSubjectRequestEntity['receivedVia'];
}

/** Statutory response times: GDPR Art. 12(3) one month, CCPA 1798.130(a)(2) 45 days. */
const DUE: Record<DsrRegime, { months?: number; days?: number }> = {
  [DsrRegime.Gdpr]: { months: 1 },
  [DsrRegime.Ccpa]: { days: 45 },
};

/** The one extension each law allows: GDPR two further months, CCPA another 45 days. */
const EXTENSION: Record<DsrRegime, { months?: number; days?: number }> = {
  [DsrRegime.Gdpr]: { months: 2 },
  [DsrRegime.Ccpa]: { days: 45 },
};

/** Requests due within this many days count as due soon in the daily reminder. */
const DUE_SOON_DAYS = 7;

/**
 * The personal columns of a customer row: emptied on erasure. Date of birth and SSN are under the
 * customer's own key, which is destroyed as well (crypto-shredding also covers copies in backups).
 */
const ERASED_COLUMNS = [
  'first_name_enc',
  'first_name_masked',
  'last_name_enc',
  'last_name_masked',
  'email_enc',
  'email_bidx',
  'email_masked',
  'phone_enc',
  'phone_bidx',
  'phone_masked',
  'phone_region',
  'phone_zones',
  'address_line_enc',
  'city_enc',
  'zip',
  'date_of_birth_enc',
  'ssn_enc',
  'ssn_bidx',
  'ssn_masked',
  'account_ref_enc',
  'account_ref_masked',
  'tags',
];

/**
 * Data subject requests. Receiving an erasure request stops contact at once (a person-level
 * suppression that cancels every pending task, in the same transaction); completing it empties the
 * customer's personal data and shreds their key; denying it (an exemption applies) lifts only the
 * suppression the request itself placed.
 */
@Injectable()
export class PrivacyService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(PrivacyService.name);
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly customers: CustomerAccessService,
    private readonly customerRecords: CustomersService,
    private readonly compliance: ComplianceService,
    private readonly crypto: CryptoService,
    private readonly audit: AuditService,
    private readonly holds: LegalHoldsService,
    private readonly notifications: NotificationsService,
    private readonly config: AppConfigService,
    private readonly scheduler: SchedulerRegistry,
  ) {}

  onApplicationBootstrap(): void {
    const cron = this.config.get('PRIVACY_REMINDER_CRON');
    if (cron === 'off' || this.config.get('BACKGROUND_JOBS') === 'off') return;
    const job = CronJob.from({
      cronTime: cron,
      onTick: () => {
        this.remind().catch((e: unknown) =>
          this.logger.error(
            `privacy reminder not recorded: ${e instanceof Error ? e.message : 'unknown'}`,
          ),
        );
      },
      start: true,
    });
    this.scheduler.addCronJob('privacy-reminder', job);
  }

  onModuleDestroy(): void {
    if (this.scheduler.doesExist('cron', 'privacy-reminder'))
      this.scheduler.deleteCronJob('privacy-reminder');
  }

  async requestErasure(
    ctx: RequestContext,
    input: ErasureRequestInput,
  ): Promise<DataSubjectRequestEntity> {
    // Privacy officers (who close requests) also reach soft-deleted records: deletion hid the
    // personal data, it did not erase it.
    const customer = await this.customers.get(ctx, input.customerId, 'read', {
      includeDeleted: ctx.ability.can('update', 'DataSubjectRequest'),
    });
    if (customer.status === CustomerStatus.Erased)
      throw new PrivacyException(
        PrivacyErrorCode.ALREADY_ERASED,
        'This customer is already erased',
      );
    return this.dataSource.transaction(async (m) => {
      // The customer row lock serialises concurrent requests for the same person.
      await m.query('SELECT id FROM customers WHERE id = ? FOR UPDATE', [customer.id]);
      const open = await m.getRepository(DataSubjectRequestEntity).existsBy({
        customerId: customer.id,
        type: 'erasure',
        status: DsrStatus.Received,
      });
      if (open)
        throw new PrivacyException(
          PrivacyErrorCode.REQUEST_ALREADY_OPEN,
          'An erasure request for this customer is already open',
        );
      const now = new Date();
      const cancelled = await this.compliance.cancelPendingTasks(m, [customer.id], null);
      const suppression = await this.compliance.addDnc(
        {
          customerId: customer.id,
          channel: null,
          source: 'erasure_request',
          reason: 'erasure request received',
          createdBy: ctx.principal.id,
        },
        m,
      );
      const request = m.getRepository(DataSubjectRequestEntity).create({
        id: uuidv7(),
        customerId: customer.id,
        type: 'erasure',
        regime: input.regime,
        status: DsrStatus.Received,
        receivedVia: input.receivedVia,
        denialReason: null,
        dueAt: DateTime.fromJSDate(now).plus(DUE[input.regime]).toJSDate(),
        requestedBy: ctx.principal.id,
        resolvedBy: null,
        resolvedAt: null,
        tasksCancelled: cancelled,
        dncEntryId: suppression.id,
        originalDueAt: null,
        extendedAt: null,
        extensionReason: null,
        createdAt: now,
      });
      await m.getRepository(DataSubjectRequestEntity).insert(request);
      await this.audit.record(
        {
          action: 'privacy.erasure_requested',
          resourceType: 'DataSubjectRequest',
          resourceId: request.id,
          changes: { customerId: customer.id, regime: input.regime, tasksCancelled: cancelled },
        },
        m,
      );
      return request;
    });
  }

  /** Erases: personal columns emptied, the customer's key destroyed, notes and evidence dropped. */
  async completeErasure(ctx: RequestContext, id: string): Promise<DataSubjectRequestEntity> {
    return this.dataSource.transaction(async (m) => {
      const request = await this.lockOpen(m, id);
      const erased = await this.eraseCustomer(m, request.customerId, ctx.principal.id);
      return this.close(ctx, m, request, DsrStatus.Completed, 'privacy.erasure_executed', {
        customerId: request.customerId,
        ...erased,
      });
    });
  }

  /**
   * The erasure itself, in the caller's transaction (a completed request, or the retention job for
   * long soft-deleted records): address hashes kept on the suppression list, personal columns
   * emptied, notes and consent evidence dropped, pending work cancelled, the customer's key destroyed.
   */
  async eraseCustomer(
    m: EntityManager,
    customerId: string,
    actorId: string,
  ): Promise<{
    subjectKeyDestroyed: boolean;
    notesErased: number;
    evidenceErased: number;
    messagesErased: number;
  }> {
    // A legal hold keeps the record as it is (litigation, a dispute, Reg F record keeping).
    await this.holds.assertNotHeld(m, customerId);
    // What outlives the record is a hash of each address on the suppression list, so the person
    // is not contacted again if they reappear in a later placement.
    const customer = await this.customerRecords.findById(customerId, m, { withDeleted: true });
    for (const address of [customer?.phone, customer?.email]) {
      if (!address) continue;
      await this.compliance.addDnc(
        {
          address,
          channel: null,
          source: 'erasure',
          reason: 'erased data subject',
          createdBy: actorId,
        },
        m,
      );
    }
    await m.query(
      `UPDATE customers SET ${ERASED_COLUMNS.map((c) => `${c} = NULL`).join(', ')},
          status = 'erased', deleted_at = COALESCE(deleted_at, NOW(3)), updated_at = NOW(3)
        WHERE id = ?`,
      [customerId],
    );
    // Free text about the person and consent evidence (addresses, IPs) go too; the consent and
    // contact history itself stays: Reg F (12 CFR 1006.100) and the TCPA need the records.
    const notes = await m.query<{ affectedRows: number }>(
      'UPDATE tasks SET notes_enc = NULL WHERE customer_id = ? AND notes_enc IS NOT NULL',
      [customerId],
    );
    const evidence = await m.query<{ affectedRows: number }>(
      'UPDATE consents SET evidence_enc = NULL WHERE customer_id = ? AND evidence_enc IS NOT NULL',
      [customerId],
    );
    // Messages to them (their address, text naming them) leave the outbox.
    const messagesErased = await this.notifications.eraseFor(customerId, m);
    // Anything still pending (created by hand since the request) is cancelled too.
    await this.compliance.cancelPendingTasks(m, [customerId], null);
    // Last, because the key ring forgets the key at once: nothing after this may fail but the audit.
    const subjectKeyDestroyed = await this.crypto.destroySubjectKey(customerId, m);
    return {
      subjectKeyDestroyed,
      notesErased: notes.affectedRows,
      evidenceErased: evidence.affectedRows,
      messagesErased,
    };
  }

  /** Refuses under an exemption; the suppression this request placed is lifted. */
  async denyErasure(
    ctx: RequestContext,
    id: string,
    reason: DsrDenialReason,
  ): Promise<DataSubjectRequestEntity> {
    return this.dataSource.transaction(async (m) => {
      const request = await this.lockOpen(m, id);
      if (request.dncEntryId) await this.compliance.removeDnc(request.dncEntryId, m);
      request.denialReason = reason;
      return this.close(ctx, m, request, DsrStatus.Denied, 'privacy.erasure_denied', {
        customerId: request.customerId,
        reason,
        suppressionLifted: !!request.dncEntryId,
      });
    });
  }

  /**
   * The one extension the law allows (GDPR two further months, CCPA 45 days), before the deadline,
   * with a reason the subject is told through the outbox (to the email on file; without one the
   * audit event says no notice could be sent, for the officer to send it by other means).
   */
  extend(ctx: RequestContext, id: string, reason: string): Promise<DataSubjectRequestEntity> {
    return this.dataSource.transaction(async (m) => {
      const request = await this.lockOpen(m, id);
      if (request.extendedAt)
        throw new PrivacyException(
          PrivacyErrorCode.ALREADY_EXTENDED,
          'The law allows one extension, already taken',
        );
      const now = new Date();
      if (request.dueAt.getTime() <= now.getTime())
        throw new PrivacyException(
          PrivacyErrorCode.PAST_DUE,
          'An extension must be decided before the deadline',
        );
      request.originalDueAt = request.dueAt;
      request.dueAt = DateTime.fromJSDate(request.dueAt).plus(EXTENSION[request.regime]).toJSDate();
      request.extendedAt = now;
      request.extensionReason = reason.trim();
      await m.getRepository(DataSubjectRequestEntity).save(request);
      const customer = await this.customerRecords.findById(request.customerId, m, {
        withDeleted: true,
      });
      const to = customer?.email ?? null;
      if (to)
        await this.notifications.enqueue(
          NotificationChannel.Email,
          'privacy_request_extended',
          to,
          [
            'We need more time to answer your privacy request.',
            `Reason: ${request.extensionReason}`,
            `We will answer by ${request.dueAt.toISOString().slice(0, 10)}.`,
          ].join('\n'),
          m,
        );
      await this.audit.record(
        {
          action: 'privacy.request_extended',
          resourceType: 'DataSubjectRequest',
          resourceId: request.id,
          changes: {
            before: { dueAt: request.originalDueAt },
            after: { dueAt: request.dueAt },
            subjectNotified: Boolean(to),
          },
        },
        m,
      );
      return request;
    });
  }

  /**
   * The daily reminder: open requests overdue and due within a week, as an audit event (critical,
   * so the SIEM hears, when any is overdue). Returns the counts.
   */
  async remind(now = new Date()): Promise<{ overdue: number; dueSoon: number }> {
    const [row] = await this.dataSource.query<{ overdue: string | null; soon: string | null }[]>(
      `SELECT SUM(due_at < ?) AS overdue, SUM(due_at >= ? AND due_at < ?) AS soon
         FROM data_subject_requests WHERE status = 'received'`,
      [now, now, new Date(now.getTime() + DUE_SOON_DAYS * 86_400_000)],
    );
    const counts = { overdue: Number(row?.overdue ?? 0), dueSoon: Number(row?.soon ?? 0) };
    await this.audit.record({
      action: counts.overdue > 0 ? 'privacy.requests_overdue' : 'privacy.requests_due',
      actor: { type: ActorType.System, id: 'privacy-reminder' },
      resourceType: 'DataSubjectRequest',
      changes: { ...counts, at: now },
    });
    return counts;
  }

  list(status?: DsrStatus): Promise<DataSubjectRequestEntity[]> {
    return this.dataSource.getRepository(DataSubjectRequestEntity).find({
      where: status ? { status } : {},
      order: { dueAt: 'ASC' },
      take: 500,
    });
  }

  /** Records the outcome and audits it, in the request's transaction. */
  private async close(
    ctx: RequestContext,
    m: EntityManager,
    request: DataSubjectRequestEntity,
    status: DsrStatus.Completed | DsrStatus.Denied,
    action: string,
    changes: Record<string, unknown>,
  ): Promise<DataSubjectRequestEntity> {
    request.status = status;
    request.resolvedBy = ctx.principal.id;
    request.resolvedAt = new Date();
    await m.getRepository(DataSubjectRequestEntity).save(request);
    await this.audit.record(
      { action, resourceType: 'DataSubjectRequest', resourceId: request.id, changes },
      m,
    );
    return request;
  }

  private async lockOpen(m: EntityManager, id: string): Promise<DataSubjectRequestEntity> {
    const request = await m
      .getRepository(DataSubjectRequestEntity)
      .findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
    if (!request)
      throw new PrivacyException(PrivacyErrorCode.NOT_FOUND, 'Data subject request not found');
    if (request.status !== DsrStatus.Received)
      throw new PrivacyException(
        PrivacyErrorCode.REQUEST_CLOSED,
        `The request is already ${request.status}`,
      );
    return request;
  }
}
