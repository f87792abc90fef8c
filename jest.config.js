// One jest run for the whole suite. swc transpiles (types are checked by `npm run typecheck`);
// the global setup starts one embedded PostgreSQL per jest worker (TEST_DATABASE_URL_1..N).
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/apps', '<rootDir>/libs', '<rootDir>/test', '<rootDir>/scripts'],
  testMatch: ['**/*.spec.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest'],
    // Nest 12 ships ES modules; jest's CommonJS runtime needs them transpiled.
    '^.+\\.js$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'ecmascript' } }, module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!(@nestjs|@fastify|uid|load-esm|cookie|content-disposition)/)'],
  moduleNameMapper: {
    '^@app/(contracts-domain|contracts-app|event-store|platform|registry|projections|notifications)$': '<rootDir>/libs/$1/src',
  },
  globalSetup: '<rootDir>/test/global-setup.ts',
  globalTeardown: '<rootDir>/test/global-teardown.ts',
  reporters: ['default', '<rootDir>/test/summary-reporter.js'],
  testTimeout: 60_000,
  maxWorkers: 2,
};
