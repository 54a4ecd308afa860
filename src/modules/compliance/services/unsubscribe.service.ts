import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfigService } from '../../../core/config/app-config.service';
import { CryptoService } from '../../crypto/crypto.service';
import { ComplianceErrorCode, ComplianceException } from '../compliance.exception';
import { ComplianceService } from '../compliance.service';
import { ConsentSource } from '../entities/consent.entity';

const VALID_DAYS = 365;

/**
 * Signed one-click unsubscribe links for emails (RFC 8058: `List-Unsubscribe` with a POST to this
 * URL). The token names the customer and expires; it is signed with the `secrets` data key.
 */
@Injectable()
export class UnsubscribeService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly crypto: CryptoService,
    private readonly compliance: ComplianceService,
    private readonly config: AppConfigService,
  ) {}

  link(customerId: string): string {
    const exp = Math.floor(Date.now() / 1000) + VALID_DAYS * 86400;
    const payload = `${customerId}.${exp}`;
    const { keyId, mac } = this.crypto.sign('secrets', `unsubscribe|${payload}`);
    return `${this.config.get('PUBLIC_BASE_URL')}/unsubscribe/email?token=${payload}.${keyId}.${mac.toString('base64url')}`;
  }

  /** Revokes email consent for every purpose and bans email for the person; idempotent. */
  async redeem(token: string): Promise<void> {
    const m = /^([0-9a-f-]{36})\.(\d{10})\.(\d{1,10})\.([A-Za-z0-9_-]{43})$/.exec(token);
    if (!m)
      throw new ComplianceException(
        ComplianceErrorCode.INVALID_SIGNATURE,
        'Invalid unsubscribe link',
      );
    const [, customerId, exp, keyId, mac] = m;
    const ok = await this.crypto.verifySignature(
      Number(keyId),
      `unsubscribe|${customerId}.${exp}`,
      Buffer.from(mac, 'base64url'),
    );
    if (!ok)
      throw new ComplianceException(
        ComplianceErrorCode.INVALID_SIGNATURE,
        'Invalid unsubscribe link',
      );
    if (Number(exp) * 1000 < Date.now())
      throw new ComplianceException(
        ComplianceErrorCode.STALE_REQUEST,
        'This unsubscribe link has expired',
      );
    await this.dataSource.transaction(async (tx) => {
      const [already] = await tx.query<{ n: string }[]>(
        "SELECT COUNT(*) AS n FROM dnc_entries WHERE customer_id = ? AND channel = 'email' AND scope = 'person' AND source = 'email_unsubscribe'",
        [customerId],
      );
      if (Number(already.n) > 0) return;
      for (const purpose of ['collection', 'marketing'] as const) {
        await this.compliance.recordConsent(
          {
            customerId,
            channel: 'email',
            purpose,
            granted: false,
            source: ConsentSource.EmailReply,
            recordedBy: 'email-unsubscribe',
          },
          tx,
        );
      }
      await this.compliance.addDnc(
        {
          customerId,
          channel: 'email',
          source: 'email_unsubscribe',
          reason: 'one-click unsubscribe',
        },
        tx,
      );
    });
  }
}
