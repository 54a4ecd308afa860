import { Field, InputType } from '@nestjs/graphql';
import { IsIn } from 'class-validator';

@InputType()
export class RotateDataKeyInput {
  @Field({ description: 'pii, secrets or audit' })
  @IsIn(['pii', 'secrets', 'audit'])
  purpose!: string;
}
