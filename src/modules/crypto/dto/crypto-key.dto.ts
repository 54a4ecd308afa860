import { Field, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { CryptoKeyStatus } from '../entities/crypto-key.entity';
import { ReencryptionStatus } from '../entities/reencryption-job.entity';

registerEnumType(CryptoKeyStatus, { name: 'CryptoKeyStatus' });
registerEnumType(ReencryptionStatus, { name: 'ReencryptionStatus' });

/** Key metadata only: material (wrapped or not) never leaves the crypto module. */
@ObjectType('CryptoKey')
export class CryptoKeyDTO {
  @Field(() => Int) id!: number;
  @Field() purpose!: string;
  @Field(() => Int) version!: number;
  @Field(() => CryptoKeyStatus) status!: CryptoKeyStatus;
  @Field() masterKeyVersion!: string;
  @Field() kmsProvider!: string;
  @Field() createdAt!: Date;
  @Field(() => Date, { nullable: true }) rotatedAt!: Date | null;
  @Field(() => Date, {
    nullable: true,
    description: 'Scheduled for destruction: when (cancellable until then)',
  })
  destroyAfter!: Date | null;
  @Field(() => Date, { nullable: true }) destroyedAt!: Date | null;
}

@ObjectType('ReencryptionProgress')
export class ReencryptionProgressDTO {
  @Field() purpose!: string;
  @Field(() => ReencryptionStatus) status!: ReencryptionStatus;
  @Field(() => Int) targetKeyId!: number;
  @Field(() => Int) rowsTotal!: number;
  @Field(() => Int) rowsScanned!: number;
  @Field(() => Int) rowsReencrypted!: number;
  @Field() startedAt!: Date;
  @Field(() => Date, { nullable: true }) finishedAt!: Date | null;
}

@ObjectType('RotateDataKeyPayload')
export class RotateDataKeyPayload {
  @Field(() => CryptoKeyDTO) previous!: CryptoKeyDTO;
  @Field(() => CryptoKeyDTO) current!: CryptoKeyDTO;
  @Field(() => ReencryptionProgressDTO) job!: ReencryptionProgressDTO;
}

@ObjectType('TableEncryption')
export class TableEncryptionDTO {
  @Field() table!: string;
  @Field() encrypted!: boolean;
  @Field(() => Int, { nullable: true }) keyId!: number | null;
}

@ObjectType('ServerSetting')
export class ServerSettingDTO {
  @Field() name!: string;
  @Field() value!: string;
}

@ObjectType('EncryptedColumn')
export class EncryptedColumnDTO {
  @Field() table!: string;
  @Field() field!: string;
  @Field({ description: 'pii, secrets, or subject (per-subject key, shredded on erasure)' })
  keyScope!: string;
  @Field() blindIndexed!: boolean;
  @Field() masked!: boolean;
}

@ObjectType('EncryptionStatus')
export class EncryptionStatusDTO {
  @Field() server!: string;
  @Field({ description: 'Every table encrypted at rest and the redo log too' }) ok!: boolean;
  @Field(() => [ServerSettingDTO]) settings!: ServerSettingDTO[];
  @Field(() => [TableEncryptionDTO]) tables!: TableEncryptionDTO[];
  @Field(() => [EncryptedColumnDTO]) columns!: EncryptedColumnDTO[];
}
