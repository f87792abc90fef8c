// The fault tests (npm run test:faults): the built service as a child process, each test file on a
// PostgreSQL server of its own, so they run one at a time and start nothing through the unit
// suite's global setup. Files are `*.fault.ts`, so `npm test` never picks them up.
const base = require('../../jest.config.js');

/** @type {import('jest').Config} */
module.exports = {
  rootDir: '../..',
  testEnvironment: 'node',
  roots: ['<rootDir>/test/faults'],
  testMatch: ['**/*.fault.ts'],
  transform: base.transform,
  transformIgnorePatterns: base.transformIgnorePatterns,
  moduleNameMapper: base.moduleNameMapper,
  reporters: base.reporters,
  maxWorkers: 1,
  testTimeout: 15 * 60_000,
  // fetch's keep-alive sockets to a service that was killed can keep jest waiting after the last test.
  forceExit: true,
};
