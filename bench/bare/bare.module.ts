import { ApolloDriver, ApolloDriverConfig } from '@nestjs/apollo';
import { Controller, Get, Module } from '@nestjs/common';
import { Args, Field, ID, Int, ObjectType, Query, Resolver, GraphQLModule } from '@nestjs/graphql';
import { InjectRepository, TypeOrmModule } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { validateEnvironment } from '../../src/core/config/environment';
import { dataSourceOptions } from '../../src/core/database/data-source';
import { ENTITIES } from '../../src/entities';
import { CustomerEntity } from '../../src/modules/customers/entities/customer.entity';

/**
 * The baseline for the GraphQL read path: the same stack (Nest on Express, Apollo, TypeORM, the
 * same pool) reading the same rows, without the application's guard, session check, CASL, masking,
 * audit capture, graphql-armor, helmet or request store.
 */
@ObjectType('BareCustomer')
export class BareCustomerDTO {
  @Field(() => ID) id!: string;
  @Field(() => String, { nullable: true }) email!: string | null;
  @Field(() => String, { nullable: true }) phone!: string | null;
  @Field(() => String, { nullable: true }) lastName!: string | null;
  @Field(() => String, { nullable: true }) state!: string | null;
}

@Resolver(() => BareCustomerDTO)
export class BareCustomersResolver {
  constructor(
    @InjectRepository(CustomerEntity) private readonly repo: Repository<CustomerEntity>,
  ) {}

  @Query(() => [BareCustomerDTO])
  async customers(
    @Args('first', { type: () => Int, nullable: true }) first?: number,
  ): Promise<BareCustomerDTO[]> {
    const rows = await this.repo.find({ order: { id: 'ASC' }, take: first ?? 20 });
    return rows.map((c) => ({
      id: c.id,
      email: c.emailMasked,
      phone: c.phoneMasked,
      lastName: c.lastNameMasked,
      state: c.state,
    }));
  }
}

@Controller('health')
export class BareHealthController {
  @Get('live')
  live(): { status: string } {
    return { status: 'ok' };
  }
}

@Module({
  imports: [
    TypeOrmModule.forRoot(dataSourceOptions(validateEnvironment({ ...process.env }), ENTITIES)),
    TypeOrmModule.forFeature([CustomerEntity]),
    GraphQLModule.forRoot<ApolloDriverConfig>({
      driver: ApolloDriver,
      path: '/graphql',
      autoSchemaFile: true,
      sortSchema: true,
      introspection: false,
      graphiql: false,
      csrfPrevention: true,
      allowBatchedHttpRequests: false,
      includeStacktraceInErrorResponses: false,
    }),
  ],
  controllers: [BareHealthController],
  providers: [BareCustomersResolver],
})
export class BareModule {}
