import { readFileSync } from 'node:fs';
import { Injectable, OnModuleDestroy } from '@nestjs/common';
import nodemailer, { Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';
import { AppConfigService } from '../../../core/config/app-config.service';
import { NotificationChannel } from '../entities/notification.entity';
import type { NotificationSender, OutboundMessage } from '../notification-sender';

/** SMTP timeouts, within the worker's 5 s provider budget per step. */
const TIMEOUT_MS = 5000;

/** The domain part of EMAIL_FROM (`a@b.example` or `Name <a@b.example>`). */
export function fromDomain(from: string): string {
  const address = /<([^>]+)>\s*$/.exec(from)?.[1] ?? from;
  return address.slice(address.lastIndexOf('@') + 1);
}

/**
 * The RFC 8058 one-click headers of an email to a consumer: `List-Unsubscribe` with the signed link
 * (POST /unsubscribe/email?token=...), and `List-Unsubscribe-Post` only when that link is https
 * (RFC 8058 3.1: one-click needs an HTTPS URI). Both are DKIM-signed (nodemailer's default header
 * list covers them), as RFC 8058 4 requires.
 */
export function unsubscribeHeaders(url: string | undefined): Record<string, string> {
  if (!url || !/^https?:\/\//.test(url)) return {};
  return {
    'List-Unsubscribe': `<${url}>`,
    ...(url.startsWith('https://')
      ? { 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' }
      : {}),
  };
}

/**
 * Emails over SMTP with nodemailer: one message per outbox row, `Message-ID: <outbox id@domain>`
 * (a resend after a crash carries the same Message-ID, which receivers deduplicate on),
 * DKIM-signed when DKIM_* is set. smtp:// uses STARTTLS when the server offers it, and requires it
 * in production; smtps:// is TLS from the first byte. Returns the Message-ID. Errors name only the
 * SMTP response code, never an address.
 */
@Injectable()
export class SmtpEmailSender implements NotificationSender, OnModuleDestroy {
  private readonly transport?: Transporter<SMTPTransport.SentMessageInfo>;
  private readonly from: string;
  private readonly domain: string;

  constructor(config: AppConfigService) {
    this.from = config.get('EMAIL_FROM') ?? '';
    const domain = config.get('DKIM_DOMAIN');
    this.domain = domain ?? fromDomain(this.from);
    const smtp = config.get('SMTP_URL');
    if (!smtp || !this.from) return;
    const url = new URL(smtp);
    const secure = url.protocol === 'smtps:';
    const selector = config.get('DKIM_SELECTOR');
    const keyFile = config.get('DKIM_PRIVATE_KEY_FILE');
    this.transport = nodemailer.createTransport({
      host: url.hostname.replace(/^\[|\]$/g, ''),
      port: url.port ? Number(url.port) : secure ? 465 : 587,
      secure,
      requireTLS: !secure && config.isProduction,
      ...(url.username
        ? {
            auth: {
              user: decodeURIComponent(url.username),
              pass: config.get('SMTP_PASSWORD') ?? '',
            },
          }
        : {}),
      ...(domain && selector && keyFile
        ? {
            dkim: {
              domainName: domain,
              keySelector: selector,
              privateKey: readFileSync(keyFile, 'utf8'),
            },
          }
        : {}),
      connectionTimeout: TIMEOUT_MS,
      greetingTimeout: TIMEOUT_MS,
      socketTimeout: TIMEOUT_MS,
      logger: false,
    });
  }

  enabled(channel: NotificationChannel): boolean {
    return channel === NotificationChannel.Email && this.transport !== undefined;
  }

  async send(message: OutboundMessage): Promise<string | null> {
    if (!this.transport || message.channel !== NotificationChannel.Email)
      throw new Error('smtp sends emails only, and is not configured');
    const messageId = `<${message.id}@${this.domain}>`;
    try {
      const info = await this.transport.sendMail({
        from: this.from,
        to: message.to,
        subject: message.subject ?? 'A message about your account',
        text: message.body,
        messageId,
        headers: unsubscribeHeaders(message.unsubscribeUrl),
      });
      return (info.messageId || messageId).slice(0, 100);
    } catch (e) {
      const code = (e as { responseCode?: unknown; code?: unknown }) ?? {};
      // The cause stays behind on purpose: SMTP replies can quote the address (PII).
      // eslint-disable-next-line preserve-caught-error
      throw new Error(
        typeof code.responseCode === 'number'
          ? `smtp answered ${code.responseCode}`
          : `smtp failed: ${typeof code.code === 'string' ? code.code : 'error'}`,
      );
    }
  }

  onModuleDestroy(): void {
    this.transport?.close();
  }
}
