/** One jest config for the whole monorepo: tests sit beside the code they test. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/shared', '<rootDir>/services', '<rootDir>/web', '<rootDir>/infra'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '/.next/'],
  // ESM-only Parquet libraries (services/migration): compiled to CommonJS like our sources.
  transformIgnorePatterns: ['/node_modules/(?!(hyparquet|hyparquet-writer)/)'],
  transform: { '^.+\\.(t|j)sx?$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  moduleNameMapper: {
    '^(\\.{1,2}/.*)\\.js$': '$1',
    '^@arkive/shared$': '<rootDir>/shared/src/index.ts',
    '^@arkive/shared/(.*)$': '<rootDir>/shared/src/$1',
  },
  globalSetup: '<rootDir>/shared/src/test-support/global-setup.ts',
  // Inside the checkout, like the JSON report (test-results/): a run leaves nothing outside it but
  // os.tmpdir() directories that the tests remove.
  cacheDirectory: '<rootDir>/node_modules/.cache/jest',
  testTimeout: 60000,
  maxWorkers: 2,
};
