import { Field, ID, ObjectType, registerEnumType } from '@nestjs/graphql';
import { Paginated } from '../../../core/graphql/paginated';
import { UserEntity, UserStatus } from '../entities/user.entity';

registerEnumType(UserStatus, { name: 'UserStatus' });

/** A staff user as the API shows it: never the password hash, TOTP secret or key material. */
@ObjectType('User')
export class UserDTO {
  @Field(() => ID) id!: string;
  @Field() email!: string;
  @Field() displayName!: string;
  @Field() role!: string;
  @Field(() => String, { nullable: true }) teamId!: string | null;
  @Field(() => UserStatus) status!: UserStatus;
  @Field() mfaEnabled!: boolean;
  @Field(() => Date, { nullable: true }) lastLoginAt!: Date | null;
  @Field() createdAt!: Date;

  static from(u: UserEntity, locked = false): UserDTO {
    return {
      id: u.id,
      email: u.email,
      displayName: u.displayName,
      role: u.role,
      teamId: u.teamId,
      status: locked && u.status === UserStatus.Active ? UserStatus.Locked : u.status,
      mfaEnabled: u.mfaEnabled,
      lastLoginAt: u.lastLoginAt,
      createdAt: u.createdAt,
    };
  }
}

@ObjectType('UserPage')
export class UserPageDTO extends Paginated(UserDTO) {}
