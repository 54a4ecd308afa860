import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { BY_ID, cursorPage, Page } from '../../../core/database/pagination';
import { AbilityService } from '../../authorization/services/ability.service';
import { CryptoService } from '../../crypto/crypto.service';
import { UserEntity, UserStatus } from '../entities/user.entity';
import { IdentityErrorCode, IdentityException } from '../identity.exception';
import { PasswordService } from './password.service';
import { echoValue } from '../../../core/errors/error-code';

export interface NewUser {
  email: string;
  displayName: string;
  role: string;
  teamId?: string | null;
  password: string;
}

/** Staff user records. */
@Injectable()
export class UsersService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly crypto: CryptoService,
    private readonly passwords: PasswordService,
    private readonly abilities: AbilityService,
  ) {}

  emailKey(email: string): Buffer | null {
    return this.crypto.blindIndex('email', email);
  }

  findByEmail(email: string, manager?: EntityManager): Promise<UserEntity | null> {
    const key = this.emailKey(email);
    if (!key) return Promise.resolve(null);
    return (manager ?? this.dataSource.manager)
      .getRepository(UserEntity)
      .findOneBy({ emailBidx: key });
  }

  findById(id: string, manager?: EntityManager): Promise<UserEntity | null> {
    return (manager ?? this.dataSource.manager).getRepository(UserEntity).findOneBy({ id });
  }

  async require(id: string, manager?: EntityManager): Promise<UserEntity> {
    const user = await this.findById(id, manager);
    if (!user) throw new IdentityException(IdentityErrorCode.USER_NOT_FOUND, 'User not found');
    return user;
  }

  /** Built-in or custom (authorization module) role. */
  async assertRole(role: string): Promise<void> {
    if (!(await this.abilities.roleExists(role))) {
      throw new IdentityException(
        IdentityErrorCode.UNKNOWN_ROLE,
        `Unknown role ${echoValue(role)}`,
      );
    }
  }

  async create(input: NewUser, manager: EntityManager): Promise<UserEntity> {
    await this.assertRole(input.role);
    this.passwords.assertAcceptable(input.password, input.email);
    if (!this.emailKey(input.email)) {
      throw new IdentityException(
        IdentityErrorCode.INVALID_CREDENTIALS,
        'That is not an email address',
      );
    }
    if (await this.findByEmail(input.email, manager)) {
      throw new IdentityException(
        IdentityErrorCode.EMAIL_TAKEN,
        'A user with this email already exists',
      );
    }
    const user = new UserEntity();
    user.id = uuidv7();
    user.email = input.email.trim();
    user.displayName = input.displayName.trim();
    user.role = input.role;
    user.teamId = input.teamId ?? null;
    user.status = UserStatus.Active;
    user.passwordHash = await this.passwords.hash(input.password);
    user.passwordChangedAt = new Date();
    user.mfaEnabled = false;
    user.totpSecret = null;
    user.totpLastStep = null;
    user.mfaEnrolledAt = null;
    user.lastLoginAt = null;
    return manager.getRepository(UserEntity).save(user);
  }

  list(first: number, after?: string | null): Promise<Page<UserEntity>> {
    return cursorPage(
      this.dataSource.getRepository(UserEntity).createQueryBuilder('u'),
      BY_ID,
      first,
      after,
    );
  }
}
