/**
 * One read-side measurement in a process of its own, as production runs the projector, a rebuild
 * or an auditor's replay: `node dist/scripts/bench/read-side-process.js '<step as JSON>'` prints
 * its result as the last line of stdout. Not in the bench's own process: the peer it measures
 * (Emmett) replaces `pg`'s global type parsers, after which every JSON column there is parsed with
 * a reviver and reading ran at about half speed (docs/performance.md, session 6).
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import type { Pool } from 'pg';
import { PostgresEventStore } from '@app/event-store';
import { createPool } from '@app/platform';
import { measureRawCatchUp, measureRawRead } from './baselines';
import { fillStore, measureCatchUp, measureLongContract, measureReadFlatness, measureRebuilds, measureReplay, serviceProjections, settleStore } from './read-side';
import type { ReadFlatness, RebuildResult } from './stats';

type Rate = { events: number; eventsPerSec: number };

/** Each step and what it answers. `url` is the corpus's database. */
export interface ReadSideSteps {
  /** Fills the corpus and leaves it at rest (`settleStore`). */
  fill: { args: { url: string; events: number; contractDate: string }; result: { events: number } };
  rawCatchUp: { args: { url: string }; result: Rate };
  catchUp: { args: { url: string; events: number }; result: Rate };
  rawRead: { args: { url: string }; result: Rate };
  replay: { args: { url: string }; result: Rate };
  long: { args: { url: string; contractDate: string; repeats: number }; result: { loadMs: number; asOfMs: number } };
  /** Every projection the service runs. */
  rebuilds: { args: { url: string }; result: RebuildResult[] };
  flatness: { args: { url: string; smallUrl: string; contractDate: string; repeats: number }; result: ReadFlatness };
}

type Step = keyof ReadSideSteps;

/** Runs `step` in a new node process and returns what it measured. */
export function inFreshProcess<S extends Step>(step: S, args: ReadSideSteps[S]['args']): Promise<ReadSideSteps[S]['result']> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [join(__dirname, 'read-side-process.js'), JSON.stringify({ step, args })], { maxBuffer: 16 * 2 ** 20 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`read-side step ${step} failed: ${stderr || error.message}`));
      resolve(JSON.parse(stdout.trim().split('\n').at(-1)!) as ReadSideSteps[S]['result']);
    });
  });
}

async function withStore<T>(url: string, work: (pool: Pool, store: PostgresEventStore) => Promise<T>): Promise<T> {
  const pool = createPool(url, { max: 12, applicationName: 'bench-read-side' });
  const store = await PostgresEventStore.create({ pool });
  try {
    return await work(pool, store);
  } finally {
    await store.close();
    await pool.end();
  }
}

/** What each step does, given the corpus's pool and store (and what else its arguments name). */
const STEPS: { [S in Step]: (pool: Pool, store: PostgresEventStore, args: ReadSideSteps[S]['args']) => Promise<ReadSideSteps[S]['result']> } = {
  fill: async (pool, store, { events, contractDate }) => {
    const written = await fillStore(store, events, contractDate);
    await settleStore(pool);
    return { events: written };
  },
  rawCatchUp: (pool) => measureRawCatchUp(pool),
  catchUp: async (pool, store, { events }) => ({ events, eventsPerSec: (await measureCatchUp(pool, store, events, await serviceProjections(pool))).eventsPerSec }),
  rawRead: (pool) => measureRawRead(pool),
  replay: (_pool, store) => measureReplay(store),
  long: (pool, store, { contractDate, repeats }) => measureLongContract(pool, store, contractDate, repeats),
  rebuilds: async (pool, store) => measureRebuilds(pool, store, await serviceProjections(pool)),
  flatness: (pool, store, { smallUrl, contractDate, repeats }) =>
    withStore(smallUrl, (smallPool, smallStore) => measureReadFlatness({ pool: smallPool, store: smallStore }, { pool, store }, contractDate, repeats)),
};

function run<S extends Step>(step: S, args: ReadSideSteps[S]['args']): Promise<ReadSideSteps[S]['result']> {
  return withStore(args.url, (pool, store) => STEPS[step](pool, store, args));
}

if (require.main === module) {
  const { step, args } = JSON.parse(process.argv[2] ?? '{}') as { step: Step; args: ReadSideSteps[Step]['args'] };
  run(step, args).then(
    // Exits at once: a handle left open by what was measured must not keep the bench waiting.
    (result) => process.stdout.write(`${JSON.stringify(result)}\n`, () => process.exit(0)),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    },
  );
}
