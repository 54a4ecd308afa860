import { createHmac, timingSafeEqual } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfigService } from '../../../core/config/app-config.service';
import { ActorType, RefusalAlerts } from '../../audit';
import { AuditService } from '../../audit/audit.service';
import { CryptoService } from '../../crypto/crypto.service';
import { NotificationChannel } from '../../notifications';
import { NotificationsService } from '../../notifications/notifications.service';
import { ComplianceErrorCode, ComplianceException } from '../compliance.exception';
import { ComplianceService } from '../compliance.service';
import { ConsentSource } from '../entities/consent.entity';
import { classifyInbound, InboundIntent } from '../rules/opt-out';

export const WEBHOOK_PATH = '/webhooks/sms/inbound';
const MAX_SKEW_SECONDS = 300;
const SYSTEM = { type: ActorType.System, id: 'sms-inbound' };

/**
 * 47 CFR 64.1200(a)(10) as amended by FCC 24-24 would make a revocation reach every robocall and
 * robotext "on unrelated matters"; the Consumer and Governmental Affairs Bureau's order of
 * 2026-01-06 (CG Docket No. 02-278) waives that part until 2027-01-31. Until then a text revocation
 * covers texts (every purpose, and the number itself); from that day it covers calls as well.
 */
export const REVOKE_ALL_FROM = new Date('2027-01-31T00:00:00-05:00');
export function revokedChannels(receivedAt: Date): ('sms' | 'call')[] {
  return receivedAt >= REVOKE_ALL_FROM ? ['sms', 'call'] : ['sms'];
}

/**
 * The one confirmation of a revocation (47 CFR 64.1200(a)(12)): sent once, at once, and it says
 * nothing else (no marketing, no scope question: every text purpose is revoked, so there is no
 * scope to clarify).
 */
export const OPT_OUT_REPLY = 'You are unsubscribed and will get no more texts from us.';
export const OPT_IN_REPLY = 'You are subscribed again to account texts. Reply STOP to unsubscribe.';
export const HELP_REPLY =
  'Account texts about your balance. Reply STOP to unsubscribe. Msg&data rates may apply.';

/**
 * Inbound texts from the SMS provider (Twilio-style form posts). The signature is HMAC-SHA1 with
 * the shared secret over `<timestamp>.<full URL><sorted name+value pairs>`, base64, in
 * `X-Twilio-Signature`; `X-Webhook-Timestamp` (unix seconds) must be within five minutes, so an old
 * request cannot be replayed. Each provider message id is handled once.
 */
@Injectable()
export class InboundSmsService {
  private readonly logger = new Logger(InboundSmsService.name);
  private readonly refusedRequests: RefusalAlerts;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly compliance: ComplianceService,
    private readonly crypto: CryptoService,
    private readonly notifications: NotificationsService,
    private readonly audit: AuditService,
    private readonly config: AppConfigService,
  ) {
    this.refusedRequests = new RefusalAlerts(audit, this.logger, {
      action: 'sms.inbound_refused',
      actorId: 'sms-inbound',
      path: WEBHOOK_PATH,
      what: 'inbound SMS webhook request',
      changes: () => ({ configured: Boolean(this.config.get('SMS_WEBHOOK_SECRET')) }),
    });
  }

  /**
   * Checks the provider's signature and timestamp. A refusal may be a lost STOP (a wrong secret, a
   * clock off by minutes), so it is never silent: logged, counted, and raised as a critical audit
   * event (which the SIEM receives) at most once a minute per reason, with the count since the last.
   */
  verify(
    params: Record<string, string>,
    signature: string | undefined,
    timestamp: string | undefined,
  ): void {
    try {
      this.check(params, signature, timestamp);
    } catch (e) {
      this.refusedRequests.note(e instanceof ComplianceException ? String(e.reason) : 'error');
      throw e;
    }
  }

  /** Refused webhook requests by reason since this process started. */
  refusals(): Record<string, number> {
    return this.refusedRequests.counts();
  }

  private check(
    params: Record<string, string>,
    signature: string | undefined,
    timestamp: string | undefined,
  ): void {
    const secret = this.config.get('SMS_WEBHOOK_SECRET');
    if (!secret || !signature)
      throw new ComplianceException(ComplianceErrorCode.INVALID_SIGNATURE, 'Unsigned request');
    const ts = Number(timestamp);
    if (!Number.isInteger(ts) || Math.abs(Date.now() / 1000 - ts) > MAX_SKEW_SECONDS) {
      throw new ComplianceException(ComplianceErrorCode.STALE_REQUEST, 'Stale or undated request');
    }
    const expected = signInbound(
      secret,
      `${this.config.get('PUBLIC_BASE_URL')}${WEBHOOK_PATH}`,
      params,
      String(ts),
    );
    const given = Buffer.from(signature, 'utf8');
    const want = Buffer.from(expected, 'utf8');
    if (given.length !== want.length || !timingSafeEqual(given, want)) {
      throw new ComplianceException(ComplianceErrorCode.INVALID_SIGNATURE, 'Bad signature');
    }
  }

  /** Handles one inbound text; returns what it was read as, or 'duplicate' when already handled. */
  async handle(params: Record<string, string>): Promise<InboundIntent | 'duplicate'> {
    const messageId = (params.MessageSid ?? params.SmsSid ?? '').slice(0, 64);
    const from = params.From ?? '';
    const fromBidx = this.crypto.blindIndex('phone', from);
    if (!messageId || !fromBidx)
      throw new ComplianceException(
        ComplianceErrorCode.INVALID_ADDRESS,
        'MessageSid and a valid From are required',
      );
    const intent = classifyInbound(params.Body ?? '');
    return this.dataSource.transaction(async (m) => {
      const inserted = await m.query<{ affectedRows: number }>(
        'INSERT IGNORE INTO inbound_messages (provider_message_id, from_bidx, intent, received_at) VALUES (?, ?, ?, NOW(3))',
        [messageId, fromBidx, intent],
      );
      if (inserted.affectedRows === 0) return 'duplicate';
      const customers = await this.compliance.customersWithAddress(m, 'phone', fromBidx);
      if (intent === 'opt_out') {
        // Revocation by any reasonable means takes effect at once, for every purpose and campaign;
        // the number itself is suppressed even when no customer has it (kept only as a hash).
        const channels = revokedChannels(new Date());
        const [{ already }] = await m.query<{ already: number }[]>(
          "SELECT COUNT(*) AS already FROM dnc_entries WHERE address_bidx = ? AND channel = 'sms' AND source = 'sms_keyword'",
          [fromBidx],
        );
        for (const customerId of customers) {
          for (const channel of channels) {
            for (const purpose of ['collection', 'marketing'] as const) {
              await this.compliance.recordConsent(
                {
                  customerId,
                  channel,
                  purpose,
                  granted: false,
                  source: ConsentSource.SmsKeyword,
                  recordedBy: 'sms-inbound',
                },
                m,
              );
            }
          }
        }
        for (const channel of channels) {
          await this.compliance.addDnc(
            {
              channel,
              address: from,
              source: 'sms_keyword',
              reason: 'opt-out reply',
              createdBy: 'sms-inbound',
            },
            m,
          );
        }
        // One confirmation per revocation: a number that had already opted out gets no second text.
        if (Number(already) === 0)
          await this.notifications.enqueue(
            NotificationChannel.Sms,
            'sms_opt_out_confirmation',
            from,
            OPT_OUT_REPLY,
            m,
          );
      } else if (intent === 'opt_in') {
        await m.query(
          "DELETE FROM dnc_entries WHERE address_bidx = ? AND channel = 'sms' AND source = 'sms_keyword'",
          [fromBidx],
        );
        for (const customerId of customers) {
          await this.compliance.recordConsent(
            {
              customerId,
              channel: 'sms',
              purpose: 'collection',
              granted: true,
              source: ConsentSource.SmsKeyword,
              recordedBy: 'sms-inbound',
            },
            m,
          );
        }
        await this.notifications.enqueue(
          NotificationChannel.Sms,
          'sms_opt_in_confirmation',
          from,
          OPT_IN_REPLY,
          m,
        );
      } else if (intent === 'help') {
        await this.notifications.enqueue(NotificationChannel.Sms, 'sms_help', from, HELP_REPLY, m);
      }
      await this.audit.record(
        {
          action: `sms.inbound_${intent}`,
          actor: SYSTEM,
          resourceType: 'InboundMessage',
          resourceId: messageId,
          changes: { customers: customers.length },
        },
        m,
      );
      return intent;
    });
  }
}

/** The provider's signature over a request (also used by tests and local tools to sign). */
export function signInbound(
  secret: string,
  url: string,
  params: Record<string, string>,
  timestamp: string,
): string {
  const data = `${timestamp}.${url}${Object.keys(params)
    .sort()
    .map((k) => `${k}${params[k]}`)
    .join('')}`;
  return createHmac('sha1', secret).update(data, 'utf8').digest('base64');
}
