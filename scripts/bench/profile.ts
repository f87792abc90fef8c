/**
 * A short, single-subject run to profile with, not a measurement to report:
 *   node --cpu-prof dist/scripts/bench/profile.js catchup [events] [each]   projections from 0 in this
 *     process (`each`: first every projection alone;
 *     a projection's name: that one only; `without:<name>`: every other one)
 *     (CPU_PROFILE=<file.cpuprofile>: a CPU profile of the catch-up or rebuilds alone)
 *   node dist/scripts/bench/profile.js rebuild [events] [projection] [rounds]   `rebuild` of each projection
 *     (or the one named; `all`: each) over a store of that many events, one after another, `rounds` times (from
 *     the second on, notifications finds the outbox it filled, as the bench's rebuild does)
 *   node dist/scripts/bench/profile.js long [repeats]   a 360-event contract loaded `repeats` times:
 *     median of the whole load, of reading the stream alone and of folding it alone
 *   node dist/scripts/bench/profile.js http [connections] [seconds]  the HTTP mix against the built
 *     service; with PROFILE_DIR set the service runs under --cpu-prof and writes its profile there;
 *     PRELOAD=<file.js> is required into the service first (count-queries.js counts its statements);
 *     with LAG=1 the projector runs apart (as the bench's judged rows) and its lag is sampled as the bench does
 *     (LAG=inline: sampled with the projector inside the API, as `npm start` runs it);
 *     PG_STATEMENTS=1 (http, catchup, rebuild): the statements PostgreSQL spent longest on during the measured run (pg_stat_statements)
 * Both print their figure, so two builds can be compared back to back on the same busy machine.
 */
import { randomBytes } from 'node:crypto';
import { readdir, readFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Pool, PoolClient } from 'pg';
import { fold } from '@app/contracts-app';
import { PostgresEventStore, type RecordedEvent } from '@app/event-store';
import { createPool } from '@app/platform';
import { liveSchema, rebuild } from '@app/projections';
import { runMix } from './http';
import { benchPeople } from './people';
import { fillStore, measureCatchUp, measureLongContract, sampleLag, serviceProjections, settleStore } from './read-side';
import { percentile } from './stats';
import { startBenchPostgres, startProjector, startService } from './server';

const say = (line: string) => process.stderr.write(`${line}\n`);

/** With a file name: a CPU profile of `work` alone (not of filling the store) written there (the last one wins). */
async function cpuProfiled<T>(file: string | undefined, work: () => Promise<T>): Promise<T> {
  if (!file) return work();
  const session = new Session();
  session.connect();
  const post = (method: string) => new Promise<unknown>((done, fail) => session.post(method, (error, result) => (error ? fail(error) : done(result))));
  await post('Profiler.enable');
  await post('Profiler.start');
  try {
    return await work();
  } finally {
    const { profile } = (await post('Profiler.stop')) as { profile: unknown };
    await writeFile(file, JSON.stringify(profile));
    session.disconnect();
  }
}

/** utime + stime + cutime + cstime of a /proc/<pid>/stat line, in ms (USER_HZ is 100 on Linux). */
function cpuMsOf(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) * 10;
}

/**
 * CPU time (ms) of every PostgreSQL process so far, from /proc (Linux; undefined elsewhere): the
 * server's side of the work, which `process.cpuUsage` does not see. Exited backends count through
 * the postmaster's reaped-children time.
 */
async function postgresCpuMs(): Promise<number | undefined> {
  try {
    let ms = 0;
    for (const pid of (await readdir('/proc')).filter((name) => /^\d+$/.test(name))) {
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
      if (stat.includes('(postgres)')) ms += cpuMsOf(stat);
    }
    return ms;
  } catch {
    return undefined;
  }
}

/** CPU time (ms) of one process so far (a child: the service, the projector), undefined where /proc cannot tell. */
async function processCpuMs(pid: number | undefined): Promise<number | undefined> {
  if (pid === undefined) return undefined;
  return readFile(`/proc/${pid}/stat`, 'utf8').then(cpuMsOf, () => undefined);
}

/**
 * Starts counting this process's CPU, PostgreSQL's and the named children's; the function returned
 * says how much each used since (CPU time scatters less than wall time on a busy machine), per
 * `per.count` of `per.what` when given.
 */
async function cpuSince(children: Record<string, number | undefined> = {}): Promise<(per?: { count: number; what: string }) => Promise<string>> {
  type Sampler = readonly [name: string, cpuMs: () => Promise<number | undefined>];
  const others: Sampler[] = [...Object.entries(children).map(([name, pid]): Sampler => [name, () => processCpuMs(pid)]), ['PostgreSQL', postgresCpuMs]];
  const sample = () => Promise.all(others.map(([, cpuMs]) => cpuMs()));
  const [process0, others0] = [process.cpuUsage(), await sample()];
  return async (per) => {
    const used = process.cpuUsage(process0);
    const others1 = await sample();
    const share = (ms: number) => (per ? `${(ms / per.count).toFixed(2)} ms a ${per.what}` : `${ms.toFixed(0)} ms`);
    const parts = others.map(([name], i) => {
      const [before, after] = [others0[i], others1[i]];
      return `${name}'s: ${before === undefined || after === undefined ? 'not measured' : share(after - before)}`;
    });
    return `this process's CPU: ${share((used.user + used.system) / 1000)}, ${parts.join(', ')}`;
  };
}

async function main([mode = 'catchup', first, second, third]: string[]): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-profile-'));
  const pgDir = await mkdtemp(join(tmpdir(), 'bench-pg-'));
  const statements = process.env.PG_STATEMENTS === '1';
  const { server, urlOf } = await startBenchPostgres(pgDir, ['subject'], statements ? { shared_preload_libraries: 'pg_stat_statements', 'pg_stat_statements.track': 'all', 'pg_stat_statements.track_planning': 'on' } : {});
  const contractDate = new Date().toISOString().slice(0, 10);
  try {
    if (mode === 'catchup') {
      const pool = createPool(urlOf('subject'), { max: 12, applicationName: 'bench-profile' });
      const store = await PostgresEventStore.create({ pool });
      try {
        const events = await fillStore(store, Number(first ?? 20_000), contractDate);
        await settleStore(pool);
        const service = await serviceProjections(pool);
        if (second === 'each') {
          // Each projection alone, to see which one the catch-up waits for.
          for (const projection of service) {
            const alone = await measureCatchUp(pool, store, events, [projection]);
            say(`catch-up of ${projection.name} alone: ${alone.eventsPerSec.toFixed(0)} events/s`);
            await pool.query(`DROP SCHEMA ${liveSchema(projection.name)} CASCADE`);
          }
        }
        // Where the catch-up's wall time goes: reading pages, and each projection's apply.
        const spent = new Map<string, number>();
        const timed = async <T>(what: string, work: () => Promise<T>): Promise<T> => {
          const started = performance.now();
          try {
            return await work();
          } finally {
            spent.set(what, (spent.get(what) ?? 0) + performance.now() - started);
          }
        };
        // Pages apart from the status polls' one-event reads; events parsed, to see reads shared.
        const readAll = store.readAll.bind(store);
        let parsed = 0;
        store.readAll = async (options) => {
          const page = await timed(options?.limit === 1 ? 'status reads' : 'readAll pages', () => readAll(options));
          if (options?.limit !== 1) parsed += page.length;
          return page;
        };
        // A name: that projection alone; `without:<name>`: all the others (which one sets the pace).
        const left = second?.startsWith('without:') ? second.slice('without:'.length) : undefined;
        if (left !== undefined && !service.some((projection) => projection.name === left)) throw new Error(`no projection named ${left}`);
        const chosen = left !== undefined ? service.filter((projection) => projection.name !== left) : service.filter((projection) => projection.name === second);
        const projections = (chosen.length > 0 ? chosen : service).map((projection) => ({
          ...projection,
          handles: projection.handles.bind(projection),
          apply: (tx: PoolClient, batch: readonly RecordedEvent[]) => timed(`apply ${projection.name}`, () => projection.apply(tx, batch)),
        }));
        if (statements) await resetStatements(pool);
        const cpu = await cpuSince();
        const catchUp = await cpuProfiled(process.env.CPU_PROFILE, () => measureCatchUp(pool, store, events, projections));
        const cpuSpent = await cpu();
        say([...spent].map(([what, ms]) => `${what}: ${ms.toFixed(0)} ms`).join(', '));
        say(`events read from the store: ${parsed} (${(parsed / events).toFixed(1)} × the store); ${cpuSpent}`);
        say(`catch-up${chosen.length > 0 ? ` of ${chosen.map((projection) => projection.name).join(', ')}` : ''}: ${events} events in ${catchUp.seconds.toFixed(2)} s, ${catchUp.eventsPerSec.toFixed(0)} events/s`);
        if (statements) await sayTopStatements(pool);
      } finally {
        await store.close();
        await pool.end();
      }
    } else if (mode === 'rebuild') {
      // The rebuild path: replay every event into fresh tables and swap them in, one projection at a time.
      const pool = createPool(urlOf('subject'), { max: 12, applicationName: 'bench-profile' });
      const store = await PostgresEventStore.create({ pool });
      try {
        const events = await fillStore(store, Number(first ?? 20_000), contractDate);
        await settleStore(pool);
        const named = (await serviceProjections(pool)).filter((p) => second === undefined || second === 'all' || p.name === second);
        const rounds = Number(third ?? 1);
        if (!Number.isSafeInteger(rounds) || rounds < 1) throw new Error(`rounds must be a positive integer, got ${third}`);
        for (const projection of Array.from({ length: rounds }, () => named).flat()) {
          if (statements) await resetStatements(pool);
          const cpu = await cpuSince();
          const started = performance.now();
          const rebuilt = await cpuProfiled(process.env.CPU_PROFILE, () => rebuild({ pool, eventStore: store, projection }));
          const seconds = (performance.now() - started) / 1000;
          say(`rebuild of ${projection.name}: ${rebuilt.events} of ${events} events in ${seconds.toFixed(2)} s, ${(rebuilt.events / seconds).toFixed(0)} events/s; ${await cpu()}`);
          if (statements) await sayTopStatements(pool);
        }
      } finally {
        await store.close();
        await pool.end();
      }
    } else if (mode === 'long') {
      const pool = createPool(urlOf('subject'), { max: 2, applicationName: 'bench-profile' });
      const store = await PostgresEventStore.create({ pool });
      try {
        const repeats = Number(first ?? 200);
        const { loadMs, asOfMs } = await measureLongContract(pool, store, contractDate, repeats);
        // The same contract's parts: the read alone (what a load reads) and the fold alone (with toDomainEvent).
        const [{ stream_id: streamId }] = (await pool.query<{ stream_id: string }>(`SELECT stream_id FROM events WHERE revision = 359 LIMIT 1`)).rows;
        const readMs: number[] = [];
        const foldMs: number[] = [];
        for (let i = 0; i < repeats; i++) {
          const started = performance.now();
          const events = await store.readFoldable(streamId!);
          const read = performance.now();
          fold(events);
          readMs.push(read - started);
          foldMs.push(performance.now() - read);
        }
        say(`360-event load: ${loadMs.toFixed(2)} ms (read ${percentile(readMs, 50).toFixed(2)} ms + fold ${percentile(foldMs, 50).toFixed(2)} ms), asOf ${asOfMs.toFixed(2)} ms, medians of ${repeats}`);
      } finally {
        await store.close();
        await pool.end();
      }
    } else {
      const people = benchPeople(20_000, contractDate);
      const registryFile = join(dir, 'registry.json');
      await writeFile(registryFile, JSON.stringify(people));
      const env: Record<string, string> = { AUTH_JWT_SECRET: randomBytes(32).toString('hex'), DATABASE_URL: urlOf('subject'), REGISTRY_FILE: registryFile, DATA_DIR: join(dir, 'service') };
      const profile = process.env.PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.PROFILE_DIR}`] : [];
      if (process.env.PRELOAD) profile.push('--require', resolve(process.env.PRELOAD));
      const lagged = process.env.LAG === '1' || process.env.LAG === 'inline';
      const apart = process.env.LAG === '1';
      const service = await startService(apart ? { ...env, PROJECTOR: 'off' } : env, say, profile);
      const projector = apart ? await startProjector(env, say) : undefined;
      try {
        let person = 0;
        const mix = (connections: number, seconds: number) => runMix({ baseUrl: service.baseUrl, connections, seconds, people, nextPerson: () => person++, env });
        await mix(4, 2);
        if (statements) await withPool(env.DATABASE_URL, resetStatements);
        const lag = lagged ? sampleLag(env.DATABASE_URL) : undefined;
        const cpu = await cpuSince({ 'the service': service.pid, ...(projector ? { 'the projector': projector.pid } : {}) });
        const result = await mix(Number(first ?? 16), Number(second ?? 10)).catch(async (error: unknown) => {
          await lag?.stop().catch(() => undefined);
          throw error;
        });
        const lagMs = await lag?.stop();
        const lagLine = lagMs ? `; lag p50 ${percentile(lagMs, 50).toFixed(0)} / p99 ${percentile(lagMs, 99).toFixed(0)} / max ${Math.max(...lagMs).toFixed(0)} ms over ${lagMs.length} samples` : '';
        say(`http ${first ?? 16}: ${result.opsPerSec.toFixed(0)} commands/s, commands' p99 ${result.commandP99Ms.toFixed(1)} ms, the mix's p50 ${result.p50Ms} / p99 ${result.p99Ms} ms, ${result.errors} errors${lagLine}`);
        // Where the two cores went (the load generator is this process): CPU per command.
        say(await cpu({ count: result.opsPerSec * Number(second ?? 10), what: 'command' }));
        if (statements) await withPool(env.DATABASE_URL, sayTopStatements);
      } finally {
        await projector?.stop();
        await service.stop();
      }
    }
  } finally {
    await server.stop();
    await Promise.all([dir, pgDir].map((folder) => rm(folder, { recursive: true, force: true })));
  }
}

async function withPool<T>(url: string, work: (pool: Pool) => Promise<T>): Promise<T> {
  const pool = createPool(url, { max: 1 });
  try {
    return await work(pool);
  } finally {
    await pool.end();
  }
}

/** Starts the count of `sayTopStatements` afresh (PG_STATEMENTS=1 preloads the extension). */
async function resetStatements(pool: Pool): Promise<void> {
  await pool.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements; SELECT pg_stat_statements_reset()');
}

/** Where the server's time went, statement by statement: executing and planning (commits' WAL flushes are in neither). */
async function sayTopStatements(pool: Pool): Promise<void> {
  const { rows } = await pool.query<{ calls: number; rows: number; total: number; plan: number; query: string }>(
    `SELECT calls::float8 AS calls, rows::float8 AS rows, total_exec_time AS total, total_plan_time AS plan, regexp_replace(query, '\\s+', ' ', 'g') AS query
       FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
      ORDER BY total_exec_time + total_plan_time DESC LIMIT 20`,
  );
  say('PostgreSQL time by statement (top 20), planning apart: ms executing, ms planning, calls, rows, ms per call in all');
  for (const row of rows) {
    say(`${row.total.toFixed(0).padStart(6)} ${row.plan.toFixed(0).padStart(6)} ${String(row.calls).padStart(6)} ${String(row.rows).padStart(7)} ${((row.total + row.plan) / row.calls).toFixed(3).padStart(7)}  ${row.query.slice(0, 100)}`);
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
