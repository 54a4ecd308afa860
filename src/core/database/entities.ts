import { CryptoKeyEntity } from '../../modules/crypto/entities/crypto-key.entity';
import { ReencryptionJobEntity } from '../../modules/crypto/entities/reencryption-job.entity';
import { CustomerEntity } from '../../modules/customers/entities/customer.entity';

/** Every TypeORM entity, shared by the app and the CLI data source. */
export const ENTITIES = [CryptoKeyEntity, ReencryptionJobEntity, CustomerEntity];
