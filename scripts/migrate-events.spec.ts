import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InMemoryEventStore, PostgresEventStore, deterministicId, type EventStore, type NewEvent, type RecordedEvent } from '@app/event-store';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { closedPort } from '../test/support/ports';
import {
  USAGE,
  checkpointFile,
  compareStores,
  describeMismatch,
  main,
  migrateAndVerify,
  MAX_RUN_BYTES,
  NotACopy,
  migrateEvents,
  parseMigrateArgs,
  storeAddress,
  type CheckpointStore,
  type MigrationState,
} from './migrate-events';
import { runCli } from './cli';

function newEvent(stream: string, index: number, version = 1): NewEvent {
  const id = deterministicId('migrate-spec', stream, String(index));
  return {
    id,
    type: index === 0 ? 'ContractOpened' : 'PaymentConfirmed',
    version,
    data: { index, amount: 30_000_000 * index, nested: { fa: 'پرداخت' } },
    metadata: {
      eventId: id,
      commandId: `cmd-${stream}-${index}`,
      correlationId: `corr-${stream}`,
      causationId: index === 0 ? undefined : `cmd-${stream}-${index - 1}`,
      actor: { sub: 'bank-mellat', role: 'bank' },
      channel: 'bank',
      branchId: 'b-12',
      occurredAt: new Date(Date.UTC(2025, 0, 1 + index)).toISOString(),
      schemaVersion: 1,
    },
  };
}

/** Interleaved appends over several streams, some of several events, one in an old schema version. */
async function fill(store: EventStore): Promise<void> {
  const revisions = new Map<string, number>();
  for (let round = 0; round < 6; round++) {
    for (const stream of ['contract-a', 'contract-b', 'insured-0012345678', 'contract-c']) {
      if (stream === 'contract-c' && round % 2 === 1) continue;
      const next = revisions.get(stream) ?? 0;
      const size = round === 2 ? 3 : 1;
      const events = Array.from({ length: size }, (_, i) => newEvent(stream, next + i, stream === 'contract-b' && next === 0 ? 0 : 1));
      await store.append(stream, events, next === 0 ? 'no_stream' : next - 1);
      revisions.set(stream, next + size);
    }
  }
}

const shape = ({ id, streamId, revision, type, version, data, metadata }: RecordedEvent) => ({ id, streamId, revision, type, version, data, metadata });

function memoryCheckpoint(): CheckpointStore & { saved: MigrationState[] } {
  const saved: MigrationState[] = [];
  return { saved, load: async () => saved[saved.length - 1], save: async (state) => void saved.push(state) };
}

describe('migrate-events', () => {
  let sourceDb: TestDatabase;
  let source: PostgresEventStore;
  /** A fresh folder for checkpoint files. */
  let dir: string;
  beforeEach(async () => {
    sourceDb = await createTestDatabase();
    source = await PostgresEventStore.create({ pool: sourceDb.pool });
    await fill(source);
    dir = await mkdtemp(join(tmpdir(), 'migrate-events-'));
  });
  afterEach(async () => {
    await source.close();
    await sourceDb.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('copies postgres → in-memory event by event: same order, ids, streams, revisions, types, versions, data and metadata', async () => {
    const target = new InMemoryEventStore();
    const state = await migrateEvents({ source, target, checkpoint: memoryCheckpoint(), batchSize: 4 });

    const sourceEvents = await source.readAll();
    const targetEvents = await target.readAll();
    expect(sourceEvents).toHaveLength(29);
    expect(targetEvents.map(shape)).toEqual(sourceEvents.map(shape));
    expect(targetEvents.find((event) => event.streamId === 'contract-b')?.version).toBe(0); // stored version, not upcast
    const { streamId, revision, id } = sourceEvents[28]!;
    expect(state).toEqual({ sourcePosition: sourceEvents[28]!.position, targetPosition: targetEvents[28]!.position, events: 29, last: { streamId, revision, id } });
    expect(await compareStores(source, target)).toEqual({ events: 29, newer: 0 });
  });

  it('copies postgres → postgres, resuming from the checkpoint file after a crash without copying anything twice', async () => {
    const targetDb = await createTestDatabase();
    const target = await PostgresEventStore.create({ pool: targetDb.pool });
    try {
      const checkpoint = checkpointFile(join(dir, 'checkpoint.json'), { source: 'postgres://source/db', target: 'postgres://target/db' });
      const progress: bigint[] = [];
      const crash = migrateEvents({
        source,
        target,
        checkpoint,
        batchSize: 5,
        onProgress: (p) => {
          progress.push(p.position);
          if (progress.length === 3) throw new Error('killed');
        },
      });
      await expect(crash).rejects.toThrow('killed');
      const saved = await checkpoint.load();
      expect(saved?.events).toBe(15);
      // The crash can also fall between an append and its checkpoint. Events 14-15 are two of the
      // three of one append (the page ended inside it): resumed after event 13, the first append
      // of the next page holds both copied and uncopied events.
      const thirteenth = (await source.readAll({ limit: 13 }))[12]!;
      const [copied] = await target.readStream(thirteenth.streamId, { fromRevision: thirteenth.revision, toRevision: thirteenth.revision });
      const { streamId, revision, id } = thirteenth;
      await checkpoint.save({ sourcePosition: thirteenth.position, targetPosition: copied!.position, events: 13, last: { streamId, revision, id } });

      const state = await migrateEvents({ source, target, checkpoint, batchSize: 5 });

      const sourceEvents = await source.readAll();
      expect(state.events).toBe(29);
      expect(state.sourcePosition).toBe(sourceEvents[28]!.position);
      expect((await target.readAll()).map(shape)).toEqual(sourceEvents.map(shape));
      expect(await compareStores(source, target, { pageSize: 4 })).toEqual({ events: 29, newer: 0 });
      expect(await checkpoint.load()).toEqual(state);
    } finally {
      await target.close();
      await targetDb.drop();
    }
  });

  it('appends a run of large events in parts within MAX_RUN_BYTES, chaining revisions (a KurrentDB append has a size limit)', async () => {
    const source = new InMemoryEventStore();
    const large = (index: number) => ({ ...newEvent('contract-big', index), data: { index, note: 'x'.repeat(MAX_RUN_BYTES / 3) } });
    await source.append('contract-big', [0, 1, 2, 3, 4].map(large), 'no_stream');
    const target = new InMemoryEventStore();
    const append = jest.spyOn(target, 'append');
    await migrateEvents({ source, target, checkpoint: memoryCheckpoint() });
    expect(append.mock.calls.map(([, events, expected]) => [events.length, expected])).toEqual([
      [2, 'no_stream'],
      [2, 1],
      [1, 3],
    ]);
    expect((await target.readStream('contract-big')).map(shape)).toEqual((await source.readStream('contract-big')).map(shape));
  });

  it('reports progress with the source head as total', async () => {
    const progress: { position: bigint; total: bigint; events: number }[] = [];
    await migrateEvents({ source, target: new InMemoryEventStore(), checkpoint: memoryCheckpoint(), batchSize: 10, onProgress: (p) => progress.push(p) });
    const head = await source.headPosition();
    expect(progress.map((p) => p.events)).toEqual([10, 20, 29]);
    expect(progress.every((p) => p.total === head)).toBe(true);
    expect(progress[2]!.position).toBe(head);
  });

  it('refuses, before writing anything, a first run into a target that holds events of another store', async () => {
    const target = new InMemoryEventStore();
    await target.append('contract-z', [newEvent('contract-z', 0)], 'no_stream');
    const checkpoint = memoryCheckpoint();
    await expect(migrateEvents({ source, target, checkpoint })).rejects.toThrow(/already holds events that are not a copy of this source .*nothing was copied/);
    expect((await target.readAll()).map((event) => event.streamId)).toEqual(['contract-z']);
    expect(checkpoint.saved).toEqual([]);
  });

  it('copies into a target that begins with what an earlier copy wrote before it saved a checkpoint, recognising those events', async () => {
    const target = new InMemoryEventStore();
    const [first] = await source.readAll({ limit: 1 });
    await target.append(first!.streamId, [first!].map(({ id, type, version, data, metadata }) => ({ id, type, version, data, metadata })), 'no_stream');
    await migrateEvents({ source, target, checkpoint: memoryCheckpoint() });
    expect(await compareStores(source, target)).toEqual({ events: 29, newer: 0 });
  });

  it('stops with a conflict when the target, begun as a copy, holds other events in a stream', async () => {
    const target = new InMemoryEventStore();
    const [first] = await source.readAll({ limit: 1 });
    await target.append(first!.streamId, [first!].map(({ id, type, version, data, metadata }) => ({ id, type, version, data, metadata })), 'no_stream');
    await target.append('contract-b', [newEvent('elsewhere', 0)], 'no_stream');
    await expect(migrateEvents({ source, target, checkpoint: memoryCheckpoint() })).rejects.toThrow(NotACopy);
    const refused = (await migrateEvents({ source, target, checkpoint: memoryCheckpoint() }).catch((error: unknown) => error)) as Error;
    expect(refused.message).toMatch(/^The target is not a copy of this source: the stream of event \S+ \(source position \d+\) holds other events there/);
    expect(refused.message).not.toContain('contract-b');
    expect(refused.cause).toMatchObject({ code: 'CONCURRENCY_CONFLICT', streamId: 'contract-b' });
  });

  it('compareStores names the first event that differs', async () => {
    const target = new InMemoryEventStore();
    await migrateEvents({ source, target, checkpoint: memoryCheckpoint() });
    await target.append('contract-z', [newEvent('contract-z', 0)], 'no_stream');
    const compared = await compareStores(source, target);
    expect(compared.events).toBe(29);
    expect(compared.mismatch).toMatchObject({ index: 29, source: undefined, target: { streamId: 'contract-z' } });
  });

  it('says which events differ and in which parts, never their data (names, national codes)', () => {
    const event = { id: 'e-1', streamId: 'contract-a', revision: 0, type: 'ContractOpened', version: 1, data: { applicant: { nationalCode: '0089216091' } }, metadata: { eventId: 'e-1', correlationId: 'c', actor: { sub: 's', role: 'applicant' }, channel: 'online', occurredAt: 'x' } };
    const changed = { ...event, data: { applicant: { nationalCode: '0084575948' } } };
    const said = describeMismatch({ index: 3, source: event, target: changed });
    expect(said).toBe('source ContractOpened v1 e-1 (revision 0), target ContractOpened v1 e-1 (revision 0); they differ in data');
    expect(describeMismatch({ index: 3, source: undefined, target: event })).toBe('source none, target ContractOpened v1 e-1 (revision 0)');
  });

  it('verifies a copy into PostgreSQL, whose JSONB orders keys its own way, as equal (the KurrentDB → PostgreSQL direction)', async () => {
    // KurrentDB keeps the JSON as the application wrote it; the in-memory store does too.
    const kurrentLike = new InMemoryEventStore();
    const id = deterministicId('migrate-spec', 'key-order');
    await kurrentLike.append('contract-k', [{
      id,
      type: 'ContractOpened',
      version: 1,
      data: { wage: 100, contractId: 'k', nested: { zeta: 1, alpha: 2 } },
      metadata: { eventId: id, commandId: 'cmd', correlationId: 'corr', actor: { sub: 'u', role: 'insured' }, channel: 'portal', occurredAt: '2025-01-01T00:00:00.000Z', schemaVersion: 1 },
    }], 'no_stream');
    const targetDb = await createTestDatabase();
    const target = await PostgresEventStore.create({ pool: targetDb.pool });
    try {
      const lines: string[] = [];
      expect(await migrateAndVerify({ source: kurrentLike, target, checkpoint: memoryCheckpoint(), out: (line) => lines.push(line) })).toBe(0);
      const [copied] = await target.readAll();
      expect(Object.keys(copied!.metadata)).not.toEqual(Object.keys((await kurrentLike.readAll())[0]!.metadata)); // JSONB did reorder
      expect(await compareStores(kurrentLike, target)).toEqual({ events: 1, newer: 0 });
      expect(lines.at(-1)).toBe(`verified: both stores hold the same 1 events in the same order, up to source position 1`);
    } finally {
      await target.close();
      await targetDb.drop();
    }
  });

  describe('while the source is still being written', () => {
    /** The source as the service keeps writing it: two more events land just after the copy read its last page. */
    function stillWritten(store: PostgresEventStore): EventStore {
      let written = false;
      const live = Object.create(store) as PostgresEventStore;
      live.readAll = async (options) => {
        const page = await store.readAll(options);
        if (page.length === 0 && !written) {
          written = true;
          const before = await store.headPosition();
          await store.append('contract-live', [newEvent('contract-live', 0), newEvent('contract-live', 1)], 'no_stream');
          // Visible to readers once older transactions on the server have ended (milliseconds).
          while ((await store.headPosition()) === before) await new Promise((resolve) => setTimeout(resolve, 10));
        }
        return page;
      };
      return live;
    }

    it('verifies up to where the copy reached and reports the newer events, exit 3; the next run copies them, exit 0', async () => {
      const target = new InMemoryEventStore();
      const checkpoint = memoryCheckpoint();
      const lines: string[] = [];

      const first = await migrateAndVerify({ source: stillWritten(source), target, checkpoint, batchSize: 10, out: (line) => lines.push(line) });

      expect(first).toBe(3);
      expect(lines.slice(1)).toEqual([
        `verified: both stores hold the same 29 events in the same order, up to source position ${checkpoint.saved.at(-1)!.sourcePosition}`,
        '2 newer events not yet copied (the source is still being written): run again to copy them',
      ]);
      lines.length = 0;
      expect(await migrateAndVerify({ source, target, checkpoint, batchSize: 10, out: (line) => lines.push(line) })).toBe(0);
      expect(lines.at(-1)).toMatch(/^verified: both stores hold the same 31 events in the same order/);
    });

    it('still reports a target holding events the copy did not write as a difference', async () => {
      const target = new InMemoryEventStore();
      const state = await migrateEvents({ source, target, checkpoint: memoryCheckpoint() });
      await target.append('contract-z', [newEvent('contract-z', 0)], 'no_stream');
      const compared = await compareStores(source, target, { sourceUpTo: state.sourcePosition });
      expect(compared).toMatchObject({ events: 29, mismatch: { index: 29, source: undefined, target: { streamId: 'contract-z' } } });
    });
  });

  describe('checkpoint identity', () => {
    const pair = { source: 'postgres://db-a:5432/contracts', target: 'kurrentdb://kdb-1:2113,kdb-2:2113' };

    it('records the addresses of both stores, without credentials or options', async () => {
      expect(storeAddress('postgres://app:s3cret@db-a:5432/contracts?sslmode=require')).toBe('postgres://db-a:5432/contracts');
      expect(storeAddress('kurrentdb://admin:changeit@kdb-1:2113,kdb-2:2113?tls=true')).toBe('kurrentdb://kdb-1:2113,kdb-2:2113');
      const path = join(dir, 'checkpoint.json');
      await checkpointFile(path, pair).save({ sourcePosition: 5n, targetPosition: 7n, events: 1 });
      expect(JSON.parse(await readFile(path, 'utf8'))).toEqual({ ...pair, sourcePosition: '5', targetPosition: '7', events: 1 });
      // Readable by its owner only: the last event's stream id may name a person.
      expect((await stat(path)).mode & 0o777).toBe(0o600);
    });

    it('refuses a checkpoint written for another source or target, naming the file', async () => {
      const path = join(dir, 'checkpoint.json');
      await checkpointFile(path, pair).save({ sourcePosition: 5n, targetPosition: 7n, events: 1 });
      for (const other of [{ ...pair, source: 'postgres://db-b:5432/contracts' }, { ...pair, target: 'kurrentdb://kdb-9:2113' }]) {
        await expect(checkpointFile(path, other).load()).rejects.toThrow(
          new RegExp(`^Checkpoint ${path} was written copying ${pair.source} to ${pair.target}, not ${other.source} to ${other.target}`),
        );
      }
      expect(await checkpointFile(path, pair).load()).toEqual({ sourcePosition: 5n, targetPosition: 7n, events: 1 });
    });

    it('refuses a checkpoint that is not JSON, naming the file', async () => {
      const path = join(dir, 'checkpoint.json');
      await writeFile(path, '{"source": "postgres://db-a:5432/contr');
      await expect(checkpointFile(path, pair).load()).rejects.toThrow(new RegExp(`^Checkpoint ${path} is not JSON \\(.*\\): delete it to start over`));
    });

    it('refuses a checkpoint that does not say which stores it belongs to', async () => {
      const path = join(dir, 'old.json');
      await writeFile(path, JSON.stringify({ sourcePosition: '5', targetPosition: '7', events: 1 }));
      await expect(checkpointFile(path, pair).load()).rejects.toThrow(`Checkpoint ${path} does not say which stores it was written for`);
    });

    it('refuses to resume into a target (or from a source) that does not hold the last copied event where the checkpoint says', async () => {
      const checkpoint = { ...memoryCheckpoint(), name: '/data/checkpoint.json' };
      await migrateEvents({ source, target: new InMemoryEventStore(), checkpoint });

      await expect(migrateEvents({ source, target: new InMemoryEventStore(), checkpoint })).rejects.toThrow(
        /^Checkpoint \/data\/checkpoint\.json: the target does not hold its last copied event .* it was written for another target$/,
      );
      const otherSourceDb = await createTestDatabase();
      const otherSource = await PostgresEventStore.create({ pool: otherSourceDb.pool });
      try {
        await fill(otherSource); // the same events, at other positions
        await expect(migrateEvents({ source: otherSource, target: new InMemoryEventStore(), checkpoint })).rejects.toThrow(/the source does not hold its last copied event/);
      } finally {
        await otherSource.close();
        await otherSourceDb.drop();
      }
    });
  });

  describe('command line', () => {

    async function cli(...argv: string[]) {
      const out = { stdout: '', stderr: '', progress: '' };
      const io = { out: (line: string) => (out.stdout += `${line}\n`), progress: (text: string) => (out.progress += text) };
      const code = await runCli(USAGE, (args) => main(args, io), argv, { stdout: (text) => (out.stdout += text), stderr: (text) => (out.stderr += text) });
      return { code, ...out };
    }

    it('copies and verifies, exit 0, keeping the stores\' addresses in the checkpoint', async () => {
      const targetDb = await createTestDatabase();
      try {
        const checkpoint = join(dir, 'checkpoint.json');
        const { code, stdout, stderr } = await cli('--from', 'postgres', '--to', 'postgres', '--from-url', sourceDb.url, '--to-url', targetDb.url, '--checkpoint', checkpoint, '--batch-size', '7');
        expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
        expect(stdout).toMatch(/^copied 29 events; .*\nverified: both stores hold the same 29 events in the same order, up to source position \d+\n$/);
        expect(JSON.parse(await readFile(checkpoint, 'utf8'))).toMatchObject({ source: storeAddress(sourceDb.url), target: storeAddress(targetDb.url), events: 29 });
      } finally {
        await targetDb.drop();
      }
    });

    it('refuses a second run on the same checkpoint while the first runs, naming the lock file and how to clear a stale one', async () => {
      // Found by an operator check: two runs at once ended in a raw `rename … ENOENT` from one of them.
      const targetDb = await createTestDatabase();
      try {
        const checkpoint = join(dir, 'checkpoint.json');
        const run = () => cli('--from', 'postgres', '--to', 'postgres', '--from-url', sourceDb.url, '--to-url', targetDb.url, '--checkpoint', checkpoint, '--batch-size', '3');
        const runs = await Promise.all([run(), run()]);
        expect(runs.map((r) => r.code).sort()).toEqual([0, 1]);
        const refused = runs.find((r) => r.code === 1)!;
        expect(refused.stderr).toBe(
          `Checkpoint ${checkpoint} is in use by another migrate-events run (process ${process.pid}): its lock file ${checkpoint}.lock exists. ` +
            `Let that run finish; if none is running (one was killed), delete ${checkpoint}.lock and run again\n`,
        );
        expect(JSON.parse(await readFile(checkpoint, 'utf8'))).toMatchObject({ events: 29 });
        // Released at the end, refused or not: the next run resumes.
        await expect(stat(`${checkpoint}.lock`)).rejects.toMatchObject({ code: 'ENOENT' });
        expect((await run()).code).toBe(0);
      } finally {
        await targetDb.drop();
      }
    });

    it('refuses a source database without an event store (a wrong DATABASE_URL), creating nothing in either database', async () => {
      const [wrong, targetDb] = await Promise.all([createTestDatabase(), createTestDatabase()]);
      try {
        const { code, stderr } = await cli('--from', 'postgres', '--to', 'postgres', '--from-url', wrong.url, '--to-url', targetDb.url, '--checkpoint', join(dir, 'c.json'));
        expect(code).toBe(1);
        expect(stderr).toBe(`source ${storeAddress(wrong.url)}: no event store in this database (no events table): is it the service's database?\n`);
        for (const db of [wrong, targetDb]) {
          expect((await db.pool.query(`SELECT count(*)::int AS tables FROM pg_tables WHERE schemaname = 'public'`)).rows).toEqual([{ tables: 0 }]);
        }
      } finally {
        await Promise.all([wrong.drop(), targetDb.drop()]);
      }
    });

    it('names the setting and server of a PostgreSQL store nothing listens for, never the password, in one line', async () => {
      const port = await closedPort();
      const unreachable = `postgres://app:s3cret@127.0.0.1:${port}/contracts`;
      const asTarget = await cli('--from', 'postgres', '--to', 'postgres', '--from-url', sourceDb.url, '--to-url', unreachable, '--checkpoint', join(dir, 'c.json'));
      expect(asTarget).toMatchObject({ code: 1, stdout: '', stderr: expect.stringMatching(new RegExp(`^--to-url \\(the target\\): cannot use 127\\.0\\.0\\.1:${port}/contracts: connect ECONNREFUSED [^\\n]*\\n$`)) });
      expect(asTarget.stderr).not.toContain('s3cret');
      // A URL from DATABASE_URL is named so.
      expect(parseMigrateArgs(['--from', 'postgres', '--to', 'kurrentdb'], { DATABASE_URL: unreachable, KURRENTDB_URL: 'kurrentdb://kdb:2113' })).toMatchObject({
        fromUrlSetting: 'DATABASE_URL',
        toUrlSetting: 'KURRENTDB_URL',
      });
    });

    it('refuses a source that holds no events', async () => {
      const [empty, targetDb] = await Promise.all([createTestDatabase(), createTestDatabase()]);
      try {
        await (await PostgresEventStore.create({ pool: empty.pool })).close();
        const { code, stderr } = await cli('--from', 'postgres', '--to', 'postgres', '--from-url', empty.url, '--to-url', targetDb.url, '--checkpoint', join(dir, 'c.json'));
        expect(code).toBe(1);
        expect(stderr).toMatch(/^source .* holds no events: nothing to copy/);
      } finally {
        await Promise.all([empty.drop(), targetDb.drop()]);
      }
    });

    it('exits 2 with what is wrong and the usage on stderr for a command line it cannot run, before opening anything', async () => {
      // Unreachable addresses: getting past the command line would fail otherwise (exit 1).
      const urls = ['--from-url', 'postgres://nowhere.invalid/a', '--to-url', 'postgres://nowhere.invalid/b'];
      const cases: [string[], string][] = [
        [['--to', 'postgres', ...urls], 'migrate-events: --from must be "postgres" or "kurrentdb", got ""'],
        [['--from', 'postgres', '--to', 'mysql', ...urls], 'migrate-events: --to must be "postgres" or "kurrentdb", got "mysql"'],
        [['--from', 'postgres', '--to', 'postgres', ...urls, '--batch-size', '0'], 'migrate-events: --batch-size must be a positive integer'],
        [['--from', 'postgres', '--to', 'postgres', '--from-url', 'postgres://a:1@db/x', '--to-url', 'postgres://b:2@db/x'], 'migrate-events: the source and the target are the same store'],
      ];
      for (const [argv, message] of cases) expect(await cli(...argv)).toMatchObject({ code: 2, stdout: '', stderr: `${message}\n${USAGE}\n` });
      expect(await cli('--from', 'postgres', '--fom', 'x')).toMatchObject({ code: 2, stderr: expect.stringMatching(/^migrate-events: Unknown option '--fom'/) });
      expect(() => parseMigrateArgs(['--from', 'postgres', '--to', 'kurrentdb'], {})).toThrow('give --from-url and --to-url');
    });

    it('prints the usage on stdout for --help or -h, exit 0', async () => {
      expect(await cli('--help')).toEqual({ code: 0, stdout: `${USAGE}\n`, stderr: '', progress: '' });
      expect(await cli('--from', 'postgres', '-h')).toEqual({ code: 0, stdout: `${USAGE}\n`, stderr: '', progress: '' });
    });
  });
});
