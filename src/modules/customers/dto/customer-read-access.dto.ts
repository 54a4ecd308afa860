import { ArgsType, Field, ID, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { IsDate, IsOptional, IsUUID } from 'class-validator';
import { ReadAccessKind } from '../customer-read-log.service';

registerEnumType(ReadAccessKind, {
  name: 'ReadAccessKind',
  description: 'How a reader got personal fields: an unmasked result, a reveal, an export',
});

@ObjectType('CustomerReadAccess', {
  description: "Who read a customer's personal fields: one row per reader, kind and (UTC) day",
})
export class CustomerReadAccessDTO {
  @Field({ description: '`user`, `api_key` or `system`' }) actorType!: string;
  @Field(() => ID, { description: 'The user or API key id, as in the audit log' })
  actorId!: string;
  @Field(() => String, { nullable: true, description: "The reader's role (the day's latest)" })
  actorRole!: string | null;
  @Field(() => ReadAccessKind) kind!: ReadAccessKind;
  @Field({ description: 'UTC day, YYYY-MM-DD' }) day!: string;
  @Field(() => Int, {
    description: 'Operations that day that returned the fields (aliases and fragments count once)',
  })
  reads!: number;
  @Field(() => [String], { description: 'The personal fields read (`notes`: task notes)' })
  fields!: string[];
  @Field() firstAt!: Date;
  @Field() lastAt!: Date;
}

@ArgsType()
export class CustomerReadAccessArgs {
  @Field(() => ID) @IsUUID() customerId!: string;
  @Field(() => Date, { nullable: true, description: 'From the UTC day of this instant' })
  @IsOptional()
  @IsDate()
  from?: Date;
  @Field(() => Date, { nullable: true, description: 'To the UTC day of this instant, included' })
  @IsOptional()
  @IsDate()
  to?: Date;
}
