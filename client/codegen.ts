import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * GraphQL Code Generator for the admin SPA: typed document nodes for the operations in
 * src/operations, built from the committed schema.graphql. Paths are relative to this directory,
 * where `npm run client:generate` runs it (src/client.spec.ts runs it on a copy and compares).
 */
const config: CodegenConfig = {
  schema: '../schema.graphql',
  documents: ['src/operations/**/*.graphql'],
  ignoreNoDocuments: false,
  generates: {
    'src/gql/': {
      preset: 'client',
      presetConfig: {
        // Plain result types: an SPA without a component framework reads fields directly.
        fragmentMasking: false,
      },
      config: {
        // Scalars as the JSON carries them; an unknown scalar is an error, not `any`.
        scalars: { DateTime: 'string' },
        strictScalars: true,
        useTypeImports: true,
        enumType: 'string-literal',
        // The package is ESM: relative imports name their file, so dist/ runs as is.
        importExtension: '.js',
      },
    },
  },
};

export default config;
