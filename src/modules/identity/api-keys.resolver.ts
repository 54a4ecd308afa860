import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { Authenticated, RequireStepUp } from '../../core/auth/auth.decorators';
import { Ctx, RequestContext } from '../../core/auth/request-context';
import { Allow } from '../../core/authorization/allow.decorator';
import {
  ApiKeyDTO,
  ApiKeyIdInput,
  CreateApiKeyInput,
  CreatedApiKeyDTO,
  RotateApiKeyInput,
} from './dto/api-key.dto';
import { ApiKeyAdminService } from './services/api-key-admin.service';
import { ApiKeysService } from './services/api-keys.service';

@Resolver(() => ApiKeyDTO)
export class ApiKeysResolver {
  constructor(
    private readonly keys: ApiKeysService,
    private readonly admin: ApiKeyAdminService,
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
    const { key, plaintext } = await this.admin.create(ctx.principal.userId, input);
    return { apiKey: plaintext, key: ApiKeyDTO.from(key) };
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
    const { key, plaintext } = await this.admin.rotate(
      ctx.principal.userId,
      input.id,
      input.graceHours ?? 24,
    );
    return { apiKey: plaintext, key: ApiKeyDTO.from(key) };
  }

  @Authenticated()
  @Mutation(() => Boolean)
  async revokeApiKey(
    @Ctx() ctx: RequestContext,
    @Args('input') input: ApiKeyIdInput,
  ): Promise<boolean> {
    await this.admin.revoke(ctx.principal.userId, input.id);
    return true;
  }
}
