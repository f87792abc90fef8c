/**
 * `npm run migrate-events -- --from postgres --to kurrentdb` copies every event, stream by stream
 * in global order, with the same ids, types, schema versions, data and metadata, then compares the
 * two stores event by event. Resumable: the source position of the last copied event is kept in a
 * checkpoint file, and a batch copied again after a crash is recognised by its ids (written: false).
 *
 * Options: --from-url / --to-url (default DATABASE_URL for postgres, KURRENTDB_URL for kurrentdb),
 * --checkpoint <file> (default DATA_DIR/migrate-events-<from>-<to>.json), --batch-size (500),
 * --stream-prefixes contract-,insured- (the streams a KurrentDB store reads from $all).
 *
 * The source is only read: a PostgreSQL source is opened without creating anything, and one without
 * an event store is refused (a wrong DATABASE_URL must not "copy 0 events, verified"), as is a
 * source with no events at all. A first run (no checkpoint) refuses a target that holds events
 * unless it begins with the source's first event (`assertTargetFresh`). The checkpoint records the
 * addresses of both stores (without credentials) and the last copied event: a run refuses a
 * checkpoint written for other stores, or one whose last event either store does not hold at the
 * recorded position. A run holds `<checkpoint>.lock` while it runs: a second run on the same
 * checkpoint is refused (`lockCheckpoint`).
 *
 * Verification covers the events up to the position the copy reached. The source may still be
 * written (the bulk copy runs while the service does): events after that position are reported as
 * "N newer events not yet copied", not as a difference. Exit status: 0 copied and verified, the
 * source holds nothing newer; 3 copied and verified, but the source has newer events: run it again
 * (the last run, with the service stopped, exits 0); 1 the stores differ, or the copy failed or was
 * refused (the reason on stderr); 2 a command line it cannot run (what is wrong and the usage on
 * stderr), found before anything is opened, as in `projections` and `audit`. `--help` / `-h`
 * prints the usage on stdout (0).
 * Cut-over procedure: docs/scaling.md, "Moving the events to KurrentDB".
 */
import { rmSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Pool } from 'pg';
import {
  ConcurrencyError,
  KurrentDbEventStore,
  PostgresEventStore,
  type AppendResult,
  type EventStore,
  type ExpectedRevision,
  type RecordedEvent,
} from '@app/event-store';
import { ConfigError, canonicalJson, checkDatabaseReachable, createPool } from '@app/platform';
import type { RebuildProgress } from '@app/projections';
import { UsageError, progressLine, runCli } from './cli';

export interface MigrationState {
  /** Source position of the last copied event: where a resumed run starts. */
  sourcePosition: bigint;
  /** Target position of that event: a projection checkpoint at `sourcePosition` maps to this. */
  targetPosition: bigint;
  events: number;
  /** That event: a resumed run checks that both stores hold it at those positions. */
  last?: { streamId: string; revision: number; id: string };
}

export interface CheckpointStore {
  /** Where the checkpoint is kept, for messages. */
  readonly name?: string;
  load(): Promise<MigrationState | undefined>;
  save(state: MigrationState): Promise<void>;
}

/** Which stores a checkpoint belongs to: their addresses, without credentials (`storeAddress`). */
export interface StorePair {
  source: string;
  target: string;
}

/** A store's URL without user, password or options: which store, not how to log in to it. */
export function storeAddress(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/]*@/i, '$1').replace(/[?#].*$/, '');
}

interface SavedCheckpoint {
  source?: string;
  target?: string;
  sourcePosition: string;
  targetPosition: string;
  events: number;
  last?: MigrationState['last'];
}

/**
 * A JSON file replaced atomically (write, then rename), so a crash leaves the old or the new state.
 * It records the pair of stores it was written for, and refuses to load for another pair.
 */
export function checkpointFile(path: string, stores: StorePair): CheckpointStore {
  return {
    name: path,
    async load() {
      const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return undefined;
        throw error;
      });
      if (text === undefined) return undefined;
      const startOver = 'delete it to start over (events already copied are recognised by their ids)';
      let saved: SavedCheckpoint;
      try {
        saved = JSON.parse(text) as SavedCheckpoint;
      } catch (error) {
        throw new Error(`Checkpoint ${path} is not JSON (${(error as Error).message}): ${startOver}`, { cause: error });
      }
      if (saved.source === undefined || saved.target === undefined) {
        throw new Error(`Checkpoint ${path} does not say which stores it was written for (an older migrate-events wrote it): ${startOver}`);
      }
      if (saved.source !== stores.source || saved.target !== stores.target) {
        throw new Error(
          `Checkpoint ${path} was written copying ${saved.source} to ${saved.target}, not ${stores.source} to ${stores.target}: ` +
            `give this copy its own --checkpoint, or, if these are the same stores under other addresses, ${startOver}`,
        );
      }
      return {
        sourcePosition: BigInt(saved.sourcePosition),
        targetPosition: BigInt(saved.targetPosition),
        events: saved.events,
        ...(saved.last === undefined ? {} : { last: saved.last }),
      };
    },
    async save(state) {
      await mkdir(dirname(path), { recursive: true });
      const saved: SavedCheckpoint = {
        ...stores,
        ...state,
        sourcePosition: state.sourcePosition.toString(),
        targetPosition: state.targetPosition.toString(),
      };
      // Owner only: its last event's stream id may name a person (reservations).
      await writeFile(`${path}.tmp`, `${JSON.stringify(saved)}\n`, { mode: 0o600 });
      await rename(`${path}.tmp`, path);
    },
  };
}

/**
 * Held for a whole run beside its checkpoint (`<checkpoint>.lock`, created only if absent): a
 * second run on the same checkpoint is refused, naming the file, instead of racing the first
 * (their appends to the same streams would read as "not a copy", their checkpoint writes collide).
 * Resolves to its release. A run stopped by SIGINT or SIGTERM removes it too; one killed outright
 * leaves it behind, and the refusal says how to clear it.
 */
export async function lockCheckpoint(path: string): Promise<() => Promise<void>> {
  const lock = `${path}.lock`;
  await mkdir(dirname(lock), { recursive: true });
  try {
    await writeFile(lock, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const holder = (await readFile(lock, 'utf8').catch(() => '')).trim();
    throw new Error(
      `Checkpoint ${path} is in use by another migrate-events run${holder ? ` (process ${holder})` : ''}: its lock file ${lock} exists. ` +
        `Let that run finish; if none is running (one was killed), delete ${lock} and run again`,
    );
  }
  // Removed before the signal's default ending (re-raised once this listener is gone).
  const onSignal = (signal: NodeJS.Signals) => {
    rmSync(lock, { force: true });
    process.kill(process.pid, signal);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return async () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await rm(lock, { force: true });
  };
}

export interface MigrateOptions {
  /** Opened without upcasters, so events are copied in the schema version they were stored in. */
  source: EventStore;
  target: EventStore;
  checkpoint: CheckpointStore;
  batchSize?: number;
  onProgress?: (progress: RebuildProgress) => void;
  /** Milliseconds since some fixed point, for the rate (defaults to the process's monotonic clock). */
  elapsedMs?: () => number;
}

/**
 * Copies from the checkpoint until the source has nothing more. Consecutive events of one stream
 * go in one append expecting the revision before them, so the target's revisions equal the
 * source's and a copy can never interleave with another writer unnoticed.
 */
export async function migrateEvents(options: MigrateOptions): Promise<MigrationState> {
  const { source, target, checkpoint, batchSize = 500 } = options;
  const elapsedMs = options.elapsedMs ?? (() => performance.now());
  const saved = await checkpoint.load();
  if (saved) await assertResumable(source, target, saved, checkpoint.name);
  else await assertTargetFresh(source, target);
  let state: MigrationState = saved ?? { sourcePosition: 0n, targetPosition: 0n, events: 0 };
  const started = { ms: elapsedMs(), position: state.sourcePosition, events: state.events };
  for (;;) {
    const page = await source.readAll({ fromPosition: state.sourcePosition, limit: batchSize });
    if (page.length === 0) return state;
    for (const run of streamRuns(page)) {
      const result = await copyRun(target, run);
      const { streamId, revision, id, position } = run[run.length - 1]!;
      state = { sourcePosition: position, targetPosition: result.position, events: state.events + run.length, last: { streamId, revision, id } };
      await checkpoint.save(state);
    }
    const total = await source.headPosition();
    const seconds = Math.max((elapsedMs() - started.ms) / 1000, 1e-3);
    const positionsPerSecond = Number(state.sourcePosition - started.position) / seconds;
    options.onProgress?.({
      position: state.sourcePosition,
      total,
      events: state.events,
      eventsPerSecond: (state.events - started.events) / seconds,
      etaSeconds: positionsPerSecond > 0 ? Number(total - state.sourcePosition) / positionsPerSecond : null,
    });
  }
}

/**
 * A checkpoint names the last event it copied, at its source and target positions: both stores
 * must hold it there, or the checkpoint belongs to other stores (a target wiped and recreated at
 * the same address, a source restored from another database).
 */
async function assertResumable(source: EventStore, target: EventStore, state: MigrationState, name = 'checkpoint'): Promise<void> {
  if (!state.last) return;
  const { streamId, revision, id } = state.last;
  const range = { fromRevision: revision, toRevision: revision };
  const [inSource, inTarget] = await Promise.all([source.readStream(streamId, range), target.readStream(streamId, range)]);
  // Not its stream: a stream id may name a person (reservations), and this line goes to a log.
  const event = `event ${id} (revision ${revision})`;
  if (inSource[0]?.id !== id || inSource[0].position !== state.sourcePosition) {
    throw new Error(`Checkpoint ${name}: the source does not hold its last copied ${event} at position ${state.sourcePosition}; it was written for another source`);
  }
  if (inTarget[0]?.id !== id || inTarget[0].position !== state.targetPosition) {
    throw new Error(`Checkpoint ${name}: the target does not hold its last copied ${event} at position ${state.targetPosition}; it was written for another target`);
  }
}

const NOT_A_COPY_WAY_OUT = 'Copy into an empty store, or resume the copy that wrote them with its --checkpoint';

/**
 * Without a checkpoint, the target must be empty or begin with this source's first event (a copy
 * stopped before it saved a checkpoint, or one whose checkpoint was deleted: its appends are
 * recognised by their ids). Another store's events would end up interleaved with the copy, which
 * the verification would only report once everything was written.
 */
async function assertTargetFresh(source: EventStore, target: EventStore): Promise<void> {
  const [targetFirst] = await target.readAll({ fromPosition: 0n, limit: 1 });
  if (!targetFirst) return;
  const [sourceFirst] = await source.readAll({ fromPosition: 0n, limit: 1 });
  if (sourceFirst?.id === targetFirst.id) return;
  // Not its stream: a stream id may name a person (reservations), and this line goes to a log.
  throw new Error(
    `The target already holds events that are not a copy of this source (its first, at position ${targetFirst.position}: ${targetFirst.type} ${targetFirst.id}); ` +
      `nothing was copied. ${NOT_A_COPY_WAY_OUT}`,
  );
}

/**
 * Appends one run expecting the revision before it. A run can start with events copied just
 * before a crash and end with new ones (the resumed page ends elsewhere than the one that was
 * cut short): the target then reports a conflict, and the copied prefix is skipped.
 */
async function copyRun(target: EventStore, run: RecordedEvent[]): Promise<AppendResult> {
  const first = run[0]!;
  const append = (events: RecordedEvent[], expected: ExpectedRevision) =>
    target.append(first.streamId, events.map(({ id, type, version, data, metadata }) => ({ id, type, version, data, metadata })), expected);
  try {
    return await append(run, first.revision === 0 ? 'no_stream' : first.revision - 1);
  } catch (error) {
    if (!(error instanceof ConcurrencyError)) throw error;
    const present = await target.readStream(first.streamId, { fromRevision: first.revision, toRevision: run[run.length - 1]!.revision });
    const copied = present.findIndex((event, i) => event.id !== run[i]!.id) === -1 ? present.length : 0;
    if (copied === 0 || copied === run.length) throw new NotACopy(first, error);
    return append(run.slice(copied), present[copied - 1]!.revision);
  }
}

/**
 * The target's stream holds other events where the source's next ones go. Said without the stream,
 * which may name a person (the conflict's own message names it), and with the event instead.
 */
export class NotACopy extends Error {
  constructor(event: RecordedEvent, conflict: ConcurrencyError) {
    super(
      `The target is not a copy of this source: the stream of event ${event.id} (source position ${event.position}) holds other events there ` +
        `(expected revision ${String(conflict.expected)}, found ${String(conflict.actual)}). ${NOT_A_COPY_WAY_OUT}`,
      { cause: conflict },
    );
    this.name = 'NotACopy';
  }
}

/**
 * At most this much JSON per append: KurrentDB refuses an append over its `MaxAppendSize` (1 MiB
 * by default) whole, and a run of bulk-imported large events would then fail on every resume.
 */
export const MAX_RUN_BYTES = 512 * 1024;

/**
 * Splits a page in global order into runs of consecutive events of the same stream, each within
 * MAX_RUN_BYTES (an event larger than that goes alone).
 */
function streamRuns(page: RecordedEvent[]): RecordedEvent[][] {
  const runs: RecordedEvent[][] = [];
  let runBytes = 0;
  for (const event of page) {
    const bytes = Buffer.byteLength(JSON.stringify(event.data)) + Buffer.byteLength(JSON.stringify(event.metadata));
    const run = runs[runs.length - 1];
    if (run && run[0]!.streamId === event.streamId && runBytes + bytes <= MAX_RUN_BYTES) {
      run.push(event);
      runBytes += bytes;
    } else {
      runs.push([event]);
      runBytes = bytes;
    }
  }
  return runs;
}

export interface Mismatch {
  index: number;
  source: Comparable | undefined;
  target: Comparable | undefined;
}

export interface Comparison {
  /** Events that matched, in order. */
  events: number;
  /** The first difference, if any. */
  mismatch?: Mismatch;
  /** Source events after `sourceUpTo`: written since the copy reached it, not yet copied. */
  newer: number;
}

type Comparable = Pick<RecordedEvent, 'id' | 'streamId' | 'revision' | 'type' | 'version' | 'data' | 'metadata'>;

/**
 * Which events differ, and in which parts, without their data, metadata or streams: those hold
 * people's names, national codes and addresses, and this line goes to a terminal or a log.
 */
export function describeMismatch({ source, target }: Mismatch): string {
  // Not their streams either: a stream id may name a person (reservations).
  const name = (event: Comparable | undefined) => (event ? `${event.type} v${event.version} ${event.id} (revision ${event.revision})` : 'none');
  const parts = source && target ? (['id', 'streamId', 'revision', 'type', 'version', 'data', 'metadata'] as const).filter((part) => canonicalJson(source[part]) !== canonicalJson(target[part])) : [];
  return `source ${name(source)}, target ${name(target)}${parts.length ? `; they differ in ${parts.join(', ')}` : ''}`;
}

/**
 * Reads both stores in global order and compares every event (positions and recording times
 * differ between stores by design). Events are compared as JSON values, whatever the order of
 * their keys (`canonicalJson` sorts them): PostgreSQL's JSONB orders an object's keys its own way,
 * KurrentDB keeps them as written. (Not `util.isDeepStrictEqual`, which also compares prototypes:
 * the in-memory store's structuredClone copies come from another realm under jest.)
 * With `sourceUpTo` (where the copy reached), only the source's events up to it are compared, and
 * those after it are counted as `newer`; the target must hold exactly the compared events.
 */
export async function compareStores(
  source: EventStore,
  target: EventStore,
  options: { pageSize?: number; sourceUpTo?: bigint } = {},
): Promise<Comparison> {
  const { pageSize = 500, sourceUpTo } = options;
  let sourceAfter = 0n;
  let targetAfter = 0n;
  let index = 0;
  for (;;) {
    const [page, right] = await Promise.all([
      source.readAll({ fromPosition: sourceAfter, limit: pageSize }),
      target.readAll({ fromPosition: targetAfter, limit: pageSize }),
    ]);
    const left = sourceUpTo === undefined ? page : page.filter((event) => event.position <= sourceUpTo);
    for (let i = 0; i < Math.max(left.length, right.length); i++, index++) {
      const a = left[i] && comparable(left[i]!);
      const b = right[i] && comparable(right[i]!);
      if (a === undefined || b === undefined || canonicalJson(a) !== canonicalJson(b)) return { events: index, mismatch: { index, source: a, target: b }, newer: 0 };
    }
    if (left.length === 0) break;
    sourceAfter = left[left.length - 1]!.position;
    targetAfter = right[right.length - 1]!.position;
  }
  return { events: index, newer: sourceUpTo === undefined ? 0 : await countAfter(source, sourceUpTo, pageSize) };
}

async function countAfter(store: EventStore, position: bigint, pageSize: number): Promise<number> {
  let count = 0;
  for (let after = position; ; ) {
    const page = await store.readAll({ fromPosition: after, limit: pageSize });
    if (page.length === 0) return count;
    count += page.length;
    after = page[page.length - 1]!.position;
  }
}

function comparable({ id, streamId, revision, type, version, data, metadata }: RecordedEvent): Comparable {
  return { id, streamId, revision, type, version, data, metadata };
}

/** Exit status when the copy is verified as far as it went but the source has newer events. */
export const NEWER_EVENTS_EXIT = 3;

/**
 * Copies, then verifies up to where the copy reached; returns the exit status (0, or 3 when the
 * source has newer events). Throws when the stores differ.
 */
export async function migrateAndVerify(options: MigrateOptions & { out: (line: string) => void }): Promise<number> {
  const { source, target, out } = options;
  const state = await migrateEvents(options);
  out(`copied ${state.events} events; last source position ${state.sourcePosition} = target position ${state.targetPosition}${options.checkpoint.name ? ` (checkpoint ${options.checkpoint.name})` : ''}`);
  const compared = await compareStores(source, target, { pageSize: options.batchSize, sourceUpTo: state.sourcePosition });
  if (compared.mismatch) throw new Error(`Stores differ at event #${compared.mismatch.index}: ${describeMismatch(compared.mismatch)}`);
  out(`verified: both stores hold the same ${compared.events} events in the same order, up to source position ${state.sourcePosition}`);
  if (compared.newer === 0) return 0;
  out(`${compared.newer} newer events not yet copied (the source is still being written): run again to copy them`);
  return NEWER_EVENTS_EXIT;
}

type StoreKind = 'postgres' | 'kurrentdb';

export const USAGE =
  'usage: migrate-events --from postgres|kurrentdb --to postgres|kurrentdb [--from-url <url>] [--to-url <url>] ' +
  '[--checkpoint <file>] [--batch-size <n>] [--stream-prefixes <prefix>,<prefix>]';

export interface MigrateArgs {
  from: StoreKind;
  to: StoreKind;
  fromUrl: string;
  toUrl: string;
  /** Where each URL was given (`--from-url`, DATABASE_URL, …), for a message about it. */
  fromUrlSetting: string;
  toUrlSetting: string;
  checkpointPath: string;
  batchSize: number;
  streamPrefixes: string[];
}

/** The command line (with DATABASE_URL, KURRENTDB_URL, DATA_DIR), or a `UsageError` before anything is opened. */
export function parseMigrateArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): MigrateArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        from: { type: 'string' },
        to: { type: 'string' },
        'from-url': { type: 'string' },
        'to-url': { type: 'string' },
        checkpoint: { type: 'string' },
        'batch-size': { type: 'string', default: '500' },
        'stream-prefixes': { type: 'string', default: 'contract-,insured-' },
      },
    }));
  } catch (error) {
    // node:util's errors (an unknown option, a missing value); not `instanceof Error` in every realm.
    throw new UsageError(`migrate-events: ${(error as { message?: string }).message ?? String(error)}`);
  }
  const from = storeKind(values.from, '--from');
  const to = storeKind(values.to, '--to');
  const defaultSetting = (kind: StoreKind) => (kind === 'postgres' ? 'DATABASE_URL' : 'KURRENTDB_URL');
  const fromUrlSetting = values['from-url'] === undefined ? defaultSetting(from) : '--from-url';
  const toUrlSetting = values['to-url'] === undefined ? defaultSetting(to) : '--to-url';
  const fromUrl = values['from-url'] ?? (env[defaultSetting(from)] || undefined);
  const toUrl = values['to-url'] ?? (from === to ? undefined : env[defaultSetting(to)] || undefined);
  if (!fromUrl || !toUrl) throw new UsageError('migrate-events: give --from-url and --to-url (or DATABASE_URL / KURRENTDB_URL); copying within one kind needs both');
  if (storeAddress(fromUrl) === storeAddress(toUrl)) throw new UsageError('migrate-events: the source and the target are the same store');
  const batchSize = Number(values['batch-size']);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new UsageError('migrate-events: --batch-size must be a positive integer');
  const streamPrefixes = values['stream-prefixes'].split(',').filter(Boolean);
  if (streamPrefixes.length === 0) throw new UsageError('migrate-events: --stream-prefixes needs at least one prefix');
  const checkpointPath = resolve(values.checkpoint ?? join(env.DATA_DIR ?? '.data', `migrate-events-${from}-${to}.json`));
  return { from, to, fromUrl, toUrl, fromUrlSetting, toUrlSetting, checkpointPath, batchSize, streamPrefixes };
}

function storeKind(value: string | undefined, flag: string): StoreKind {
  if (value === 'postgres' || value === 'kurrentdb') return value;
  throw new UsageError(`migrate-events: ${flag} must be "postgres" or "kurrentdb", got "${value ?? ''}"`);
}

interface OpenStore {
  store: EventStore;
  close(): Promise<void>;
}

/**
 * The source is opened read-only: a PostgreSQL one without an event store is refused, not created.
 * A PostgreSQL server that cannot be reached is one line naming the setting its URL came from.
 */
async function openStore(role: 'source' | 'target', kind: StoreKind, url: string, setting: string, streamPrefixes: string[]): Promise<OpenStore> {
  if (kind === 'kurrentdb') {
    const store = KurrentDbEventStore.connect(url, { streamPrefixes });
    return { store, close: () => store.close() };
  }
  const pool: Pool = createPool(url, { max: 4, applicationName: 'migrate-events' });
  try {
    await checkDatabaseReachable(pool, url, `${setting} (the ${role})`);
    const store = role === 'source' ? await PostgresEventStore.open({ pool }) : await PostgresEventStore.create({ pool });
    return {
      store,
      async close() {
        await store.close();
        await pool.end();
      },
    };
  } catch (error) {
    await pool.end();
    if (error instanceof ConfigError) throw error; // already says which store, and why
    throw new Error(`${role} ${storeAddress(url)}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

export interface MigrateIo {
  /** A line of the report (stdout). */
  out(line: string): void;
  /** Text of the progress line, which `\r` rewrites in place (stderr). */
  progress(text: string): void;
}

const processIo: MigrateIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  progress: (text) => process.stderr.write(text),
};

/** Runs the command line; resolves to the exit status (see the header), throws for status 1. */
export async function main(argv: string[], io: MigrateIo = processIo): Promise<number> {
  const args = parseMigrateArgs(argv);
  const unlock = await lockCheckpoint(args.checkpointPath);
  try {
    return await copyWithStores(args, io);
  } finally {
    await unlock();
  }
}

/** Opens both stores, copies and verifies, and closes them whatever happened. */
async function copyWithStores(args: MigrateArgs, io: MigrateIo): Promise<number> {
  const stores: StorePair = { source: storeAddress(args.fromUrl), target: storeAddress(args.toUrl) };
  const source = await openStore('source', args.from, args.fromUrl, args.fromUrlSetting, args.streamPrefixes);
  const target = await openStore('target', args.to, args.toUrl, args.toUrlSetting, args.streamPrefixes).catch(async (error: unknown) => {
    await source.close();
    throw error;
  });
  let progressOpen = false;
  try {
    if ((await source.store.headPosition()) === 0n) {
      throw new Error(`source ${stores.source} holds no events: nothing to copy (is it the service's store, with the right --stream-prefixes?)`);
    }
    return await migrateAndVerify({
      source: source.store,
      target: target.store,
      checkpoint: checkpointFile(args.checkpointPath, stores),
      batchSize: args.batchSize,
      onProgress: (progress) => {
        progressOpen = true;
        io.progress(`\r${progressLine(progress)}`);
      },
      out: (line) => {
        // End the progress line first, so the report starts on a line of its own.
        if (progressOpen) io.progress('\n');
        progressOpen = false;
        io.out(line);
      },
    });
  } finally {
    if (progressOpen) io.progress('\n');
    await source.close();
    await target.close();
  }
}

if (require.main === module) {
  void runCli(USAGE, main, process.argv.slice(2)).then((code) => process.exit(code));
}
