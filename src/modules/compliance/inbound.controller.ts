import { Body, Controller, Header, HttpCode, Headers, Post, Query } from '@nestjs/common';
import { Public } from '../../core/auth/public.decorator';
import { InboundSmsService } from './services/inbound.service';
import { UnsubscribeService } from './services/unsubscribe.service';

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
