import { ApolloDriver, ApolloDriverConfig } from '@nestjs/apollo';
import { DynamicModule, Module, ModuleMetadata } from '@nestjs/common';
import { GraphQLModule } from '@nestjs/graphql';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import { Logger } from 'nestjs-pino';
import { AppConfigService } from '../config/app-config.service';
import { OPERATION_RECORDER, OperationRecorder } from '../audit/operation-recorder';
import { operationCapturePlugin } from './operation-capture.plugin';
import { PII_READ_RECORDER, PiiReadRecorder } from '../authorization/pii-reads';
import { piiReadPlugin } from './pii-read.plugin';
import { errorPlugin, formatGraphQLError } from './error-plugin';
import { graphQLContext } from './graphql-context';
import { operationLimitsRule } from './operation-limits';
import { MetricsService } from '../metrics/metrics.service';
import { metricsPlugin } from './metrics.plugin';

/** Limits on what one document may ask for; beyond them the request is refused before execution. */
export const GRAPHQL_LIMITS = {
  maxDepth: 10,
  maxAliases: 30,
  maxDirectives: 20,
  maxTokens: 2000,
  maxCost: 5000,
} as const;

export interface AppGraphQLOptions {
  /** The modules that provide PII_READ_RECORDER (the composition root names them: core knows none). */
  imports: NonNullable<ModuleMetadata['imports']>;
}

@Module({})
export class AppGraphQLModule {
  static forRoot(options: AppGraphQLOptions): DynamicModule {
    return { module: AppGraphQLModule, imports: [graphQLModule(options)] };
  }
}

function graphQLModule(options: AppGraphQLOptions): DynamicModule {
  return GraphQLModule.forRootAsync<ApolloDriverConfig>({
    driver: ApolloDriver,
    imports: options.imports,
    // The operation recorder is the audit module's (global), the read recorder the customers
    // module's: core names the interfaces, not the modules.
    inject: [AppConfigService, Logger, OPERATION_RECORDER, PII_READ_RECORDER, MetricsService],
    useFactory: (
      config: AppConfigService,
      logger: Logger,
      recorder: OperationRecorder,
      reads: PiiReadRecorder,
      metrics: MetricsService,
    ): ApolloDriverConfig => {
      const production = config.isProduction;
      const armor = new ApolloArmor({
        maxDepth: { n: GRAPHQL_LIMITS.maxDepth },
        // __typename counts too: a hundred aliased __typename fields reach no resolver but still
        // cost the server (armor's default lets them through).
        maxAliases: { n: GRAPHQL_LIMITS.maxAliases, allowList: [] },
        maxDirectives: { n: GRAPHQL_LIMITS.maxDirectives },
        // Tokens are limited by the parser itself (parseOptions below): armor's token plugin
        // parses in its own hook, and its syntax errors came out as HTTP 500.
        maxTokens: { enabled: false },
        costLimit: { maxCost: GRAPHQL_LIMITS.maxCost },
        blockFieldSuggestion: { enabled: production },
      }).protect();
      return {
        path: '/graphql',
        autoSchemaFile: true,
        sortSchema: true,
        introspection: !production,
        graphiql: !production,
        csrfPrevention: true,
        autoTransformHttpErrors: false,
        includeStacktraceInErrorResponses: false,
        allowBatchedHttpRequests: false,
        validationRules: [...armor.validationRules, operationLimitsRule],
        parseOptions: { maxTokens: GRAPHQL_LIMITS.maxTokens },
        // @nestjs/apollo loads @apollo/server's ESM build and we its CJS build: the plugin types are
        // structurally equal but TypeScript keeps them apart.
        plugins: [
          ...armor.plugins,
          errorPlugin(logger),
          piiReadPlugin(reads),
          operationCapturePlugin(recorder),
          // Last: it counts the answer as sent, after the audit capture may have replaced it.
          metricsPlugin(metrics),
        ] as unknown as ApolloDriverConfig['plugins'],
        formatError: formatGraphQLError,
        // Apollo's Fastify integration calls the context function with (request, reply).
        context: graphQLContext,
      };
    },
  });
}
