import { createHash, randomInt, timingSafeEqual } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { RequestContext } from '../../../core/auth/request-context';
import { AuditService } from '../../audit/audit.service';
import { CryptoService } from '../../crypto/crypto.service';
import { CustomersService } from '../../customers/customers.service';
import { NotificationChannel } from '../../notifications';
import { NotificationsService } from '../../notifications/notifications.service';
import {
  DataSubjectRequestEntity,
  DsrStatus,
  DsrVerificationMethod,
  OPEN_STATUSES,
  VerificationChannel,
} from '../entities/data-subject-request.entity';
import { PrivacyErrorCode, PrivacyException } from '../privacy.exception';

/** A code is good for 30 minutes and five guesses; a request gets at most five codes. */
export const CODE_TTL_MS = 30 * 60_000;
export const MAX_CODE_ATTEMPTS = 5;
export const MAX_CODES_SENT = 5;

const hashOf = (requestId: string, code: string): Buffer =>
  createHash('sha256').update(`${requestId}:${code}`).digest();

/**
 * Verifying that the person asking is the data subject (GDPR Art. 12(6), CCPA regs 11 CCR 7060):
 * either a one-time code sent to the contact on file (through the outbox, so it leaves like every
 * other message), read back by the subject; or a staff member's attestation with what they checked.
 * Either moves the request to in_progress. Only a hash of the code is kept.
 */
@Injectable()
export class SubjectVerificationService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly customers: CustomersService,
    private readonly notifications: NotificationsService,
    private readonly crypto: CryptoService,
    private readonly audit: AuditService,
  ) {}

  async sendCode(
    ctx: RequestContext,
    id: string,
    channel: VerificationChannel,
  ): Promise<DataSubjectRequestEntity> {
    return this.dataSource.transaction(async (m) => {
      const request = await this.lockUnverified(m, id);
      if (request.verificationSends >= MAX_CODES_SENT)
        throw new PrivacyException(
          PrivacyErrorCode.TOO_MANY_CODES,
          `At most ${MAX_CODES_SENT} codes per request: verify by attestation instead`,
        );
      const customer = await this.customers.findById(request.customerId, m, { withDeleted: true });
      const to = channel === VerificationChannel.Email ? customer?.email : customer?.phone;
      if (!to)
        throw new PrivacyException(
          PrivacyErrorCode.NO_CONTACT_ON_FILE,
          `The customer has no ${channel === VerificationChannel.Email ? 'email address' : 'phone number'} on file`,
        );
      const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
      request.status = DsrStatus.Verifying;
      request.verificationChannel = channel;
      request.verificationCodeHash = hashOf(request.id, code);
      request.verificationExpiresAt = new Date(Date.now() + CODE_TTL_MS);
      request.verificationAttempts = 0;
      request.verificationSends += 1;
      await m.getRepository(DataSubjectRequestEntity).save(request);
      // Requested by the subject and about their own request: not a collection contact, so it is
      // not gated by the contact rules (an erasure request's suppression must not block it).
      await this.notifications.enqueue(
        channel === VerificationChannel.Email ? NotificationChannel.Email : NotificationChannel.Sms,
        'privacy_verification_code',
        to,
        `Your verification code for your privacy request is ${code}. It expires in 30 minutes. ` +
          'If you did not make a request, ignore this message.',
        m,
      );
      await this.audit.record(
        {
          action: 'privacy.verification_code_sent',
          resourceType: 'DataSubjectRequest',
          resourceId: request.id,
          changes: { channel, send: request.verificationSends },
        },
        m,
      );
      return request;
    });
  }

  /**
   * Checks a code read back by the subject. A wrong code is counted (and audited) in its own
   * committed transaction before the error is returned, so guesses cannot be retried for free.
   */
  async verifyCode(
    ctx: RequestContext,
    id: string,
    code: string,
  ): Promise<DataSubjectRequestEntity> {
    const outcome = await this.dataSource.transaction(async (m) => {
      const request = await this.lockUnverified(m, id);
      if (!request.verificationCodeHash || !request.verificationExpiresAt)
        throw new PrivacyException(PrivacyErrorCode.CODE_EXPIRED, 'No code is pending: send one');
      if (request.verificationAttempts >= MAX_CODE_ATTEMPTS)
        throw new PrivacyException(
          PrivacyErrorCode.CODE_LOCKED,
          'Too many wrong codes: send a new one',
        );
      if (request.verificationExpiresAt.getTime() <= Date.now())
        throw new PrivacyException(
          PrivacyErrorCode.CODE_EXPIRED,
          'The code expired: send a new one',
        );
      if (!timingSafeEqual(hashOf(request.id, code.trim()), request.verificationCodeHash)) {
        request.verificationAttempts += 1;
        await m.getRepository(DataSubjectRequestEntity).save(request);
        await this.audit.record(
          {
            action: 'privacy.verification_failed',
            resourceType: 'DataSubjectRequest',
            resourceId: request.id,
            changes: { attempt: request.verificationAttempts },
          },
          m,
        );
        return { ok: false as const, left: MAX_CODE_ATTEMPTS - request.verificationAttempts };
      }
      request.verificationCodeHash = null;
      request.verificationExpiresAt = null;
      const verified = await this.markVerified(ctx, m, request, DsrVerificationMethod.Code);
      return { ok: true as const, verified };
    });
    if (outcome.ok) return outcome.verified;
    throw new PrivacyException(
      PrivacyErrorCode.WRONG_CODE,
      `Wrong code; ${outcome.left} attempt(s) left`,
    );
  }

  /** A staff member vouches for the subject's identity and says how (kept encrypted). */
  attest(ctx: RequestContext, id: string, evidence: string): Promise<DataSubjectRequestEntity> {
    return this.dataSource.transaction(async (m) => {
      const request = await this.lockUnverified(m, id);
      await this.crypto.ensureSubjectKey(request.customerId, m);
      request.attestation = evidence.trim();
      request.verificationCodeHash = null;
      request.verificationExpiresAt = null;
      return this.markVerified(ctx, m, request, DsrVerificationMethod.Attestation);
    });
  }

  private async markVerified(
    ctx: RequestContext,
    m: EntityManager,
    request: DataSubjectRequestEntity,
    method: DsrVerificationMethod,
  ): Promise<DataSubjectRequestEntity> {
    request.status = DsrStatus.InProgress;
    request.verificationMethod = method;
    request.verifiedAt = new Date();
    request.verifiedBy = ctx.principal.id;
    await m.getRepository(DataSubjectRequestEntity).save(request);
    await this.audit.record(
      {
        action: 'privacy.subject_verified',
        resourceType: 'DataSubjectRequest',
        resourceId: request.id,
        changes: { method, customerId: request.customerId },
      },
      m,
    );
    return request;
  }

  private async lockUnverified(m: EntityManager, id: string): Promise<DataSubjectRequestEntity> {
    const request = await m
      .getRepository(DataSubjectRequestEntity)
      .findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
    if (!request)
      throw new PrivacyException(PrivacyErrorCode.NOT_FOUND, 'Data subject request not found');
    if (!OPEN_STATUSES.includes(request.status))
      throw new PrivacyException(
        PrivacyErrorCode.REQUEST_CLOSED,
        `The request is already ${request.status}`,
      );
    if (request.status === DsrStatus.InProgress)
      throw new PrivacyException(
        PrivacyErrorCode.ALREADY_VERIFIED,
        'The subject is already verified',
      );
    return request;
  }
}
