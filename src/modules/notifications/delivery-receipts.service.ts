import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import twilio from 'twilio';
import { DataSource, EntityManager } from 'typeorm';
import { AppConfigService } from '../../core/config/app-config.service';
import { ActorType, RefusalAlerts } from '../audit';
import { AuditService } from '../audit/audit.service';
import { ComplianceService } from '../compliance/compliance.service';
import { PhoneType } from '../customers';
import { CustomersService } from '../customers/customers.service';
import { NotificationChannel, NotificationEntity } from './entities/notification.entity';
import { NotificationsErrorCode, NotificationsException } from './notifications.exception';
import {
  advances,
  deliveryStatusOf,
  PermanentFailure,
  permanentFailureOf,
} from './rules/delivery-receipts';
import { STATUS_CALLBACK_PATH } from './senders/twilio-sms.sender';

const SYSTEM = { type: ActorType.System, id: 'sms-status' };

export type ReceiptOutcome = 'updated' | 'unchanged' | 'unknown_message' | 'ignored_status';

/**
 * Delivery receipts: Twilio's status callbacks for the texts it took (SMS_PROVIDER=twilio), posted
 * to `${PUBLIC_BASE_URL}/webhooks/sms/status` and signed as Twilio documents (HMAC-SHA1 with the
 * account's auth token over the URL and the sorted parameters, `X-Twilio-Signature`), checked with
 * the SDK's own validateRequest. A receipt moves its message's delivery status forward only
 * (rules/delivery-receipts.ts), so repeats and late receipts change nothing. An undelivered or
 * failed text whose error code means the number will never take texts (a landline, a dead number,
 * a carrier-level STOP) suppresses that number for the customer, in the receipt's transaction.
 */
@Injectable()
export class DeliveryReceiptsService {
  private readonly logger = new Logger(DeliveryReceiptsService.name);
  private readonly refusedReceipts: RefusalAlerts;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly compliance: ComplianceService,
    private readonly customers: CustomersService,
    private readonly audit: AuditService,
    private readonly config: AppConfigService,
  ) {
    this.refusedReceipts = new RefusalAlerts(audit, this.logger, {
      action: 'sms.status_refused',
      actorId: 'sms-status',
      path: STATUS_CALLBACK_PATH,
      what: 'SMS status callback',
    });
  }

  /**
   * Checks Twilio's signature. A refusal may be lost receipts (a rotated auth token, a wrong
   * PUBLIC_BASE_URL), and with them lost suppressions: never silent, but logged, counted and raised
   * as a critical audit event (to the SIEM) at most once a minute per cause.
   */
  verify(params: Record<string, string>, signature: string | undefined): void {
    const token = this.config.get('TWILIO_AUTH_TOKEN');
    const cause = !token
      ? 'not_configured'
      : !signature
        ? 'unsigned'
        : !twilio.validateRequest(
              token,
              signature,
              `${this.config.get('PUBLIC_BASE_URL')}${STATUS_CALLBACK_PATH}`,
              params,
            )
          ? 'bad_signature'
          : null;
    if (!cause) return;
    this.refusedReceipts.note(cause);
    throw new NotificationsException(
      NotificationsErrorCode.INVALID_SIGNATURE,
      'Unsigned or wrongly signed delivery receipt',
    );
  }

  /** Refused receipts by cause since this process started. */
  refusals(): Record<string, number> {
    return this.refusedReceipts.counts();
  }

  /** Applies one (verified) receipt. */
  async handle(params: Record<string, string>): Promise<ReceiptOutcome> {
    const sid = params.MessageSid ?? params.SmsSid ?? '';
    const reported = params.MessageStatus ?? params.SmsStatus ?? '';
    if (!/^[A-Za-z0-9]{2,64}$/.test(sid) || !reported)
      throw new NotificationsException(
        NotificationsErrorCode.INVALID_RECEIPT,
        'MessageSid and MessageStatus are required',
      );
    const status = deliveryStatusOf(reported);
    if (!status) {
      this.logger.log(`status callback for ${sid} ignored: status ${reported.slice(0, 20)}`);
      return 'ignored_status';
    }
    const failed = status === 'failed' || status === 'undelivered';
    const errorCode = failed && /^\d{1,16}$/.test(params.ErrorCode ?? '') ? params.ErrorCode : null;
    return this.dataSource.transaction(async (m) => {
      const n = await m
        .getRepository(NotificationEntity)
        .createQueryBuilder('n')
        .setLock('pessimistic_write')
        .where('n.provider_message_id = :sid', { sid })
        .getOne();
      if (!n) {
        this.logger.warn(`status callback for an unknown message ${sid} ignored`);
        return 'unknown_message';
      }
      if (!advances(n.deliveryStatus, status)) return 'unchanged';
      await m
        .getRepository(NotificationEntity)
        .update(
          { id: n.id },
          { deliveryStatus: status, deliveryErrorCode: errorCode, deliveryUpdatedAt: new Date() },
        );
      const permanent = permanentFailureOf(errorCode);
      if (permanent && errorCode && n.channel === NotificationChannel.Sms && n.customerId)
        await this.suppress(m, n, n.customerId, errorCode, permanent);
      return 'updated';
    });
  }

  /**
   * A number that will never take texts: its type recorded when it is the customer's primary phone
   * and the carrier said landline, a do-not-contact entry for texts to it (cancelling pending text
   * tasks), and the audit event; all in the receipt's transaction.
   */
  private async suppress(
    m: EntityManager,
    n: NotificationEntity,
    customerId: string,
    errorCode: string,
    kind: PermanentFailure,
  ): Promise<void> {
    const landline =
      kind === 'landline' &&
      (await this.customers.setPrimaryPhoneType(m, customerId, n.recipient, PhoneType.Landline));
    const entry = await this.compliance.addDnc(
      {
        customerId,
        channel: 'sms',
        address: n.recipient,
        list: 'internal',
        source: 'delivery_receipt',
        reason: `undeliverable: ${errorCode}`,
        createdBy: SYSTEM.id,
      },
      m,
    );
    await this.audit.record(
      {
        action: 'message.delivery_failed_permanent',
        actor: SYSTEM,
        resourceType: 'Customer',
        resourceId: customerId,
        changes: {
          notificationId: n.id,
          channel: n.channel,
          errorCode,
          cause: kind,
          phoneTypeSetToLandline: landline,
          dncEntryId: entry.id,
        },
      },
      m,
    );
  }
}
