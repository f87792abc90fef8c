/**
 * `npm run bench` (or `npm run bench -- --quick`, under 3 minutes): the service and the bare
 * append paths measured side by side on one fresh, durable embedded PostgreSQL, so every figure
 * can be read as a ratio to the floor and the peer measured in the same run. Prints a markdown
 * table, writes it into docs/performance.md, and ends with one JSON line.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { measureAppends, type AppendSubject } from './appends';
import { contractHistory } from './history';
import { runFloorRequests, runMix } from './http';
import { benchPeople } from './people';
import { sampleLag } from './read-side';
import { inFreshProcess } from './read-side-process';
import { renderMarkdown, spliceGenerated, summaryLine, type BenchResults } from './report';
import { startBenchPostgres, startNestFloor, startProjector, startService } from './server';
import { percentile, type MixResult, type RunResult } from './stats';

const CONNECTIONS = [1, 16, 64] as const;
const CORPUS_EVENTS = 100_000;
const DOC = join('docs', 'performance.md');

const say = (message: string) => process.stderr.write(`[bench] ${message}\n`);

async function main(argv: string[]): Promise<void> {
  const quick = argv.includes('--quick');
  const timing = quick ? { httpSeconds: 5, appendSeconds: 3, warmupSeconds: 1 } : { httpSeconds: 20, appendSeconds: 10, warmupSeconds: 2 };
  if (!existsSync(join('dist', 'apps', 'contracts-api', 'src', 'main.js'))) throw new Error('build first: npm run bench builds, then runs this');

  const started = new Date();
  const measured = commit(); // now, as built: a commit made while the bench runs is not what it measured
  const machine = { cpus: cpus().length, cpuModel: cpus()[0]?.model.trim() ?? 'unknown', memoryGiB: totalmem() / 2 ** 30, loadAverage: [loadavg()[0]!, loadavg()[1]!] as [number, number] };
  const dir = await mkdtemp(join(tmpdir(), 'bench-'));
  const pgDir = await mkdtemp(join(tmpdir(), 'bench-pg-'));
  const { server, urlOf } = await startBenchPostgres(pgDir, ['contracts', 'contracts_inline', 'bench_floor', 'bench_peer', 'bench_ours', 'bench_nest', 'bench_corpus', 'bench_flat']);
  say(`PostgreSQL (fsync on) in ${pgDir}`);
  try {
    const contractDate = started.toISOString().slice(0, 10);
    const people = benchPeople(quick ? 20_000 : 80_000, contractDate);
    const registryFile = join(dir, 'registry.json');
    await writeFile(registryFile, JSON.stringify(people));
    const env = { AUTH_JWT_SECRET: randomBytes(32).toString('hex'), DATABASE_URL: urlOf('contracts'), REGISTRY_FILE: registryFile, DATA_DIR: join(dir, 'service') };

    // 1. The service over HTTP as production runs it (docker-compose.yml): the API with
    // PROJECTOR=off and apps/projector beside it, with the projection lag sampled under the
    // 16-connection load; then, on a database of its own, the same 16 connections against the
    // API with the projector inside it, as `npm start` runs it.
    let nextPerson = 0;
    const measureHttp = async (topology: 'apart' | 'inline', levels: readonly number[]) => {
      const serviceEnv = topology === 'apart' ? { ...env, PROJECTOR: 'off' } : { ...env, DATABASE_URL: urlOf('contracts_inline'), DATA_DIR: join(dir, 'service-inline') };
      const service = await startService(serviceEnv, say);
      const projector = topology === 'apart' ? await startProjector(env, say) : undefined;
      const runs: { result: MixResult; lagSamples?: number[] }[] = [];
      try {
        const mix = (connections: number, seconds: number) => runMix({ baseUrl: service.baseUrl, connections, seconds, people, nextPerson: () => nextPerson++, env });
        await mix(4, timing.warmupSeconds * 2);
        for (const connections of levels) {
          const lag = connections === 16 ? sampleLag(serviceEnv.DATABASE_URL) : undefined;
          const result = await mix(connections, timing.httpSeconds);
          const lagSamples = await lag?.stop();
          say(`http ${connections} (projector ${topology}): ${result.opsPerSec.toFixed(0)} commands/s, commands' p99 ${result.commandP99Ms.toFixed(1)} ms (the mix's ${result.p99Ms} ms), ${result.errors} errors${result.errorSamples.length ? `: ${result.errorSamples.join(' | ')}` : ''}`);
          runs.push({ result, lagSamples });
        }
      } finally {
        await projector?.stop();
        await service.stop();
      }
      return runs;
    };
    const apart = await measureHttp('apart', CONNECTIONS);
    const [inline] = await measureHttp('inline', [16]);
    const lagOf = (samples: number[] = []) => ({ p50Ms: percentile(samples, 50), p99Ms: percentile(samples, 99), samples: samples.length });

    // 2-4. Floor, peer and ours, interleaved per concurrency so drift in the machine's load hits
    // all three, each level followed by the issue's HTTP reference: Nest + Fastify + the floor's INSERT.
    const [person] = benchPeople(1, contractDate);
    const event = contractHistory('00000000-0000-4000-8000-00000000be0c', '1400000001', person!, started, 0).events[0]!;
    const appends: Record<AppendSubject, RunResult[]> = { floor: [], peer: [], ours: [] };
    const databases: Record<AppendSubject, string> = { floor: 'bench_floor', peer: 'bench_peer', ours: 'bench_ours' };
    const nestFloor: RunResult[] = [];
    const nest = await startNestFloor(urlOf('bench_nest'), event, say);
    try {
      for (const connections of CONNECTIONS) {
        for (const subject of ['floor', 'peer', 'ours'] as const) {
          const result = await measureAppends(subject, { url: urlOf(databases[subject]), connections, seconds: timing.appendSeconds, warmupSeconds: timing.warmupSeconds, event });
          say(`${subject} ${connections}: ${result.opsPerSec.toFixed(0)}/s, p99 ${result.p99Ms.toFixed(1)} ms${result.errors ? `, ${result.errors} errors: ${result.firstError}` : ''}`);
          appends[subject].push(result);
        }
        const result = await runFloorRequests({ baseUrl: nest.baseUrl, connections, seconds: timing.appendSeconds, warmupSeconds: timing.warmupSeconds });
        say(`Nest + one INSERT ${connections}: ${result.opsPerSec.toFixed(0)} requests/s, p99 ${result.p99Ms} ms, ${result.errors} errors`);
        nestFloor.push(result);
      }
    } finally {
      await nest.stop();
    }

    // 5-9. The read side over a store of 100,000 events, each measurement in a fresh process (as
    // production runs the projector or a rebuild; in this one the peer has replaced pg's type
    // parsers); then reading from a position in a small store and in this one grown.
    const corpus = urlOf('bench_corpus');
    const { events } = await inFreshProcess('fill', { url: corpus, events: CORPUS_EVENTS, contractDate });
    say(`corpus: ${events} events`);
    const rawCatchUp = await inFreshProcess('rawCatchUp', { url: corpus });
    const catchUp = await inFreshProcess('catchUp', { url: corpus, events });
    say(`catch-up: ${catchUp.eventsPerSec.toFixed(0)} events/s (raw read + batched upsert ${rawCatchUp.eventsPerSec.toFixed(0)})`);
    const rawRead = await inFreshProcess('rawRead', { url: corpus });
    const replay = await inFreshProcess('replay', { url: corpus });
    say(`replay: ${replay.eventsPerSec.toFixed(0)} events/s into memory (raw read ${rawRead.eventsPerSec.toFixed(0)})`);
    const long = await inFreshProcess('long', { url: corpus, contractDate, repeats: quick ? 20 : 100 });
    // Every projection, --quick too: which is slowest changes from run to run (R22: deadlines, R20–R21: notifications).
    const rebuilds = await inFreshProcess('rebuilds', { url: corpus });
    say(`rebuilds: ${rebuilds.map((r) => `${r.projection} ${r.eventsPerSec.toFixed(0)}`).join(', ')} events/s`);
    const flatness = await inFreshProcess('flatness', { url: corpus, smallUrl: urlOf('bench_flat'), contractDate, repeats: quick ? 7 : 21 });
    say(`flatness: ${flatness.smallMsPerPage.toFixed(2)} → ${flatness.largeNearEndMsPerPage.toFixed(2)} / ${flatness.largeSameStartMsPerPage.toFixed(2)} ms per page`);
    const readSide = { catchUp, replay, long, rebuilds, flatness, rawCatchUp, rawRead };

    const results: BenchResults = {
      date: started.toISOString().replace(/\.\d+Z$/, 'Z'),
      commit: measured,
      machine,
      quick,
      http: apart.map((run) => run.result),
      httpInline: inline!.result,
      ...appends,
      nestFloor,
      ...readSide,
      lag: lagOf(apart.find((run) => run.lagSamples)?.lagSamples),
      lagInline: lagOf(inline!.lagSamples),
    };
    const markdown = renderMarkdown(results);
    const document = existsSync(DOC) ? await readFile(DOC, 'utf8') : '# Performance\n';
    await writeFile(DOC, spliceGenerated(document, markdown));
    process.stdout.write(`${markdown}\n\n${JSON.stringify(summaryLine(results))}\n`);
  } finally {
    await server.stop();
    await Promise.all([dir, pgDir].map((folder) => rm(folder, { recursive: true, force: true })));
  }
}

/** The commit measured, marked when the working tree had changes. */
function commit(): string {
  const git = (...args: string[]) => execFileSync('git', args, { encoding: 'utf8' }).trim();
  try {
    return `${git('rev-parse', '--short', 'HEAD')}${git('status', '--porcelain', '--untracked-files=no') ? ' (with uncommitted changes)' : ''}`;
  } catch {
    return 'unknown';
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
