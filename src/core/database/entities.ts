import { AuditCheckpointEntity } from '../../modules/audit/entities/audit-checkpoint.entity';
import { AuditEventEntity } from '../../modules/audit/entities/audit-event.entity';
import { SiemOutboxEntity } from '../../modules/audit/entities/siem-outbox.entity';
import { CryptoKeyEntity } from '../../modules/crypto/entities/crypto-key.entity';
import { ReencryptionJobEntity } from '../../modules/crypto/entities/reencryption-job.entity';
import { CustomerEntity } from '../../modules/customers/entities/customer.entity';

/** Every TypeORM entity, shared by the app and the CLI data source. */
export const ENTITIES = [
  AuditEventEntity,
  AuditCheckpointEntity,
  SiemOutboxEntity,
  CryptoKeyEntity,
  ReencryptionJobEntity,
  CustomerEntity,
];
