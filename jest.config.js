/**
 * One module system for app, tests and exporter: CommonJS, compiled by ts-jest with
 * `module: node16`, which keeps `import()` as a real dynamic import so that ESM-only
 * libraries (kubernetes-models 5) load from CommonJS. That needs
 * `--experimental-vm-modules`, which `npm test` sets.
 */
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test', '<rootDir>/exporter/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  snapshotResolver: '<rootDir>/test/support/snapshot-resolver.js',
  testTimeout: 120000,
  // Suites that read ../shared (not in a user's clone) run from `npm run test:shared`.
  testPathIgnorePatterns: ['/node_modules/', '/test/shared/'],
};
