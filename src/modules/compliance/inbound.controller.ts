import { Body, Controller, Header, HttpCode, Headers, Post, Query } from '@nestjs/common';
import { SkipThrottle } from '@nestjs/throttler';
import { Public } from '../../core/auth/public.decorator';
import { InboundSmsService } from './services/inbound-sms.service';
import { UnsubscribeService } from './services/unsubscribe.service';

/**
 * Opt-outs are never rate-limited: a refused STOP or unsubscribe is a contact the law forbids. Both
 * endpoints check a signature before any write, so an anonymous flood costs one HMAC per request.
 */
@SkipThrottle()
@Controller()
export class InboundController {
  constructor(
    private readonly inbound: InboundSmsService,
    private readonly unsubscribe: UnsubscribeService,
  ) {}

  /** The SMS provider's inbound webhook; authenticated by its signature, not by a user. */
  @Public()
  @Post('webhooks/sms/inbound')
  @HttpCode(200)
  @Header('content-type', 'text/xml')
  async sms(
    @Body() body: Record<string, unknown>,
    @Headers('x-twilio-signature') signature: string | undefined,
    @Headers('x-webhook-timestamp') timestamp: string | undefined,
  ): Promise<string> {
    const params = Object.fromEntries(
      Object.entries(body ?? {}).filter((e): e is [string, string] => typeof e[1] === 'string'),
    );
    this.inbound.verify(params, signature, timestamp);
    await this.inbound.handle(params);
    // Replies go out through the outbox, not in the webhook response.
    return '<?xml version="1.0" encoding="UTF-8"?><Response></Response>';
  }

  /** One-click email unsubscribe (RFC 8058 List-Unsubscribe-Post): the signed link is the credential. */
  @Public()
  @Post('unsubscribe/email')
  @HttpCode(200)
  async email(@Query('token') token: string | undefined): Promise<{ unsubscribed: true }> {
    await this.unsubscribe.redeem(token ?? '');
    return { unsubscribed: true };
  }
}
