/**
 * Jest runs the TypeScript sources directly (ts-jest, transpile only: type checking is `npm run typecheck`).
 * Node ≥ 20.19 `require`s ES modules by itself, Jest's module system does not: the ESM-only
 * packages below are transpiled to CommonJS for the tests (tsconfig.jest-esm.json).
 */
const ESM_PACKAGES = ['jose', 'eventsource-parser', 'fast-png', 'fflate', 'iobuffer'];

module.exports = {
  testEnvironment: 'node',
  // One PostgreSQL cluster for the run under SCANSELECT_TEST_DATABASE=postgres (npm run test:postgres); nothing otherwise.
  globalSetup: '<rootDir>/test/harness/globalPostgresSetup.ts',
  globalTeardown: '<rootDir>/test/harness/globalPostgresTeardown.ts',
  reporters: ['default', '<rootDir>/test/summaryReporter.js'],
  roots: ['<rootDir>/plugin/src', '<rootDir>/server/src', '<rootDir>/viewer-extension/src', '<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '/vendor/'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }],
    [`/node_modules/(${ESM_PACKAGES.join('|')})/.+\\.m?js$`]: ['ts-jest', { tsconfig: 'tsconfig.jest-esm.json' }],
  },
  transformIgnorePatterns: [`/node_modules/(?!(${ESM_PACKAGES.join('|')})/)`],
  moduleNameMapper: {
    '^@scanselect/plugin$': '<rootDir>/plugin/src/index.ts',
  },
};
