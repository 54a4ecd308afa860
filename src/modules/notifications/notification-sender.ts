import { createHmac } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AppConfigService } from '../../core/config/app-config.service';
import { NotificationChannel } from './entities/notification.entity';

export interface OutboundMessage {
  id: string;
  channel: NotificationChannel;
  to: string;
  body: string;
  /** A text's sender number (the consumer's sticky number in the 10DLC campaign's pool). */
  from?: string | null;
  /** An email to a customer: their signed one-click unsubscribe link (RFC 8058 headers). */
  unsubscribeUrl?: string;
  /** An email's Subject (subjectFor its template). */
  subject?: string;
}

/** Hands one message to the channel's provider; throws when the provider did not take it. */
export interface NotificationSender {
  enabled(channel: NotificationChannel): boolean;
  /** Returns the provider's message id when it gives one. */
  send(message: OutboundMessage): Promise<string | null>;
}

export const NOTIFICATION_SENDER = Symbol('NOTIFICATION_SENDER');

/**
 * Default sender: a JSON POST per message to the channel's provider relay (NOTIFY_SMS_URL,
 * NOTIFY_EMAIL_URL), signed with HMAC-SHA256 over `<timestamp>.<body>` in
 * `X-CallWarden-Signature: sha256=<hex>`, with the outbox id as `Idempotency-Key` so a retry after
 * a lost answer is not sent twice. The Twilio and SMTP adapters (senders/) are other classes behind
 * the same interface; ProviderRouterSender, bound to NOTIFICATION_SENDER in NotificationsModule,
 * picks one per channel.
 */
@Injectable()
export class HttpNotificationSender implements NotificationSender {
  private readonly urls: Record<NotificationChannel, string | undefined>;
  private readonly secret?: string;

  constructor(config: AppConfigService) {
    this.urls = {
      [NotificationChannel.Sms]: config.get('NOTIFY_SMS_URL'),
      [NotificationChannel.Email]: config.get('NOTIFY_EMAIL_URL'),
    };
    this.secret = config.get('NOTIFY_WEBHOOK_SECRET');
  }

  enabled(channel: NotificationChannel): boolean {
    return Boolean(this.urls[channel] && this.secret);
  }

  async send(message: OutboundMessage): Promise<string | null> {
    const url = this.urls[message.channel];
    if (!url || !this.secret) throw new Error(`no ${message.channel} provider is configured`);
    const body = JSON.stringify(message);
    const timestamp = Math.floor(Date.now() / 1000).toString();
    const signature = createHmac('sha256', this.secret)
      .update(`${timestamp}.${body}`)
      .digest('hex');
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'idempotency-key': message.id,
        'x-callwarden-timestamp': timestamp,
        'x-callwarden-signature': `sha256=${signature}`,
      },
      body,
      signal: AbortSignal.timeout(5000),
    });
    if (!res.ok) throw new Error(`${message.channel} provider answered ${res.status}`);
    const answer = (await res.json().catch(() => null)) as { id?: unknown } | null;
    return typeof answer?.id === 'string' ? answer.id.slice(0, 100) : null;
  }
}
