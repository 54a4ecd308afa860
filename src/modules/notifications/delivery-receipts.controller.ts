import { Body, Controller, Headers, HttpCode, Post } from '@nestjs/common';
import { SkipThrottle } from '@nestjs/throttler';
import { Public } from '../../core/auth/public.decorator';
import { DeliveryReceiptsService } from './delivery-receipts.service';

/**
 * Twilio's status callbacks (form posts). Never rate-limited: a dropped receipt can be a lost
 * suppression. The signature is checked before anything is read or written.
 */
@SkipThrottle()
@Controller()
export class DeliveryReceiptsController {
  constructor(private readonly receipts: DeliveryReceiptsService) {}

  /** Authenticated by Twilio's signature, not by a user. */
  @Public()
  @Post('webhooks/sms/status')
  @HttpCode(200)
  async status(
    @Body() body: Record<string, unknown>,
    @Headers('x-twilio-signature') signature: string | undefined,
  ): Promise<{ received: true }> {
    const params = Object.fromEntries(
      Object.entries(body ?? {}).filter((e): e is [string, string] => typeof e[1] === 'string'),
    );
    this.receipts.verify(params, signature);
    await this.receipts.handle(params);
    return { received: true };
  }
}
