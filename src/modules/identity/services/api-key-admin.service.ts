import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, IsNull } from 'typeorm';
import { AuditService } from '../../audit/audit.service';
import type { AuditActor } from '../../audit';
import { ApiKeyEntity } from '../entities/api-key.entity';
import { IdentityErrorCode, IdentityException } from '../identity.exception';
import { ApiKeysService } from './api-keys.service';
import { UsersService } from './users.service';

/** What an owner does with their API keys, each change audited in its own transaction. */
@Injectable()
export class ApiKeyAdminService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly keys: ApiKeysService,
    private readonly users: UsersService,
    private readonly audit: AuditService,
  ) {}

  /** A new key; the plaintext is returned once and never stored. */
  async create(
    ownerId: string,
    input: { name: string; scopes: string[]; expiresInDays?: number },
  ): Promise<{ key: ApiKeyEntity; plaintext: string }> {
    const owner = await this.users.require(ownerId);
    return this.dataSource.transaction(async (m) => {
      const created = await this.keys.create(owner, input, m);
      const { key } = created;
      await this.audit.record(
        {
          action: 'api_key.created',
          resourceType: 'ApiKey',
          resourceId: key.id,
          changes: { name: key.name, scopes: key.scopes, expiresAt: key.expiresAt },
        },
        m,
      );
      return created;
    });
  }

  /** A new secret for an owned key; the old one keeps working for `graceHours` (default 24). */
  async rotate(
    ownerId: string,
    keyId: string,
    graceHours = 24,
  ): Promise<{ key: ApiKeyEntity; plaintext: string }> {
    const owner = await this.users.require(ownerId);
    return this.dataSource.transaction(async (m) => {
      const old = await this.keys.findOwned(keyId, owner.id, m);
      const remainingDays = Math.max(
        1,
        Math.ceil((old.expiresAt.getTime() - Date.now()) / 86400_000),
      );
      const created = await this.keys.create(
        owner,
        { name: old.name, scopes: old.scopes, expiresInDays: remainingDays },
        m,
      );
      await m
        .getRepository(ApiKeyEntity)
        .update({ id: old.id }, { graceUntil: new Date(Date.now() + graceHours * 3600_000) });
      await this.audit.record(
        {
          action: 'api_key.created',
          resourceType: 'ApiKey',
          resourceId: created.key.id,
          changes: { rotatedFrom: old.id, graceHours },
        },
        m,
      );
      return created;
    });
  }

  /** Containment: revokes any key at once, whoever owns it; false if it was already revoked. */
  revokeAny(keyId: string, actor?: AuditActor): Promise<boolean> {
    return this.dataSource.transaction(async (m) => {
      const result = await m
        .getRepository(ApiKeyEntity)
        .update({ id: keyId, revokedAt: IsNull() }, { revokedAt: new Date() });
      if ((result.affected ?? 0) === 0) {
        if (!(await m.getRepository(ApiKeyEntity).existsBy({ id: keyId })))
          throw new IdentityException(IdentityErrorCode.API_KEY_NOT_FOUND, 'API key not found');
        return false;
      }
      await this.audit.record(
        { action: 'api_key.revoked', actor, resourceType: 'ApiKey', resourceId: keyId },
        m,
      );
      return true;
    });
  }

  /** Revokes an owned key at once. */
  revoke(ownerId: string, keyId: string): Promise<void> {
    return this.dataSource.transaction(async (m) => {
      const key = await this.keys.findOwned(keyId, ownerId, m).catch(() => null);
      if (!key)
        throw new IdentityException(IdentityErrorCode.API_KEY_NOT_FOUND, 'API key not found');
      await m.getRepository(ApiKeyEntity).update({ id: key.id }, { revokedAt: new Date() });
      await this.audit.record(
        { action: 'api_key.revoked', resourceType: 'ApiKey', resourceId: key.id },
        m,
      );
    });
  }
}
