import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, IsNull } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import {
  AbilityService,
  KEY_FORBIDDEN_CAPABILITIES,
} from '../../authorization/services/ability.service';
import type { Action } from '../../../core/authorization/allow.decorator';
import { ApiKeyEntity } from '../entities/api-key.entity';
import { UserEntity, UserStatus } from '../entities/user.entity';
import { IdentityErrorCode, IdentityException } from '../identity.exception';
import { equalHashes, randomToken, sha256 } from '../utils/secrets';
import { KEY_FORBIDDEN_SUBJECTS, KEY_SELF_OPERATIONS } from '../../../core/auth/auth.decorators';
import { echoValue } from '../../../core/errors/error-code';
import { SecurityNoticesService } from './security-notices.service';

const KEY_FORMAT = /^cw_([a-z0-9]{16})_([A-Za-z0-9_-]{43})$/;
const LAST_USED_WRITE_MS = 60_000;
export const DEFAULT_KEY_DAYS = 365;
const ACTIONS: Action[] = ['manage', 'create', 'read', 'update', 'delete', 'reveal', 'export'];

export interface ValidatedKey {
  key: ApiKeyEntity;
  owner: UserEntity;
}

/** Integration keys: `cw_<prefix>_<secret>`, validated with one indexed lookup by prefix. */
@Injectable()
export class ApiKeysService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly abilities: AbilityService,
    private readonly notices: SecurityNoticesService,
  ) {}

  /**
   * Scopes are `action:Subject`, each one a permission the creator has (never on ApiKey or
   * Session), or `self:<operation>` for the few own-account reads a key may make (`self:me`).
   */
  async assertScopes(owner: UserEntity, scopes: string[]): Promise<void> {
    const ability = await this.abilities.abilityFor({
      role: owner.role,
      userId: owner.id,
      teamId: owner.teamId,
    });
    for (const scope of scopes) {
      const [action, subject] = scope.split(':');
      if (action === 'self' && KEY_SELF_OPERATIONS.has(subject)) continue;
      if (KEY_FORBIDDEN_SUBJECTS.has(subject))
        throw new IdentityException(
          IdentityErrorCode.SCOPE_EXCEEDED,
          `Scope ${echoValue(scope)}: API keys cannot manage API keys or sessions`,
        );
      if (
        !ACTIONS.includes(action as Action) ||
        !subject ||
        !/^[A-Z][A-Za-z]{1,40}$/.test(subject)
      ) {
        throw new IdentityException(
          IdentityErrorCode.SCOPE_EXCEEDED,
          `Scope ${echoValue(scope)} is not of the form action:Subject`,
        );
      }
      if (
        KEY_FORBIDDEN_CAPABILITIES.some(
          ([a, sub]) => (a === action || action === 'manage') && sub === subject,
        )
      )
        throw new IdentityException(
          IdentityErrorCode.SCOPE_EXCEEDED,
          `Scope ${echoValue(scope)}: managing users, roles or crypto keys needs MFA, which an API key cannot do`,
        );
      if (!ability.can(action as Action, subject)) {
        throw new IdentityException(
          IdentityErrorCode.SCOPE_EXCEEDED,
          `Scope ${echoValue(scope)} exceeds your own permissions`,
        );
      }
    }
  }

  async create(
    owner: UserEntity,
    input: { name: string; scopes: string[]; expiresInDays?: number },
    manager: EntityManager,
  ): Promise<{ key: ApiKeyEntity; plaintext: string }> {
    await this.assertScopes(owner, input.scopes);
    const prefix = randomBytes(10).toString('hex').slice(0, 16);
    const secret = randomToken(32);
    const now = new Date();
    const repo = manager.getRepository(ApiKeyEntity);
    const key = await repo.save(
      repo.create({
        id: uuidv7(),
        prefix,
        secretHash: sha256(secret),
        name: input.name,
        ownerId: owner.id,
        scopes: [...new Set(input.scopes)],
        createdAt: now,
        expiresAt: new Date(now.getTime() + (input.expiresInDays ?? DEFAULT_KEY_DAYS) * 86400_000),
        lastUsedAt: null,
        lastUsedIp: null,
        revokedAt: null,
        graceUntil: null,
      }),
    );
    await this.notices.notify(owner, 'api_key_created', manager);
    return { key, plaintext: `cw_${prefix}_${secret}` };
  }

  /** One indexed lookup, a constant-time compare, and the checks; throws INVALID_API_KEY. */
  async validate(presented: string, ip: string | null): Promise<ValidatedKey> {
    const match = KEY_FORMAT.exec(presented);
    const invalid = () =>
      new IdentityException(IdentityErrorCode.INVALID_API_KEY, 'The API key is not valid');
    if (!match) throw invalid();
    const [, prefix, secret] = match;
    const key = await this.dataSource.getRepository(ApiKeyEntity).findOneBy({ prefix });
    if (!key || !equalHashes(sha256(secret), key.secretHash)) throw invalid();
    const now = Date.now();
    if (
      key.revokedAt ||
      key.expiresAt.getTime() <= now ||
      (key.graceUntil && key.graceUntil.getTime() <= now)
    ) {
      throw invalid();
    }
    const owner = await this.dataSource.getRepository(UserEntity).findOneBy({ id: key.ownerId });
    if (!owner || owner.status !== UserStatus.Active) throw invalid();
    if (
      !key.lastUsedAt ||
      now - key.lastUsedAt.getTime() > LAST_USED_WRITE_MS ||
      key.lastUsedIp !== ip
    ) {
      key.lastUsedAt = new Date(now);
      key.lastUsedIp = ip;
      await this.dataSource
        .getRepository(ApiKeyEntity)
        .update({ id: key.id }, { lastUsedAt: key.lastUsedAt, lastUsedIp: ip });
    }
    return { key, owner };
  }

  listForOwner(ownerId: string): Promise<ApiKeyEntity[]> {
    return this.dataSource
      .getRepository(ApiKeyEntity)
      .find({ where: { ownerId, revokedAt: IsNull() }, order: { createdAt: 'DESC' } });
  }

  async findOwned(id: string, ownerId: string, manager: EntityManager): Promise<ApiKeyEntity> {
    const key = await manager.getRepository(ApiKeyEntity).findOneBy({ id, ownerId });
    if (!key || key.revokedAt)
      throw new IdentityException(IdentityErrorCode.API_KEY_NOT_FOUND, 'API key not found');
    return key;
  }
}
