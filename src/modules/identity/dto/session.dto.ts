import { Field, ID, InputType, ObjectType } from '@nestjs/graphql';
import { IsUUID } from 'class-validator';

@ObjectType('Session')
export class SessionDTO {
  @Field(() => ID) id!: string;
  @Field() createdAt!: Date;
  @Field() lastSeenAt!: Date;
  @Field() expiresAt!: Date;
  @Field(() => String, { nullable: true }) ip!: string | null;
  @Field(() => String, { nullable: true }) userAgent!: string | null;
  @Field(() => [String]) amr!: string[];
  @Field() current!: boolean;
}

@InputType()
export class SessionIdInput {
  @Field(() => ID) @IsUUID() id!: string;
}
