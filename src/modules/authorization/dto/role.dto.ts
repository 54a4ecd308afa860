import { Field, InputType, Int, ObjectType } from '@nestjs/graphql';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsJSON,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';

@ObjectType('RoleRule')
export class RoleRuleDTO {
  @Field(() => [String]) action!: string[];
  @Field(() => [String]) subject!: string[];
  @Field(() => [String], { nullable: true }) fields?: string[] | null;
  @Field(() => String, {
    nullable: true,
    description: 'JSON; may use ${user.id} and ${user.teamId}',
  })
  conditions?: string | null;
  @Field() inverted!: boolean;
}

@ObjectType('Role')
export class RoleDTO {
  @Field() name!: string;
  @Field() description!: string;
  @Field() builtIn!: boolean;
  @Field(() => [String]) inherits!: string[];
  @Field(() => [RoleRuleDTO]) rules!: RoleRuleDTO[];
  @Field(() => Int) version!: number;
}

@InputType()
export class RoleRuleInput {
  @Field(() => [String])
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(10)
  @IsString({ each: true })
  action!: string[];
  @Field(() => [String])
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(20)
  @IsString({ each: true })
  subject!: string[];
  @Field(() => [String], { nullable: true })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  fields?: string[];
  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsJSON()
  @MaxLength(2000)
  conditions?: string;
  @Field({ nullable: true }) @IsOptional() @IsBoolean() inverted?: boolean;
}

@InputType()
export class SaveRoleInput {
  @Field()
  @Matches(/^[a-z][a-z0-9_-]{1,63}$/, { message: 'name is 2-64 of a-z, 0-9, _ and -' })
  name!: string;
  @Field({ nullable: true }) @IsOptional() @IsString() @MaxLength(255) description?: string;
  @Field(() => [String], { nullable: true })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10)
  @IsString({ each: true })
  inherits?: string[];
  @Field(() => [RoleRuleInput])
  @IsArray()
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => RoleRuleInput)
  rules!: RoleRuleInput[];
}

@InputType()
export class RoleNameInput {
  @Field() @Matches(/^[a-z][a-z0-9_-]{1,63}$/) name!: string;
}
