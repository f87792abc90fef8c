/**
 * `npm run projections -- status` prints each projection's checkpoint, head and lag;
 * `npm run projections -- rebuild <name>` replays one projection from position 0 into fresh
 * tables and swaps them in, while the service keeps serving (and applying to) the old ones.
 * Uses DATABASE_URL, or else the embedded PostgreSQL under DATA_DIR (only while the API is not
 * running: that server belongs to the API process). It refuses to rebuild the audit hash chain.
 */
import { join } from 'node:path';
import { openEventStore } from '@app/event-store';
import { SystemClock, createPool, loadConfig, startEmbeddedPostgres, type RunningPostgres } from '@app/platform';
import { ProjectionRunner, auditChainProjection, rebuild, type RebuildProgress } from '@app/projections';
import { readSideProjections } from '../apps/projector/src/read-side';

export function progressLine(p: RebuildProgress): string {
  const fraction = p.total === 0n ? 1 : Number((p.position * 1000n) / p.total) / 1000;
  const width = 30;
  const filled = Math.round(fraction * width);
  const eta = p.etaSeconds === null ? '?' : `${Math.ceil(p.etaSeconds)}s`;
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${p.position}/${p.total}  ${p.events} events  ${Math.round(p.eventsPerSecond)} ev/s  ETA ${eta}`;
}

/** The command and projection name, or an error before anything is opened or changed. */
export function parseArgs(argv: string[]): { command: 'status' | 'rebuild'; name?: string } {
  const [command, name] = argv;
  if (command !== 'status' && command !== 'rebuild') throw new Error('usage: projections status | projections rebuild <name>');
  if (command === 'rebuild' && name === auditChainProjection.name) {
    throw new Error(
      `refusing to rebuild "${name}": it would re-hash whatever the events table holds now and so hide tampering; see docs/operations.md (Audit hash chain)`,
    );
  }
  return { command, name };
}

export async function main(argv: string[]): Promise<void> {
  const { command, name } = parseArgs(argv);
  const config = loadConfig();
  const projections = readSideProjections(config, config.clock.mode === 'system' ? new SystemClock() : undefined);
  const projection = projections.find((p) => p.name === name);
  if (command === 'rebuild' && !projection) throw new Error(`unknown projection "${name}"; one of: ${projections.map((p) => p.name).join(', ')}`);

  let embedded: RunningPostgres | undefined;
  const url = config.databaseUrl ?? (embedded = await startEmbeddedPostgres({ dataDir: join(config.dataDir, 'pg') })).url;
  const pool = createPool(url, { max: 4, applicationName: 'projections-cli' });
  const eventStore = await openEventStore({ kind: config.eventStore, pool, kurrentDbUrl: config.kurrentDbUrl });
  try {
    if (command === 'status') {
      for (const p of projections) {
        const status = await ProjectionRunner.observer({ pool, eventStore, projection: p, log: () => undefined }).status();
        process.stdout.write(`${p.name.padEnd(12)} v${p.version}  position ${status.position}  head ${status.head}  lag ${status.lagSeconds.toFixed(1)}s${status.caughtUp ? '  caught up' : ''}\n`);
      }
      return;
    }
    const result = await rebuild({
      pool,
      eventStore,
      projection: projection!,
      onProgress: (progress) => process.stderr.write(`\r${progressLine(progress)}`),
    });
    process.stderr.write('\n');
    process.stdout.write(`${projection!.name}: rebuilt from ${result.events} events, swapped in at position ${result.position}\n`);
  } finally {
    await eventStore.close();
    await pool.end();
    await embedded?.stop();
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
