import { createHmac } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AppConfigService } from '../../../core/config/app-config.service';

/** Delivers one critical event to the SIEM; throws when the receiver did not take it. */
export interface SiemSender {
  readonly enabled: boolean;
  send(payload: Record<string, unknown>, idempotencyKey: string): Promise<void>;
}

export const SIEM_SENDER = Symbol('SIEM_SENDER');

/**
 * Default sender: HTTPS POST of the event as JSON, signed with HMAC-SHA256 over
 * `<timestamp>.<body>` in `X-CallWarden-Signature: sha256=<hex>` (timestamp in
 * `X-CallWarden-Timestamp`, so receivers can refuse replays).
 */
@Injectable()
export class WebhookSiemSender implements SiemSender {
  private readonly url?: string;
  private readonly secret?: string;

  constructor(config: AppConfigService) {
    this.url = config.get('SIEM_WEBHOOK_URL');
    this.secret = config.get('SIEM_WEBHOOK_SECRET');
  }

  get enabled(): boolean {
    return Boolean(this.url && this.secret);
  }

  async send(payload: Record<string, unknown>, idempotencyKey: string): Promise<void> {
    if (!this.url || !this.secret) throw new Error('SIEM forwarding is not configured');
    const body = JSON.stringify(payload);
    const timestamp = Math.floor(Date.now() / 1000).toString();
    const signature = createHmac('sha256', this.secret)
      .update(`${timestamp}.${body}`)
      .digest('hex');
    const res = await fetch(this.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-callwarden-timestamp': timestamp,
        'x-callwarden-signature': `sha256=${signature}`,
        // At least once: an event sent again after a crash carries the same key (its audit seq).
        'idempotency-key': idempotencyKey,
      },
      body,
      signal: AbortSignal.timeout(5000),
    });
    if (!res.ok) throw new Error(`SIEM receiver answered ${res.status}`);
  }
}
