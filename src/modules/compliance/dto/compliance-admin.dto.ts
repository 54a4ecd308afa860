import { Field, InputType, Int, ObjectType } from '@nestjs/graphql';
import { IsIn, IsString, MaxLength } from 'class-validator';

@InputType()
export class ImportDncListInput {
  @Field({ description: 'national, state, reassigned, litigator or internal' })
  @IsIn(['national', 'state', 'reassigned', 'litigator', 'internal'])
  list!: 'national' | 'state' | 'reassigned' | 'litigator' | 'internal';
  @Field({ description: 'One phone number per line (a header line and extra columns are ignored)' })
  @IsString()
  @MaxLength(240_000)
  csv!: string;
}

@ObjectType('ImportDncResult')
export class ImportDncResultDTO {
  @Field(() => Int) imported!: number;
  @Field(() => Int) skipped!: number;
  @Field(() => Int) tasksCancelled!: number;
}

@ObjectType('ComplianceReportRow')
export class ComplianceReportRowDTO {
  @Field() section!: string;
  @Field() key!: string;
  @Field() value!: number;
}

@ObjectType('UnknownAreaCode')
export class UnknownAreaCodeDTO {
  @Field() areaCode!: string;
  @Field(() => Int) customers!: number;
}

@ObjectType('ZoneDataHealth')
export class ZoneDataHealthDTO {
  @Field({ description: 'Version (date) of the shipped area-code and ZIP time-zone data' })
  dataVersion!: string;
  @Field(() => Int, {
    description: 'Customers whose area code the data does not know (held to every mainland zone)',
  })
  unknownAreaCodeCustomers!: number;
  @Field(() => [UnknownAreaCodeDTO]) unknownAreaCodes!: UnknownAreaCodeDTO[];
  @Field(() => Int, { description: 'Customers with no zone at all: never contacted' })
  customersWithoutZone!: number;
  @Field(() => Int, { description: 'Customers written before phone zones were stored' })
  customersPendingZones!: number;
}
