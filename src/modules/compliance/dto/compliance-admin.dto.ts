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
