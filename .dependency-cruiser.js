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
      // An allow-list: a deny-list of packages and Node modules let new ones in (os, perf_hooks,
      // fs/promises, any npm package).
      name: 'domain-is-pure',
      severity: 'error',
      comment: 'libs/contracts-domain imports its own modules only: no framework, driver, Node module (I/O, clock) or other layer',
      from: { path: '^libs/contracts-domain/src' },
      to: { pathNot: '^libs/contracts-domain/src/' },
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
