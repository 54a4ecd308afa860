import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { RequireStepUp } from '../../core/auth/auth.decorators';
import { Allow } from '../../core/authorization/allow.decorator';
import { CryptoService } from './crypto.service';
import {
  CryptoKeyDTO,
  EncryptionStatusDTO,
  ReencryptionProgressDTO,
  RotateDataKeyPayload,
} from './dto/crypto-key.dto';
import { RotateDataKeyInput } from './dto/rotate-data-key.input';

@Resolver()
export class CryptoResolver {
  constructor(private readonly crypto: CryptoService) {}

  @Allow('read', 'CryptoKey')
  @Query(() => [CryptoKeyDTO], { description: 'Data key metadata (never key material)' })
  cryptoKeys(): Promise<CryptoKeyDTO[]> {
    return this.crypto.listKeys();
  }

  @Allow('manage', 'CryptoKey')
  @RequireStepUp()
  @Mutation(() => RotateDataKeyPayload)
  rotateDataKey(@Args('input') input: RotateDataKeyInput): Promise<RotateDataKeyPayload> {
    return this.crypto.rotateDataKey(input.purpose);
  }

  @Allow('read', 'CryptoKey')
  @Query(() => ReencryptionProgressDTO, { nullable: true })
  reencryptionProgress(@Args('purpose') purpose: string): Promise<ReencryptionProgressDTO | null> {
    return this.crypto.reencryptionProgress(purpose);
  }

  @Allow('read', 'CryptoKey')
  @Query(() => EncryptionStatusDTO)
  async encryptionStatus(): Promise<EncryptionStatusDTO> {
    const { tde, columns } = await this.crypto.encryptionStatus();
    return {
      server: tde.server,
      ok: tde.ok,
      settings: Object.entries(tde.settings).map(([name, value]) => ({ name, value })),
      tables: tde.tables,
      columns,
    };
  }
}
