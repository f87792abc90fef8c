import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { contractView, evolve, type ContractState } from '@app/contracts-domain';
import { ContractStreams, toDomainEvent } from '@app/contracts-app';
import { PostgresEventStore } from '@app/event-store';
import { SystemClock, createPool } from '@app/platform';
import { PROJECTIONS, ProjectionRunner, startProjector, type Projection } from '@app/projections';
import { contractHistory } from './history';
import { benchPeople } from './people';
import { percentile } from './stats';

const EVENTS_PER_CONTRACT = 20;

/** A store of `events` events: contracts opened and paid month by month, appended a contract per call. */
export async function fillStore(store: PostgresEventStore, events: number, contractDate: string): Promise<number> {
  const people = benchPeople(Math.ceil(events / EVENTS_PER_CONTRACT), contractDate);
  const opensAt = new Date(`${contractDate}T08:00:00Z`);
  let next = 0;
  let written = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let n = next++; n < people.length; n = next++) {
        const history = contractHistory(randomUUID(), String(1_500_000_000 + n), people[n]!, opensAt, Math.min(EVENTS_PER_CONTRACT, events - n * EVENTS_PER_CONTRACT) - 1);
        await store.append(history.streamId, history.events, 'no_stream');
        written += history.events.length;
      }
    }),
  );
  return written;
}

/** Every projection from position 0 to the head; events/s for all of them to be caught up. */
export async function measureCatchUp(
  pool: Pool,
  store: PostgresEventStore,
  events: number,
  projections: readonly Projection[] = PROJECTIONS,
): Promise<{ seconds: number; eventsPerSec: number }> {
  const started = performance.now();
  const projector = await startProjector({ pool, eventStore: store, clock: new SystemClock(), log: () => undefined, deadlines: false, batchSize: 1_000, projections });
  try {
    for (;;) {
      const statuses = await projector.status();
      if (statuses.every((s) => s.role === 'owner' && s.caughtUp)) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  } finally {
    await projector.stop();
  }
  const seconds = (performance.now() - started) / 1000;
  return { seconds, eventsPerSec: events / seconds };
}

/** Every event in global order, folded into each contract's state in memory. */
export async function measureReplay(store: PostgresEventStore): Promise<{ events: number; eventsPerSec: number }> {
  const started = performance.now();
  const states = new Map<string, ContractState | undefined>();
  let position = 0n;
  let events = 0;
  for (;;) {
    const page = await store.readAll({ fromPosition: position, limit: 5_000 });
    if (page.length === 0) break;
    for (const event of page) states.set(event.streamId, evolve(states.get(event.streamId), toDomainEvent(event)));
    position = page[page.length - 1]!.position;
    events += page.length;
  }
  return { events, eventsPerSec: events / ((performance.now() - started) / 1000) };
}

/**
 * A contract of 360 events (opened, then 359 months paid): median time to load it (read the
 * stream and fold) and to answer an auditor's `asOf` halfway through its life (read up to the
 * instant, fold, render the view), over `repeats` runs each.
 */
export async function measureLongContract(store: PostgresEventStore, contractDate: string, repeats: number): Promise<{ loadMs: number; asOfMs: number }> {
  const contractId = randomUUID();
  const [person] = benchPeople(1, contractDate);
  const history = contractHistory(contractId, '1499999999', person!, new Date(`${contractDate}T08:00:00Z`), 359);
  await store.append(history.streamId, history.events, 'no_stream');
  const streams = new ContractStreams(store, new SystemClock());
  const asOf = new Date(history.events[180]!.metadata.occurredAt);
  const time = async (work: () => Promise<unknown>) => {
    const samples: number[] = [];
    for (let i = 0; i < repeats; i++) {
      const started = performance.now();
      await work();
      samples.push(performance.now() - started);
    }
    return percentile(samples, 50);
  };
  const loadMs = await time(async () => {
    const loaded = await streams.loadExisting(contractId);
    if (loaded.events.length !== 360) throw new Error(`expected 360 events, loaded ${loaded.events.length}`);
  });
  const asOfMs = await time(async () => {
    const then = await streams.load(contractId, { asOf });
    contractView(then.state!, then.revision);
  });
  return { loadMs, asOfMs };
}

/**
 * Samples how long the oldest event not yet applied has waited, for the most behind projection of
 * the service, every `everyMs` until stopped (what `npm run projections -- status` shows as lag).
 */
export function sampleLag(url: string, everyMs = 100): { stop(): Promise<number[]> } {
  const pool = createPool(url, { max: 2, applicationName: 'bench-lag' });
  const samples: number[] = [];
  let running = true;
  const loop = (async () => {
    const store = await PostgresEventStore.create({ pool });
    const runners = PROJECTIONS.map((projection) => new ProjectionRunner({ pool, eventStore: store, projection, log: () => undefined }));
    while (running) {
      const statuses = await Promise.all(runners.map((runner) => runner.status()));
      samples.push(Math.max(...statuses.map((s) => s.lagSeconds)) * 1000);
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
    await store.close();
  })();
  return {
    async stop() {
      running = false;
      await loop;
      await pool.end();
      return samples;
    },
  };
}
