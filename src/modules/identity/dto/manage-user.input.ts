import { ArgsType, Field, ID, InputType, Int } from '@nestjs/graphql';
import {
  IsEmail,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';

@InputType()
export class CreateUserInput {
  @Field() @IsEmail() @MaxLength(254) email!: string;
  @Field() @IsString() @MaxLength(100) @Matches(/\S/) displayName!: string;
  @Field() @IsString() @MaxLength(64) role!: string;
  @Field(() => String, { nullable: true }) @IsOptional() @IsString() @MaxLength(64) teamId?: string;
}

@InputType()
export class UpdateUserInput {
  @Field(() => ID) @IsUUID() id!: string;
  @Field({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  @Matches(/\S/)
  displayName?: string;
  @Field({ nullable: true }) @IsOptional() @IsString() @MaxLength(64) role?: string;
  @Field(() => String, { nullable: true }) @IsOptional() @IsString() @MaxLength(64) teamId?: string;
}

@InputType()
export class UserIdInput {
  @Field(() => ID) @IsUUID() id!: string;
}

@ArgsType()
export class UsersArgs {
  @Field(() => Int, { defaultValue: 50 }) @IsInt() @Min(1) @Max(200) first = 50;
  @Field(() => String, { nullable: true }) @IsOptional() @IsUUID() after?: string;
}
