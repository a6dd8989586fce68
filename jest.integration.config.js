// Integration tests: one local stack for the whole run, one moto server per
// jest worker so that resetting moto between tests never crosses workers.
import base from './jest.config.js'

export default {
  ...base,
  testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
  globalSetup: '<rootDir>/test/helpers/global-setup.ts',
  globalTeardown: '<rootDir>/test/helpers/global-teardown.ts',
  setupFilesAfterEnv: ['<rootDir>/test/helpers/fresh-moto-per-file.ts'],
  maxWorkers: 2,
  testTimeout: 120000,
}
