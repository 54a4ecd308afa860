import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AppConfigService } from '../../../core/config/app-config.service';
import { CryptoErrorCode, CryptoException } from '../crypto.exception';
import { gcmOpen, gcmSeal, KEY_BYTES, NONCE_BYTES, TAG_BYTES } from '../utils/aes-gcm';
import { KmsProvider, WrapContext } from './kms-provider';

/** The default KMS: AES-256-GCM key wrapping under a master key read from a file or env at boot. */
@Injectable()
export class LocalKmsProvider implements KmsProvider {
  readonly name = 'local';
  private readonly masterKeys = new Map<string, Buffer>();
  private readonly current: string;

  constructor(config: AppConfigService) {
    this.current = config.get('MASTER_KEY_VERSION');
    this.masterKeys.set(this.current, decodeMasterKey(config.get('MASTER_KEY')));
    const previous = config.get('MASTER_KEY_PREVIOUS');
    const previousVersion = config.get('MASTER_KEY_PREVIOUS_VERSION');
    if (previous && previousVersion)
      this.masterKeys.set(previousVersion, decodeMasterKey(previous));
  }

  currentVersion(): string {
    return this.current;
  }

  canUnwrap(masterKeyVersion: string): boolean {
    return this.masterKeys.has(masterKeyVersion);
  }

  wrap(plainKey: Buffer, context: WrapContext): Promise<Buffer> {
    const nonce = randomBytes(NONCE_BYTES);
    const { ciphertext, tag } = gcmSeal(
      this.master(this.current),
      nonce,
      plainKey,
      aad(context, this.current),
    );
    return Promise.resolve(Buffer.concat([nonce, ciphertext, tag]));
  }

  unwrap(wrapped: Buffer, masterKeyVersion: string, context: WrapContext): Promise<Buffer> {
    const master = this.master(masterKeyVersion);
    try {
      const nonce = wrapped.subarray(0, NONCE_BYTES);
      const tag = wrapped.subarray(wrapped.length - TAG_BYTES);
      const body = wrapped.subarray(NONCE_BYTES, wrapped.length - TAG_BYTES);
      return Promise.resolve(gcmOpen(master, nonce, body, tag, aad(context, masterKeyVersion)));
    } catch {
      throw new CryptoException(
        CryptoErrorCode.MASTER_KEY_UNAVAILABLE,
        `A data key (${context.purpose} v${context.version}) does not unwrap under master key ${masterKeyVersion}: wrong master key?`,
      );
    }
  }

  private master(version: string): Buffer {
    const key = this.masterKeys.get(version);
    if (!key) {
      throw new CryptoException(
        CryptoErrorCode.MASTER_KEY_UNAVAILABLE,
        `Master key ${version} is not configured (set MASTER_KEY_PREVIOUS and MASTER_KEY_PREVIOUS_VERSION)`,
      );
    }
    return key;
  }
}

function decodeMasterKey(base64: string | undefined): Buffer {
  const key = Buffer.from(base64 ?? '', 'base64');
  if (key.length !== KEY_BYTES) {
    throw new CryptoException(
      CryptoErrorCode.MASTER_KEY_UNAVAILABLE,
      'The master key must be 32 bytes',
    );
  }
  return key;
}

function aad(context: WrapContext, masterKeyVersion: string): Buffer {
  return Buffer.from(
    `callwarden-kms|${context.purpose}|${context.version}|${context.subjectId ?? ''}|${masterKeyVersion}`,
    'utf8',
  );
}
