import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Authenticated, RequireStepUp } from '../../core/auth/auth.decorators';
import { Ctx, RequestContext } from '../../core/auth/request-context';
import { Allow } from '../../core/authorization/allow.decorator';
import { AuditService } from '../audit/audit.service';
import {
  ApiKeyDTO,
  ApiKeyIdInput,
  CreateApiKeyInput,
  CreatedApiKeyDTO,
  RotateApiKeyInput,
} from './dto/api-key.dto';
import { ApiKeyEntity } from './entities/api-key.entity';
import { IdentityErrorCode, IdentityException } from './identity.exception';
import { ApiKeysService } from './services/api-keys.service';
import { UsersService } from './services/users.service';

@Resolver(() => ApiKeyDTO)
export class ApiKeysResolver {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly keys: ApiKeysService,
    private readonly users: UsersService,
    private readonly audit: AuditService,
  ) {}

  @Authenticated()
  @Query(() => [ApiKeyDTO], { description: "The caller's live API keys" })
  async apiKeys(@Ctx() ctx: RequestContext): Promise<ApiKeyDTO[]> {
    return (await this.keys.listForOwner(ctx.principal.userId)).map((k) => ApiKeyDTO.from(k));
  }

  @Allow('create', 'ApiKey')
  @RequireStepUp()
  @Mutation(() => CreatedApiKeyDTO)
  async createApiKey(
    @Ctx() ctx: RequestContext,
    @Args('input') input: CreateApiKeyInput,
  ): Promise<CreatedApiKeyDTO> {
    const owner = await this.users.require(ctx.principal.userId);
    return this.dataSource.transaction(async (m) => {
      const { key, plaintext } = await this.keys.create(owner, input, m);
      await this.audit.record(
        {
          action: 'api_key.created',
          resourceType: 'ApiKey',
          resourceId: key.id,
          changes: { name: key.name, scopes: key.scopes, expiresAt: key.expiresAt },
        },
        m,
      );
      return { apiKey: plaintext, key: ApiKeyDTO.from(key) };
    });
  }

  @Allow('create', 'ApiKey')
  @RequireStepUp()
  @Mutation(() => CreatedApiKeyDTO, {
    description: 'New secret; the old one keeps working for the grace period',
  })
  async rotateApiKey(
    @Ctx() ctx: RequestContext,
    @Args('input') input: RotateApiKeyInput,
  ): Promise<CreatedApiKeyDTO> {
    const owner = await this.users.require(ctx.principal.userId);
    return this.dataSource.transaction(async (m) => {
      const old = await this.keys.findOwned(input.id, owner.id, m);
      const remainingDays = Math.max(
        1,
        Math.ceil((old.expiresAt.getTime() - Date.now()) / 86400_000),
      );
      const { key, plaintext } = await this.keys.create(
        owner,
        { name: old.name, scopes: old.scopes, expiresInDays: remainingDays },
        m,
      );
      await m
        .getRepository(ApiKeyEntity)
        .update(
          { id: old.id },
          { graceUntil: new Date(Date.now() + (input.graceHours ?? 24) * 3600_000) },
        );
      await this.audit.record(
        {
          action: 'api_key.created',
          resourceType: 'ApiKey',
          resourceId: key.id,
          changes: { rotatedFrom: old.id, graceHours: input.graceHours ?? 24 },
        },
        m,
      );
      return { apiKey: plaintext, key: ApiKeyDTO.from(key) };
    });
  }

  @Authenticated()
  @Mutation(() => Boolean)
  async revokeApiKey(
    @Ctx() ctx: RequestContext,
    @Args('input') input: ApiKeyIdInput,
  ): Promise<boolean> {
    return this.dataSource.transaction(async (m) => {
      const key = await this.keys.findOwned(input.id, ctx.principal.userId, m).catch(() => null);
      if (!key)
        throw new IdentityException(IdentityErrorCode.API_KEY_NOT_FOUND, 'API key not found');
      await m.getRepository(ApiKeyEntity).update({ id: key.id }, { revokedAt: new Date() });
      await this.audit.record(
        { action: 'api_key.revoked', resourceType: 'ApiKey', resourceId: key.id },
        m,
      );
      return true;
    });
  }
}
