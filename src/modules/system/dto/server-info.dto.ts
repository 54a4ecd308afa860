import { Field, ObjectType } from '@nestjs/graphql';

@ObjectType('ServerInfo')
export class ServerInfoDTO {
  @Field()
  name!: string;

  @Field({ description: 'Version of the GraphQL API contract' })
  apiVersion!: string;

  @Field()
  serverTime!: Date;
}
