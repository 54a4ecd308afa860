import { ArgsType, Field, ID } from '@nestjs/graphql';
import { IsUUID } from 'class-validator';

/** `(id: ID!)`: the arguments of a query that reads one record by its UUID. */
@ArgsType()
export class IdArgs {
  @Field(() => ID) @IsUUID() id!: string;
}
