import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleDestroy,
  Optional,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';
import { AppConfigService } from '../../core/config/app-config.service';
import { ActorType } from '../audit';
import { NotificationChannel } from '../notifications';
import { NotificationsService } from '../notifications/notifications.service';
import { InjectDataSource } from '@nestjs/typeorm';
import { DateTime } from 'luxon';
import { DataSource, EntityManager, In } from 'typeorm';
import { AppException, ErrorCode } from '../../core/errors/error-code';
import { mask, PiiKind } from '../../core/pii/mask';
import { v7 as uuidv7 } from 'uuid';
import type { RequestContext } from '../../core/auth/request-context';
import { AuditService } from '../audit/audit.service';
import { ComplianceService } from '../compliance/compliance.service';
import { CryptoService } from '../crypto/crypto.service';
import { CustomerAccessService } from '../customers/customer-access.service';
import { CustomerEntity, CustomerStatus } from '../customers';
import {
  CustomerWritesService,
  FieldValues,
  RectifiableField,
} from '../customers/customer-writes.service';
import { CustomersService } from '../customers/customers.service';
import {
  DataSubjectRequestEntity,
  DsrChannel,
  DsrDenialReason,
  DsrLookup,
  DsrRegime,
  DsrStatus,
  DsrType,
  DsrVerificationMethod,
  OPEN_STATUSES,
} from './entities/data-subject-request.entity';
import { PrivacyErrorCode, PrivacyException } from './privacy.exception';
import { LegalHoldsService } from './services/legal-holds.service';

/**
 * Says whether an access or portability request's export is ready to hand over (the export
 * service binds it); without one bound, such requests cannot complete.
 */
export interface ExportReadiness {
  assertReady(m: EntityManager, requestId: string): Promise<void>;
}
export const EXPORT_READINESS = Symbol('EXPORT_READINESS');

export interface SubjectRef {
  customerId?: string;
  email?: string;
  phone?: string;
}

export interface SubmitRequestInput {
  type: DsrType;
  regime: DsrRegime;
  receivedVia: DsrChannel;
  subject: SubjectRef;
}

export interface ErasureRequestInput {
  customerId: string;
  regime: DsrRegime;
  receivedVia: DsrChannel;
}

/** The rights each law grants: restriction is GDPR's only, the opt-outs are the CCPA's. */
const TYPES_OF: Record<DsrRegime, DsrType[]> = {
  [DsrRegime.Gdpr]: [
    DsrType.Access,
    DsrType.Portability,
    DsrType.Rectification,
    DsrType.Restriction,
    DsrType.Erasure,
  ],
  [DsrRegime.Ccpa]: [
    DsrType.Access,
    DsrType.Portability,
    DsrType.Rectification,
    DsrType.Erasure,
    DsrType.OptOutSale,
    DsrType.LimitUse,
  ],
};

/** How each corrected field appears in the audit log: masked like the API masks it. */
const MASK_OF: Record<RectifiableField, PiiKind | null> = {
  firstName: 'name',
  lastName: 'name',
  email: 'email',
  phone: 'phone',
  addressLine: 'address',
  city: 'address',
  dateOfBirth: 'date',
  state: null,
  zip: null,
  timezone: null,
};

const masked = (values: FieldValues): Record<string, string | null> =>
  Object.fromEntries(
    Object.entries(values).map(([k, v]) => {
      const kind = MASK_OF[k as RectifiableField];
      return [k, v === null || v === undefined ? null : kind ? mask(kind, v) : v];
    }),
  );

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
 * Data subject requests under GDPR and the CCPA, received -> verifying -> in_progress ->
 * completed | rejected. Receiving an erasure request stops contact at once (a person-level
 * suppression that cancels every pending task, in the same transaction); the CCPA opt-outs take
 * effect on receipt, unverified, as the regulations require; everything else waits for the
 * subject's identity to be verified (SubjectVerificationService), then completes by type: an
 * erasure empties the record and shreds the key, a restriction stops all processing until
 * reversed, a rectification applies the corrections (reversible), access and portability deliver
 * an export. Every step is audited in its own transaction.
 */
@Injectable()
export class PrivacyService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(PrivacyService.name);
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly customers: CustomerAccessService,
    private readonly customerRecords: CustomersService,
    private readonly customerWrites: CustomerWritesService,
    private readonly compliance: ComplianceService,
    private readonly crypto: CryptoService,
    private readonly audit: AuditService,
    private readonly holds: LegalHoldsService,
    private readonly notifications: NotificationsService,
    private readonly config: AppConfigService,
    private readonly scheduler: SchedulerRegistry,
    @Optional() @Inject(EXPORT_READINESS) private readonly exportReadiness?: ExportReadiness,
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

  /**
   * Finds the subject, by customer id or by email or phone through the blind index, among the
   * customers the caller may see (privacy officers, who close requests, also reach soft-deleted
   * records: deletion hid the personal data, it did not erase it).
   */
  async findSubject(
    ctx: RequestContext,
    subject: SubjectRef,
  ): Promise<{ customer: CustomerEntity; foundBy: DsrLookup }> {
    const given = (['customerId', 'email', 'phone'] as const).filter((k) => subject[k]?.trim());
    if (given.length !== 1)
      throw new PrivacyException(
        PrivacyErrorCode.INVALID_SUBJECT,
        'Name the subject by exactly one of customerId, email or phone',
      );
    const qb = this.customers.scoped(ctx);
    if (ctx.ability.can('update', 'DataSubjectRequest')) qb?.withDeleted();
    let foundBy = DsrLookup.CustomerId;
    if (subject.customerId) {
      qb?.andWhere('c.id = :id', { id: subject.customerId });
    } else {
      const kind = subject.email ? 'email' : 'phone';
      const bidx = this.crypto.blindIndex(kind, (subject.email ?? subject.phone)!);
      if (!bidx)
        throw new PrivacyException(
          PrivacyErrorCode.INVALID_SUBJECT,
          `That is not a valid ${kind === 'email' ? 'email address' : 'phone number'}`,
        );
      foundBy = kind === 'email' ? DsrLookup.Email : DsrLookup.Phone;
      qb?.andWhere(`c.${kind}_bidx = :bidx`, { bidx });
    }
    const found = qb ? await qb.take(2).getMany() : [];
    if (found.length === 0)
      throw new PrivacyException(PrivacyErrorCode.SUBJECT_NOT_FOUND, 'No such data subject');
    if (found.length > 1)
      throw new PrivacyException(
        PrivacyErrorCode.SUBJECT_AMBIGUOUS,
        'Several customers have this address: name the customer by id (one request each)',
      );
    return { customer: found[0], foundBy };
  }

  async submit(ctx: RequestContext, input: SubmitRequestInput): Promise<DataSubjectRequestEntity> {
    if (!TYPES_OF[input.regime].includes(input.type))
      throw new PrivacyException(
        PrivacyErrorCode.TYPE_NOT_IN_REGIME,
        `A ${input.type} request does not exist under ${input.regime.toUpperCase()}`,
      );
    const { customer, foundBy } = await this.findSubject(ctx, input.subject);
    if (customer.status === CustomerStatus.Erased)
      throw new PrivacyException(
        PrivacyErrorCode.ALREADY_ERASED,
        'This customer is already erased',
      );
    return this.dataSource.transaction(async (m) => {
      // The customer row lock serialises concurrent requests for the same person.
      await this.customerRecords.lockForUpdate(m, customer.id);
      const open = await m.getRepository(DataSubjectRequestEntity).existsBy({
        customerId: customer.id,
        type: input.type,
        status: In(OPEN_STATUSES),
      });
      if (open)
        throw new PrivacyException(
          PrivacyErrorCode.REQUEST_ALREADY_OPEN,
          `A ${input.type} request for this customer is already open`,
        );
      const now = new Date();
      const request = m.getRepository(DataSubjectRequestEntity).create({
        id: uuidv7(),
        customerId: customer.id,
        type: input.type,
        regime: input.regime,
        status: DsrStatus.Received,
        receivedVia: input.receivedVia,
        foundBy,
        denialReason: null,
        rejectionNote: null,
        dueAt: DateTime.fromJSDate(now).plus(DUE[input.regime]).toJSDate(),
        originalDueAt: null,
        extendedAt: null,
        extensionReason: null,
        verificationMethod: null,
        verificationChannel: null,
        verificationCodeHash: null,
        verificationExpiresAt: null,
        verificationAttempts: 0,
        verificationSends: 0,
        verifiedAt: null,
        verifiedBy: null,
        attestationCipher: null,
        rectificationCipher: null,
        requestedBy: ctx.principal.id,
        resolvedBy: null,
        resolvedAt: null,
        reversedAt: null,
        reversedBy: null,
        reversalReason: null,
        tasksCancelled: 0,
        dncEntryId: null,
        createdAt: now,
      });
      const effects: Record<string, unknown> = {};
      if (input.type === DsrType.Erasure) {
        // Contact stops on receipt: erasure is where a collector would otherwise keep calling.
        const stop = await this.stopProcessing(ctx, m, customer.id, 'erasure_request');
        request.tasksCancelled = stop.tasksCancelled;
        request.dncEntryId = stop.dncEntryId;
        effects.tasksCancelled = stop.tasksCancelled;
      }
      const optOut = input.type === DsrType.OptOutSale || input.type === DsrType.LimitUse;
      if (optOut) {
        // 11 CCR 7026(d) / 7027(e): an opt-out must not require a verifiable request; it takes
        // effect now (the business neither sells nor shares, so the flag is the whole effect).
        const column =
          input.type === DsrType.OptOutSale ? 'sale_opted_out_at' : 'sensitive_use_limited_at';
        await m.query(
          `UPDATE customers SET ${column} = COALESCE(${column}, ?), updated_at = NOW(3) WHERE id = ?`,
          [now, customer.id],
        );
        request.verificationMethod = DsrVerificationMethod.NotRequired;
        request.status = DsrStatus.Completed;
        request.resolvedBy = ctx.principal.id;
        request.resolvedAt = now;
      }
      await m.getRepository(DataSubjectRequestEntity).insert(request);
      await this.audit.record(
        {
          action: `privacy.${input.type}_requested`,
          resourceType: 'DataSubjectRequest',
          resourceId: request.id,
          changes: {
            customerId: customer.id,
            type: input.type,
            regime: input.regime,
            foundBy,
            receivedVia: input.receivedVia,
            ...effects,
            ...(optOut ? { completed: true } : {}),
          },
        },
        m,
      );
      return request;
    });
  }

  /** The erasure request of the first release: a submit by customer id. */
  requestErasure(
    ctx: RequestContext,
    input: ErasureRequestInput,
  ): Promise<DataSubjectRequestEntity> {
    return this.submit(ctx, {
      type: DsrType.Erasure,
      regime: input.regime,
      receivedVia: input.receivedVia,
      subject: { customerId: input.customerId },
    });
  }

  /**
   * Completes a verified request by its type: erasure, restriction, access or portability (whose
   * export must be ready). Rectification completes through `rectify`, with the corrected values.
   */
  async complete(
    ctx: RequestContext,
    id: string,
    expected?: DsrType,
  ): Promise<DataSubjectRequestEntity> {
    return this.dataSource.transaction(async (m) => {
      const request = await this.lockVerified(m, id);
      if (expected && request.type !== expected)
        throw new PrivacyException(
          PrivacyErrorCode.WRONG_COMPLETION,
          `This is a ${request.type} request`,
        );
      switch (request.type) {
        case DsrType.Erasure: {
          const erased = await this.eraseCustomer(m, request.customerId, ctx.principal.id);
          request.attestationCipher = null;
          request.rectificationCipher = null;
          return this.close(ctx, m, request, DsrStatus.Completed, 'privacy.erasure_executed', {
            customerId: request.customerId,
            ...erased,
          });
        }
        case DsrType.Restriction: {
          const stop = await this.stopProcessing(ctx, m, request.customerId, 'restriction');
          await m.query(
            `UPDATE customers SET processing_restricted_at = NOW(3), updated_at = NOW(3) WHERE id = ?`,
            [request.customerId],
          );
          request.tasksCancelled = stop.tasksCancelled;
          request.dncEntryId = stop.dncEntryId;
          return this.close(ctx, m, request, DsrStatus.Completed, 'privacy.restriction_applied', {
            customerId: request.customerId,
            tasksCancelled: stop.tasksCancelled,
          });
        }
        case DsrType.Access:
        case DsrType.Portability: {
          if (!this.exportReadiness)
            throw new PrivacyException(PrivacyErrorCode.EXPORT_NOT_READY, 'No export is ready');
          await this.exportReadiness.assertReady(m, request.id);
          return this.close(
            ctx,
            m,
            request,
            DsrStatus.Completed,
            `privacy.${request.type}_completed`,
            {
              customerId: request.customerId,
            },
          );
        }
        case DsrType.Rectification:
          throw new PrivacyException(
            PrivacyErrorCode.WRONG_COMPLETION,
            'A rectification completes with completeRectification and the corrected values',
          );
        case DsrType.OptOutSale:
        case DsrType.LimitUse:
          throw new Error('unreachable: CCPA opt-outs complete on receipt');
      }
    });
  }

  /**
   * Applies a verified rectification: the corrections in the audit log before and after, masked;
   * the previous values kept under the subject's key so that it can be reversed.
   */
  async rectify(
    ctx: RequestContext,
    id: string,
    changes: FieldValues,
  ): Promise<DataSubjectRequestEntity> {
    return this.dataSource.transaction(async (m) => {
      const request = await this.lockVerified(m, id);
      if (request.type !== DsrType.Rectification)
        throw new PrivacyException(
          PrivacyErrorCode.WRONG_COMPLETION,
          `This is a ${request.type} request`,
        );
      const { before, after } = await this.applyCorrections(m, request.customerId, changes);
      await this.crypto.ensureSubjectKey(request.customerId, m);
      request.rectification = JSON.stringify(before);
      return this.close(ctx, m, request, DsrStatus.Completed, 'privacy.rectification_applied', {
        customerId: request.customerId,
        before: masked(before),
        after: masked(after),
      });
    });
  }

  /**
   * Undoes a completed rectification (the previous values come back) or restriction (processing
   * resumes), once, with a reason; audited like the change itself.
   */
  async reverse(
    ctx: RequestContext,
    id: string,
    reason: string,
  ): Promise<DataSubjectRequestEntity> {
    return this.dataSource.transaction(async (m) => {
      const request = await this.lockRequest(m, id);
      const reversible =
        request.status === DsrStatus.Completed &&
        !request.reversedAt &&
        (request.type === DsrType.Rectification || request.type === DsrType.Restriction);
      if (!reversible)
        throw new PrivacyException(
          PrivacyErrorCode.NOT_REVERSIBLE,
          'Only a completed rectification or restriction can be reversed, once',
        );
      let changes: Record<string, unknown> = { customerId: request.customerId, reason };
      if (request.type === DsrType.Rectification) {
        const previous = JSON.parse(request.rectification ?? '{}') as FieldValues;
        const { before, after } = await this.applyCorrections(
          m,
          request.customerId,
          previous,
          true,
        );
        changes = { ...changes, before: masked(before), after: masked(after) };
        request.rectificationCipher = null;
      } else {
        if (request.dncEntryId) await this.compliance.removeDnc(request.dncEntryId, m);
        await m.query(
          `UPDATE customers SET processing_restricted_at = NULL, updated_at = NOW(3) WHERE id = ?`,
          [request.customerId],
        );
        request.dncEntryId = null;
      }
      request.reversedAt = new Date();
      request.reversedBy = ctx.principal.id;
      request.reversalReason = reason.trim();
      await m.getRepository(DataSubjectRequestEntity).save(request);
      await this.audit.record(
        {
          action: `privacy.${request.type}_reversed`,
          resourceType: 'DataSubjectRequest',
          resourceId: request.id,
          changes,
        },
        m,
      );
      return request;
    });
  }

  /**
   * Completes an erasure (the first release's mutation): the request must be verified like any
   * other.
   */
  completeErasure(ctx: RequestContext, id: string): Promise<DataSubjectRequestEntity> {
    return this.complete(ctx, id, DsrType.Erasure);
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
      'UPDATE consents SET evidence_enc = NULL, evidence_hash = NULL WHERE customer_id = ? AND evidence_enc IS NOT NULL',
      [customerId],
    );
    // Their debts stay as records of a collection (status, dates, creditor) without the account
    // reference or the balances, which are theirs.
    await m.query(
      `UPDATE debts SET account_ref_enc = NULL, account_ref_bidx = NULL, account_ref_masked = NULL,
          original_balance_enc = NULL, current_balance_enc = NULL, updated_at = NOW(3)
        WHERE customer_id = ?`,
      [customerId],
    );
    // What requests hold about them (attestation evidence, a rectification's previous values).
    await m.query(
      `UPDATE data_subject_requests SET attestation_enc = NULL, rectification_enc = NULL
        WHERE customer_id = ?`,
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

  /**
   * Refuses a request (a reason from the fixed list, and text for the subject); a suppression the
   * request placed is lifted. The subject is told why through the outbox (GDPR Art. 12(4)).
   */
  async reject(
    ctx: RequestContext,
    id: string,
    reason: DsrDenialReason,
    note?: string | null,
  ): Promise<DataSubjectRequestEntity> {
    return this.dataSource.transaction(async (m) => {
      const request = await this.lockOpen(m, id);
      if (request.dncEntryId) await this.compliance.removeDnc(request.dncEntryId, m);
      request.denialReason = reason;
      request.rejectionNote = note?.trim() || null;
      const notified = await this.tellSubject(
        m,
        request,
        'privacy_request_rejected',
        [
          `We cannot act on your ${request.type.replace(/_/g, ' ')} request.`,
          `Reason: ${reason.replace(/_/g, ' ')}.`,
          ...(request.rejectionNote ? [request.rejectionNote] : []),
          'You may complain to a supervisory authority or seek a judicial remedy.',
        ].join('\n'),
      );
      return this.close(ctx, m, request, DsrStatus.Rejected, `privacy.${request.type}_rejected`, {
        customerId: request.customerId,
        reason,
        suppressionLifted: !!request.dncEntryId,
        subjectNotified: notified,
      });
    });
  }

  denyErasure(
    ctx: RequestContext,
    id: string,
    reason: DsrDenialReason,
  ): Promise<DataSubjectRequestEntity> {
    return this.reject(ctx, id, reason);
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
      const notified = await this.tellSubject(
        m,
        request,
        'privacy_request_extended',
        [
          'We need more time to answer your privacy request.',
          `Reason: ${request.extensionReason}`,
          `We will answer by ${request.dueAt.toISOString().slice(0, 10)}.`,
        ].join('\n'),
      );
      await this.audit.record(
        {
          action: 'privacy.request_extended',
          resourceType: 'DataSubjectRequest',
          resourceId: request.id,
          changes: {
            before: { dueAt: request.originalDueAt },
            after: { dueAt: request.dueAt },
            subjectNotified: notified,
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
         FROM data_subject_requests WHERE status IN ('received','verifying','in_progress')`,
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

  /** Open requests first, least time left first; then closed ones, newest resolution first. */
  list(filter: { status?: DsrStatus; type?: DsrType; customerId?: string } = {}) {
    const qb = this.dataSource
      .getRepository(DataSubjectRequestEntity)
      .createQueryBuilder('r')
      .orderBy(`CASE WHEN r.status IN ('received','verifying','in_progress') THEN 0 ELSE 1 END`)
      .addOrderBy(
        `CASE WHEN r.status IN ('received','verifying','in_progress') THEN r.due_at END`,
        'ASC',
      )
      .addOrderBy('r.resolved_at', 'DESC')
      .take(500);
    if (filter.status) qb.andWhere('r.status = :status', { status: filter.status });
    if (filter.type) qb.andWhere('r.type = :type', { type: filter.type });
    if (filter.customerId) qb.andWhere('r.customer_id = :cid', { cid: filter.customerId });
    return qb.getMany();
  }

  /** Contact stops: a person-level suppression (it also cancels pending tasks). */
  private async stopProcessing(
    ctx: RequestContext,
    m: EntityManager,
    customerId: string,
    source: 'erasure_request' | 'restriction',
  ): Promise<{ tasksCancelled: number; dncEntryId: string }> {
    const tasksCancelled = await this.compliance.cancelPendingTasks(m, [customerId], null);
    const suppression = await this.compliance.addDnc(
      {
        customerId,
        channel: null,
        source,
        reason: source === 'restriction' ? 'processing restricted' : 'erasure request received',
        createdBy: ctx.principal.id,
      },
      m,
    );
    return { tasksCancelled, dncEntryId: suppression.id };
  }

  private async applyCorrections(
    m: EntityManager,
    customerId: string,
    changes: FieldValues,
    reversal = false,
  ): Promise<{ before: FieldValues; after: FieldValues }> {
    let result: { before: FieldValues; after: FieldValues };
    try {
      result = await this.customerWrites.rectify(m, customerId, changes);
    } catch (e) {
      if (e instanceof AppException && e.code === ErrorCode.BAD_USER_INPUT)
        throw new PrivacyException(PrivacyErrorCode.INVALID_VALUE, e.message);
      throw e;
    }
    if (!reversal && Object.keys(result.after).length === 0)
      throw new PrivacyException(
        PrivacyErrorCode.NOTHING_TO_CHANGE,
        'The corrections match the record already',
      );
    return result;
  }

  /** A notice to the subject's email on file, in the caller's transaction; false when none. */
  private async tellSubject(
    m: EntityManager,
    request: DataSubjectRequestEntity,
    template: string,
    body: string,
  ): Promise<boolean> {
    const customer = await this.customerRecords.findById(request.customerId, m, {
      withDeleted: true,
    });
    if (!customer?.email) return false;
    await this.notifications.enqueue(NotificationChannel.Email, template, customer.email, body, m);
    return true;
  }

  /** Records the outcome and audits it, in the request's transaction. */
  private async close(
    ctx: RequestContext,
    m: EntityManager,
    request: DataSubjectRequestEntity,
    status: DsrStatus.Completed | DsrStatus.Rejected,
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

  private async lockRequest(m: EntityManager, id: string): Promise<DataSubjectRequestEntity> {
    const request = await m
      .getRepository(DataSubjectRequestEntity)
      .findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
    if (!request)
      throw new PrivacyException(PrivacyErrorCode.NOT_FOUND, 'Data subject request not found');
    return request;
  }

  private async lockOpen(m: EntityManager, id: string): Promise<DataSubjectRequestEntity> {
    const request = await this.lockRequest(m, id);
    if (!OPEN_STATUSES.includes(request.status))
      throw new PrivacyException(
        PrivacyErrorCode.REQUEST_CLOSED,
        `The request is already ${request.status}`,
      );
    return request;
  }

  private async lockVerified(m: EntityManager, id: string): Promise<DataSubjectRequestEntity> {
    const request = await this.lockOpen(m, id);
    if (request.status !== DsrStatus.InProgress)
      throw new PrivacyException(
        PrivacyErrorCode.NOT_VERIFIED,
        "Verify the subject's identity first (a code sent to them, or an attestation)",
      );
    return request;
  }
}
