#!/usr/bin/env node
// npm run test:faults            every fault test, the soak for 60 s (what CI runs, a few minutes)
// npm run test:faults -- --soak  the soak alone for 10 minutes (FAULTS_SOAK_SECONDS overrides)
// Other arguments go to jest. The service under test is the built dist (the npm script builds first).
const { spawnSync } = require('node:child_process');
const { join } = require('node:path');

const args = process.argv.slice(2);
const soak = args.includes('--soak');
const env = { ...process.env };
if (soak) env.FAULTS_SOAK_SECONDS ??= '600';
const jestArgs = ['-c', join(__dirname, 'jest.config.js'), ...(soak ? ['soak'] : []), ...args.filter((a) => a !== '--soak')];
const result = spawnSync(process.execPath, [require.resolve('jest/bin/jest'), ...jestArgs], { stdio: 'inherit', env, cwd: join(__dirname, '../..') });
process.exit(result.status ?? 1);
