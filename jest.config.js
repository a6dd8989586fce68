// Unit tests: no service is started and no traffic leaves the process.
export default {
  preset: 'ts-jest/presets/default-esm',
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true }] },
  testMatch: ['<rootDir>/test/unit/**/*.test.ts'],
  setupFiles: ['<rootDir>/test/helpers/loopback-only.ts'],
  clearMocks: true,
}
