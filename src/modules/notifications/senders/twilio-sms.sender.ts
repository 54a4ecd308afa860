import { Injectable } from '@nestjs/common';
import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient';
import { AppConfigService } from '../../../core/config/app-config.service';
import { NotificationChannel } from '../entities/notification.entity';
import type { NotificationSender, OutboundMessage } from '../notification-sender';

/** Where Twilio posts a text's delivery receipts (status callbacks), under PUBLIC_BASE_URL. */
export const STATUS_CALLBACK_PATH = '/webhooks/sms/status';

/** The provider call's timeout: below NOTIFY_LEASE_SECONDS (at least 10 s), like the relay's. */
const TIMEOUT_MS = 5000;

/**
 * The SDK's HTTP client, with every request's origin replaced by TWILIO_API_BASE_URL (the SDK
 * builds absolute api.twilio.com URLs and has no base URL option; region and edge only rename the
 * host). Path, query, Basic auth and form body are the SDK's own, unchanged.
 */
class BaseUrlRequestClient extends twilio.RequestClient {
  constructor(private readonly origin: string) {
    super({ timeout: TIMEOUT_MS, autoRetry: false });
  }

  override request<TData>(opts: RequestClient.RequestOptions<TData>) {
    const url = new URL(opts.uri);
    return super.request<TData>({ ...opts, uri: `${this.origin}${url.pathname}${url.search}` });
  }
}

/**
 * Texts through the official Twilio SDK: one Messages resource per text, from the consumer's sticky
 * sender number (the outbox's `from_number`; TWILIO_DEFAULT_FROM for texts without one), with the
 * status callback URL that delivery receipts come back to. Returns the message SID (SM...).
 *
 * Twilio takes no idempotency key for messages: the worker's at-least-once delivery means a
 * process killed after Twilio accepted a text and before its SID was written sends it again on the
 * next claim (rare: the window is one HTTP answer wide). Only the SID and Twilio's error code ever
 * reach the logs or `last_error`; Twilio's error messages can quote the number, so they do not.
 */
@Injectable()
export class TwilioSmsSender implements NotificationSender {
  private readonly client?: twilio.Twilio;
  private readonly statusCallback: string;
  private readonly defaultFrom?: string;

  constructor(config: AppConfigService) {
    const sid = config.get('TWILIO_ACCOUNT_SID');
    const token = config.get('TWILIO_AUTH_TOKEN');
    const base = config.get('TWILIO_API_BASE_URL');
    if (sid && token)
      this.client = twilio(sid, token, {
        httpClient: base
          ? new BaseUrlRequestClient(base)
          : new twilio.RequestClient({ timeout: TIMEOUT_MS, autoRetry: false }),
      });
    this.statusCallback = `${config.get('PUBLIC_BASE_URL')}${STATUS_CALLBACK_PATH}`;
    this.defaultFrom = config.get('TWILIO_DEFAULT_FROM');
  }

  enabled(channel: NotificationChannel): boolean {
    return channel === NotificationChannel.Sms && this.client !== undefined;
  }

  async send(message: OutboundMessage): Promise<string | null> {
    if (!this.client || message.channel !== NotificationChannel.Sms)
      throw new Error('twilio sends texts only, and is not configured');
    const from = message.from ?? this.defaultFrom;
    if (!from) throw new Error('no sender number (set TWILIO_DEFAULT_FROM)');
    try {
      const created = await this.client.messages.create({
        to: message.to,
        from,
        body: message.body,
        statusCallback: this.statusCallback,
      });
      return created.sid;
    } catch (e) {
      // The cause stays behind on purpose: Twilio's messages can quote the number (PII).
      /* eslint-disable preserve-caught-error */
      if (e instanceof twilio.RestException)
        throw new Error(`twilio answered ${e.status}${e.code ? ` (error ${e.code})` : ''}`);
      throw new Error(`twilio request failed: ${e instanceof Error ? e.name : 'error'}`);
      /* eslint-enable preserve-caught-error */
    }
  }
}
