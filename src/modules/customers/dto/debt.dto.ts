import { ArgsType, Field, ID, InputType, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import {
  IsDate,
  IsEnum,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { PiiField } from '../../../core/authorization/pii-field';
import { DebtStatus } from '../entities/debt.entity';
import { PlacementImportStatus } from '../entities/placement-import.entity';

registerEnumType(DebtStatus, { name: 'DebtStatus' });
registerEnumType(PlacementImportStatus, { name: 'PlacementImportStatus' });

const MONEY = /^\d{1,12}(\.\d{1,2})?$/;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** A debt as the API shows it: the account reference and balances full or masked by role. */
@ObjectType('Debt')
export class DebtDTO {
  @Field(() => ID) id!: string;
  @Field(() => ID) customerId!: string;
  @Field({ description: "The placement's id in the creditor's file" }) placementRef!: string;
  @Field() creditor!: string;
  @PiiField('Debt', 'account', 'Masked (***1234) for roles without access', 'customerId')
  accountRef!: string | null;
  @PiiField('Debt', 'text', 'Decimal; *** for roles without access', 'customerId')
  originalBalance!: string | null;
  @PiiField('Debt', 'text', 'Decimal; *** for roles without access', 'customerId')
  currentBalance!: string | null;
  @Field(() => DebtStatus) status!: DebtStatus;
  @Field({ description: 'Placement date, YYYY-MM-DD' }) placedAt!: string;
  @Field(() => Date, { nullable: true, description: 'Validation notice (Reg F 1006.34) sent' })
  validationNoticeAt!: Date | null;
  @Field() createdAt!: Date;
  @Field() updatedAt!: Date;
}

@InputType()
export class CreateDebtInput {
  @Field(() => ID) @IsUUID() customerId!: string;
  @Field() @Matches(/^[\x21-\x7e]{1,100}$/) placementRef!: string;
  @Field() @IsString() @Length(1, 200) creditor!: string;
  @Field() @IsString() @Length(1, 64) accountRef!: string;
  @Field() @Matches(MONEY) originalBalance!: string;
  @Field() @Matches(MONEY) currentBalance!: string;
  @Field({ description: 'YYYY-MM-DD' }) @Matches(DAY) placedAt!: string;
  @Field({ nullable: true }) @IsOptional() @IsDate() validationNoticeAt?: Date;
}

@InputType()
export class UpdateDebtStatusInput {
  @Field(() => ID) @IsUUID() id!: string;
  @Field(() => DebtStatus) @IsEnum(DebtStatus) status!: DebtStatus;
}

@ArgsType()
export class FindDebtsArgs {
  @Field({ nullable: true }) @IsOptional() @IsString() @MaxLength(40) phone?: string;
  @Field({ nullable: true }) @IsOptional() @IsString() @MaxLength(254) email?: string;
  @Field({ nullable: true }) @IsOptional() @IsString() @MaxLength(64) accountRef?: string;
}

@InputType()
export class ImportPlacementsInput {
  @Field({
    description:
      'The placement file as CSV text (header line first). Larger files: POST /imports/placements',
  })
  @IsString()
  @MaxLength(256 * 1024)
  csv!: string;
}

@ArgsType()
export class PlacementImportsArgs {
  @Field(() => Int, { defaultValue: 20 }) @IsInt() @Min(1) @Max(100) first = 20;
}

@ObjectType('PlacementRowError')
export class PlacementRowErrorDTO {
  @Field(() => Int, { description: 'The line of the file (the header is line 1)' }) line!: number;
  @Field({ description: 'Stable code, e.g. INVALID_AMOUNT, REQUIRED, DUPLICATE_PLACEMENT_REF' })
  code!: string;
  @Field(() => String, { nullable: true }) column!: string | null;
  @Field() message!: string;
}

@ObjectType('PlacementImport')
export class PlacementImportDTO {
  @Field(() => ID) id!: string;
  @Field(() => PlacementImportStatus) status!: PlacementImportStatus;
  @Field(() => Int) rowsTotal!: number;
  @Field(() => Int, { description: 'Rows validated, then (while writing) rows written' })
  rowsDone!: number;
  @Field(() => Int) errorCount!: number;
  @Field(() => [PlacementRowErrorDTO], { description: 'At most the first 100' })
  errors!: PlacementRowErrorDTO[];
  @Field(() => Int) customersCreated!: number;
  @Field(() => Int) debtsCreated!: number;
  @Field(() => Int) debtsUpdated!: number;
  @Field(() => Int) debtsUnchanged!: number;
  @Field({ description: 'Nothing was written: every debt was already on file as given' })
  unchanged!: boolean;
  @Field() startedAt!: Date;
  @Field(() => Date, { nullable: true }) validatedAt!: Date | null;
  @Field(() => Date, { nullable: true }) finishedAt!: Date | null;
}
