import { Module, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { AppConfigService } from '../../core/config/app-config.service';
import { installFieldCipher, uninstallFieldCipher } from './encrypted-field.decorator';
import { EncryptedFieldSubscriber } from './encrypted-field.subscriber';
import { CryptoService } from './crypto.service';
import { KMS_PROVIDER } from './kms/kms-provider';
import { kmsProviderFor } from './kms/kms-provider.factory';
import { FieldCipherService } from './services/field-cipher.service';
import { KeyringService } from './services/keyring.service';
import { ReencryptionService } from './services/reencryption.service';
import { CryptoResolver } from './crypto.resolver';
import { CryptoMetrics } from './crypto.metrics';

/** Field encryption, data keys and their lifecycle. Imported by the modules that use CryptoService. */
@Module({
  providers: [
    // KMS_PROVIDER: `local` (the default) or `aws`.
    { provide: KMS_PROVIDER, inject: [AppConfigService], useFactory: kmsProviderFor },
    KeyringService,
    CryptoMetrics,
    FieldCipherService,
    ReencryptionService,
    EncryptedFieldSubscriber,
    CryptoService,
    CryptoResolver,
  ],
  exports: [CryptoService],
})
export class CryptoModule implements OnModuleInit, OnModuleDestroy {
  constructor(private readonly cipher: FieldCipherService) {}

  onModuleInit(): void {
    installFieldCipher(this.cipher);
  }

  onModuleDestroy(): void {
    uninstallFieldCipher(this.cipher);
  }
}
