/**
 * `npm run projections -- status` prints each projection's live version, checkpoint, head and lag;
 * `npm run projections -- rebuild <name>` replays one projection from position 0 into fresh
 * tables and swaps them in, while the service keeps serving (and applying to) the old ones.
 * The read-model database as `openReadModelDatabase` (./cli.ts) finds it. It refuses to rebuild
 * the audit hash chain; rebuilding notifications creates or updates the SMS outbox first, as the
 * service does at its start. Exit status and `--help` as every CLI here (./cli.ts).
 */
import { openEventStore } from '@app/event-store';
import { NOTIFICATIONS_PROJECTION, migrateOutbox } from '@app/notifications';
import { SystemClock, loadConfig } from '@app/platform';
import { ProjectionRunner, auditChainProjection, liveSchema, readCheckpoint, rebuild } from '@app/projections';
import { readSideProjectionNames, readSideProjections } from '../apps/projector/src/read-side';
import { UsageError, openReadModelDatabase, progressLine, runCli } from './cli';

export const USAGE = 'usage: projections status | projections rebuild <name> [--from-another-store]';

/**
 * The command and projection name, or an error before anything is read, opened or changed: the
 * configuration included, so a mistyped command line exits 2 whatever the environment says.
 */
export function parseArgs(argv: string[]): { command: 'status' | 'rebuild'; name?: string; fromAnotherStore: boolean } {
  const [command, name] = argv;
  if (command !== 'status' && command !== 'rebuild') throw new UsageError(command === undefined ? 'projections: no command' : `projections: unknown command "${command}"`);
  if (command === 'rebuild' && name === undefined) throw new UsageError('projections rebuild: which projection?');
  // The read model was built from another event store (after a cut-over, docs/scaling.md).
  const fromAnotherStore = command === 'rebuild' && argv[2] === '--from-another-store';
  const extra = argv.slice(command === 'status' ? 1 : fromAnotherStore ? 3 : 2);
  if (extra.length > 0) throw new UsageError(`projections ${command}: unexpected ${extra.map((arg) => `"${arg}"`).join(' ')}`);
  if (command === 'rebuild' && name === auditChainProjection.name) {
    throw new Error(
      `refusing to rebuild "${name}": it would re-hash whatever the events table holds now and so hide tampering; see docs/operations.md (Audit hash chain)`,
    );
  }
  const rebuildable = readSideProjectionNames().filter((known) => known !== auditChainProjection.name);
  if (command === 'rebuild' && !rebuildable.includes(name!)) {
    throw new UsageError(`projections rebuild: unknown projection "${name}"; one of: ${rebuildable.join(', ')}`);
  }
  return { command, name, fromAnotherStore };
}

export async function main(argv: string[]): Promise<number> {
  const { command, name, fromAnotherStore } = parseArgs(argv);
  const config = loadConfig();
  const projections = readSideProjections(config, config.clock.mode === 'system' ? new SystemClock() : undefined);
  const projection = projections.find((p) => p.name === name);

  const database = await openReadModelDatabase(config, 'projections', { max: 4, applicationName: 'projections-cli' });
  const pool = database.pool;
  const eventStore = await openEventStore({ kind: config.eventStore, pool, kurrentDbUrl: config.kurrentDbUrl, readOnly: true });
  try {
    if (command === 'status') {
      const width = Math.max(...projections.map((p) => p.name.length));
      let ahead = 0;
      for (const p of projections) {
        const status = await ProjectionRunner.observer({ pool, eventStore, projection: p, log: () => undefined }).status();
        // Past the store's head: the newest events are gone (deleted, or a store restored from an
        // older copy), or this is not the store the read model was built from. Not "caught up".
        const isAhead = BigInt(status.position) > BigInt(status.head);
        if (isAhead) ahead += 1;
        const state = isAhead ? '  AHEAD of the event store: events gone, or another store (npm run audit -- verify)' : status.caughtUp ? '  caught up' : '';
        // The live tables' version, not this code's: during an upgrade or a rollback they differ.
        const live = (await readCheckpoint(pool, liveSchema(p.name)))?.version;
        const version =
          live === undefined
            ? `  no tables yet (this code's v${p.version})`
            : live < p.version
              ? `  OLDER than this code's v${p.version}: rebuilt from position 0 when this version runs it (or npm run projections -- rebuild ${p.name})`
              : live > p.version
                ? `  NEWER than this code's v${p.version}: left to the code that made it; to roll back, npm run projections -- rebuild ${p.name}`
                : '';
        process.stdout.write(`${p.name.padEnd(width)} v${live ?? '-'}  position ${status.position}  head ${status.head}  lag ${status.lagSeconds.toFixed(1)}s${state}${version}\n`);
      }
      return ahead > 0 ? 1 : 0;
    }
    // It fills the SMS outbox, which the service creates before running it (startReadSide): so
    // does its rebuild, on a database the service has not started on yet.
    if (projection!.name === NOTIFICATIONS_PROJECTION) await migrateOutbox(pool);
    const result = await rebuild({
      pool,
      eventStore,
      projection: projection!,
      fromAnotherStore,
      onProgress: (progress) => process.stderr.write(`\r${progressLine(progress)}`),
    });
    process.stderr.write('\n');
    process.stdout.write(`${projection!.name}: rebuilt from ${result.events} events, swapped in at position ${result.position}\n`);
    return 0;
  } finally {
    await eventStore.close();
    await database.close();
  }
}

if (require.main === module) {
  void runCli(USAGE, main, process.argv.slice(2)).then((code) => process.exit(code));
}
