import { ArgsType, Field, ID, InputType, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { Type } from 'class-transformer';
import { Paginated } from '../../../core/graphql/paginated';
import {
  IsEnum,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { PiiField } from '../../../core/authorization/pii-field';
import { CUSTOMER_PII_FIELDS } from '../../authorization';
import { CustomerStatus, PhoneType } from '../entities/customer.entity';

registerEnumType(CustomerStatus, { name: 'CustomerStatus' });
registerEnumType(PhoneType, { name: 'PhoneType' });

/** A customer as the API shows it: personal fields full or masked by the caller's role. */
@ObjectType('Customer')
export class CustomerDTO {
  @Field(() => ID) id!: string;
  @Field() externalRef!: string;
  @PiiField('Customer', 'name') firstName!: string | null;
  @PiiField('Customer', 'name') lastName!: string | null;
  @PiiField('Customer', 'email') email!: string | null;
  @PiiField('Customer', 'phone') phone!: string | null;
  @Field(() => PhoneType) phoneType!: PhoneType;
  @PiiField('Customer', 'address') addressLine!: string | null;
  @PiiField('Customer', 'address') city!: string | null;
  @Field(() => String, { nullable: true }) state!: string | null;
  @Field(() => String, { nullable: true }) zip!: string | null;
  @Field(() => String, { nullable: true }) timezone!: string | null;
  @PiiField('Customer', 'date') dateOfBirth!: string | null;
  @PiiField('Customer', 'ssn') ssn!: string | null;
  @PiiField('Customer', 'account') accountRef!: string | null;
  @Field() balance!: string;
  @Field(() => CustomerStatus) status!: CustomerStatus;
  @Field(() => [String], { nullable: true }) tags!: string[] | null;
  @Field(() => Date, {
    nullable: true,
    description: 'Processing restricted (GDPR Art. 18) since: no contact, no campaign audience',
  })
  processingRestrictedAt!: Date | null;
  @Field(() => Date, { nullable: true, description: 'Opted out of sale/sharing (CCPA) since' })
  saleOptedOutAt!: Date | null;
  @Field(() => Date, {
    nullable: true,
    description: 'Limited the use of sensitive information (CCPA) since',
  })
  sensitiveUseLimitedAt!: Date | null;
  @Field() createdAt!: Date;
}

@ObjectType('CustomerPage')
export class CustomerPageDTO extends Paginated(CustomerDTO, {
  totalCount: 'Customers the caller may see that match the filter',
}) {}

@InputType()
export class CustomerFilter {
  @Field({ nullable: true }) @IsOptional() @Matches(/^[A-Z]{2}$/) state?: string;
  @Field(() => CustomerStatus, { nullable: true })
  @IsOptional()
  @IsEnum(CustomerStatus)
  status?: CustomerStatus;
}

@ArgsType()
export class CustomersArgs {
  @Field(() => CustomerFilter, { nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => CustomerFilter)
  filter?: CustomerFilter;
  @Field(() => Int, { defaultValue: 20 }) @IsInt() @Min(1) @Max(200) first = 20;
  @Field(() => String, { nullable: true }) @IsOptional() @IsUUID() after?: string;
}

@InputType()
export class RevealCustomerFieldInput {
  @Field(() => ID) @IsUUID() id!: string;
  @Field() @IsIn([...CUSTOMER_PII_FIELDS]) field!: string;
  @Field({ description: 'Why the full value is needed (kept in the audit log)' })
  @IsString()
  @Length(10, 500)
  reason!: string;
}

@ObjectType('RevealedField')
export class RevealedFieldDTO {
  @Field() field!: string;
  @Field(() => String, { nullable: true }) value!: string | null;
}
