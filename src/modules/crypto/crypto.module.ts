import { Module, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { installFieldCipher, uninstallFieldCipher } from './encrypted-field.decorator';
import { EncryptedFieldSubscriber } from './encrypted-field.subscriber';
import { CryptoService } from './crypto.service';
import { KMS_PROVIDER } from './kms/kms-provider';
import { LocalKmsProvider } from './kms/local-kms.provider';
import { FieldCipherService } from './services/field-cipher.service';
import { KeyringService } from './services/keyring.service';
import { ReencryptionService } from './services/reencryption.service';
import { CryptoResolver } from './crypto.resolver';

/** Field encryption, data keys and their lifecycle. Imported by the modules that use CryptoService. */
@Module({
  providers: [
    { provide: KMS_PROVIDER, useClass: LocalKmsProvider },
    KeyringService,
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
