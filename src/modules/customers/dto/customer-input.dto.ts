import { Field, ID, InputType } from '@nestjs/graphql';
import {
  IsArray,
  IsEmail,
  IsEnum,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
} from 'class-validator';
import { PhoneType } from '../entities/customer.entity';
import { HHMM } from '../../../core/validation/patterns';

@InputType()
export class CustomerFieldsInput {
  @Field({ nullable: true }) @IsOptional() @IsString() @MaxLength(100) firstName?: string;
  @Field({ nullable: true }) @IsOptional() @IsString() @MaxLength(100) lastName?: string;
  @Field({ nullable: true }) @IsOptional() @IsEmail() @MaxLength(254) email?: string;
  @Field({ nullable: true, description: 'Any US format; stored as E.164' })
  @IsOptional()
  @IsString()
  @MaxLength(32)
  phone?: string;
  @Field(() => PhoneType, { nullable: true })
  @IsOptional()
  @IsEnum(PhoneType)
  phoneType?: PhoneType;
  @Field({ nullable: true }) @IsOptional() @IsString() @MaxLength(200) addressLine?: string;
  @Field({ nullable: true }) @IsOptional() @IsString() @MaxLength(100) city?: string;
  @Field({ nullable: true }) @IsOptional() @Matches(/^[A-Z]{2}$/) state?: string;
  @Field({ nullable: true }) @IsOptional() @Matches(/^\d{5}$/) zip?: string;
  @Field({ nullable: true, description: 'IANA zone; derived from the ZIP when not given' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  timezone?: string;
  @Field({ nullable: true, description: 'YYYY-MM-DD' })
  @IsOptional()
  @Matches(/^\d{4}-\d{2}-\d{2}$/)
  dateOfBirth?: string;
  @Field({ nullable: true }) @IsOptional() @Matches(/^\d{3}-?\d{2}-?\d{4}$/) ssn?: string;
  @Field({ nullable: true }) @IsOptional() @IsString() @MaxLength(64) accountRef?: string;
  @Field({ nullable: true }) @IsOptional() @Matches(/^\d{1,12}(\.\d{1,2})?$/) balance?: string;
  @Field(() => [String], { nullable: true })
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  @MaxLength(40, { each: true })
  tags?: string[];
  @Field({ nullable: true, description: "The consumer's own earliest time, HH:mm local" })
  @IsOptional()
  @Matches(HHMM)
  contactWindowStart?: string;
  @Field({ nullable: true }) @IsOptional() @Matches(HHMM) contactWindowEnd?: string;
}

@InputType()
export class CreateCustomerInput extends CustomerFieldsInput {
  @Field() @IsString() @MaxLength(100) @Matches(/\S/) externalRef!: string;
}

@InputType()
export class UpdateCustomerInput extends CustomerFieldsInput {
  @Field(() => ID) @IsUUID() id!: string;
}

@InputType()
export class CustomerIdInput {
  @Field(() => ID) @IsUUID() id!: string;
}
