// Resilience tests: faults, bad inputs, secret canaries and cancellation,
// on the same local stack as the integration tests. The global setup and
// teardown wrap the integration ones to reset and print the figures.
import integration from './jest.integration.config.js'

export default {
  ...integration,
  testMatch: ['<rootDir>/test/resilience/**/*.test.ts'],
  globalSetup: '<rootDir>/test/resilience/global-setup.ts',
  globalTeardown: '<rootDir>/test/resilience/global-teardown.ts',
}
