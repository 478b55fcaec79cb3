/** Jest runs the TypeScript sources directly (ts-jest, transpile only: type checking is `npm run typecheck`). */
module.exports = {
  testEnvironment: 'node',
  reporters: ['default', '<rootDir>/test/summaryReporter.js'],
  roots: ['<rootDir>/plugin/src', '<rootDir>/server/src', '<rootDir>/viewer-extension/src', '<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '/vendor/'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }],
  },
  moduleNameMapper: {
    '^@scanselect/plugin$': '<rootDir>/plugin/src/index.ts',
  },
};
