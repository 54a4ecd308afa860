/** Unit tests live next to the code (src/**\/*.spec.ts); e2e tests drive the real app over HTTP. */
const swc = ['@swc/jest', { swcrc: true }];
// Nest 12 and a few of its companions ship ESM only: let swc turn them into CommonJS for Jest.
const transformIgnorePatterns = [
  '/node_modules/(?!(@nestjs|nestjs-pino|uuid|jose|otpauth|@apollo|@as-integrations|@whatwg-node|file-type|strtok3|token-types|uint8array-extras|@tokenizer|@fastify\/cookie|cookie)\/)',
];
const common = {
  transform: { '^.+\\.(t|j)sx?$': swc, '^.+\\.mjs$': swc },
  transformIgnorePatterns,
  moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
  testEnvironment: 'node',
  // Stryker's sandbox copies of the project (npm run test:mutation) are not ours to test or map.
  modulePathIgnorePatterns: ['<rootDir>/.stryker-tmp/'],
};

module.exports = {
  testTimeout: 60000,
  projects: [
    {
      ...common,
      displayName: 'unit',
      rootDir: __dirname,
      testMatch: ['<rootDir>/src/**/*.spec.ts'],
    },
    {
      ...common,
      displayName: 'e2e',
      rootDir: __dirname,
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/global-setup.ts',
      setupFiles: ['<rootDir>/test/setup-env.ts'],
    },
  ],
};
