import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntitySubscriberInterface } from 'typeorm';
import { encryptedFieldsOf, keyIdsOf } from './encrypted-field.decorator';
import { KeyringService } from './services/keyring.service';

/** After rows load, makes sure the data keys their encrypted fields name are in memory (one query). */
@Injectable()
export class EncryptedFieldSubscriber implements EntitySubscriberInterface {
  constructor(
    @InjectDataSource() dataSource: DataSource,
    private readonly keyring: KeyringService,
  ) {
    dataSource.subscribers.push(this);
  }

  afterLoad(entity: object): Promise<void> | void {
    if (encryptedFieldsOf(entity.constructor).length === 0) return;
    const missing = keyIdsOf(entity).filter((id) => !this.keyring.isLoaded(id));
    if (missing.length > 0) return this.keyring.ensureLoaded(missing);
  }
}
