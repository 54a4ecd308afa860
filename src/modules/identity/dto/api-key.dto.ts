import { Field, ID, InputType, Int, ObjectType } from '@nestjs/graphql';
import {
  ArrayMaxSize,
  IsArray,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { ApiKeyEntity } from '../entities/api-key.entity';

@ObjectType('ApiKey')
export class ApiKeyDTO {
  @Field(() => ID) id!: string;
  @Field() name!: string;
  @Field() prefix!: string;
  @Field(() => [String]) scopes!: string[];
  @Field() createdAt!: Date;
  @Field() expiresAt!: Date;
  @Field(() => Date, { nullable: true }) lastUsedAt!: Date | null;
  @Field(() => String, { nullable: true }) lastUsedIp!: string | null;
  @Field(() => Date, { nullable: true }) graceUntil!: Date | null;

  static from(k: ApiKeyEntity): ApiKeyDTO {
    return {
      id: k.id,
      name: k.name,
      prefix: k.prefix,
      scopes: k.scopes,
      createdAt: k.createdAt,
      expiresAt: k.expiresAt,
      lastUsedAt: k.lastUsedAt,
      lastUsedIp: k.lastUsedIp,
      graceUntil: k.graceUntil,
    };
  }
}

@ObjectType('CreatedApiKey')
export class CreatedApiKeyDTO {
  @Field({ description: 'cw_<prefix>_<secret>: shown once, store it now' }) apiKey!: string;
  @Field(() => ApiKeyDTO) key!: ApiKeyDTO;
}

@InputType()
export class CreateApiKeyInput {
  @Field() @IsString() @MaxLength(100) @Matches(/\S/) name!: string;
  @Field(() => [String], { description: 'action:Subject, e.g. read:Customer' })
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @MaxLength(60, { each: true })
  scopes!: string[];
  @Field(() => Int, { nullable: true, description: 'Default 365' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(730)
  expiresInDays?: number;
}

@InputType()
export class RotateApiKeyInput {
  @Field(() => ID) @IsUUID() id!: string;
  @Field(() => Int, { nullable: true, description: 'Hours the old key keeps working (default 24)' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(168)
  graceHours?: number;
}

@InputType()
export class ApiKeyIdInput {
  @Field(() => ID) @IsUUID() id!: string;
}
