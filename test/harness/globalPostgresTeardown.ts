/** Jest's globalTeardown (jest.config.js): stops and deletes the PostgreSQL cluster of globalPostgresSetup.ts. */
export { stopGlobalPostgres as default } from './globalPostgresSetup';
