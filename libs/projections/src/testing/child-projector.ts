/**
 * A projector process for the crash and two-process specs (compiled by `child-process.ts`).
 * Env: DATABASE_URL; PROJECTION = billing | probe; BATCH_SIZE; HOLD_MS — after applying a batch,
 * print `{"holding":position}` and wait inside the open transaction, so the spec can kill the
 * process mid-batch.
 */
import { PostgresEventStore } from '@app/event-store';
import { ManualClock, createPool } from '@app/platform';
import { billingProjection } from '../billing/billing.projection';
import type { Projection } from '../projection';
import { startProjector } from '../projector';
import { probeProjection } from './probe.projection';

const say = (line: object) => process.stdout.write(`${JSON.stringify(line)}\n`);

async function main() {
  const pool = createPool(process.env.DATABASE_URL!, { max: 4 });
  const eventStore = await PostgresEventStore.create({ pool, idlePollMs: 100 });
  const base = process.env.PROJECTION === 'probe' ? probeProjection : billingProjection;
  const holdMs = Number(process.env.HOLD_MS ?? 0);
  const projection: Projection = {
    ...base,
    async apply(tx, events) {
      await base.apply(tx, events);
      if (holdMs > 0) {
        say({ holding: events[events.length - 1]!.position.toString() });
        await new Promise((resolve) => setTimeout(resolve, holdMs));
      }
    },
  };
  await startProjector({
    pool,
    eventStore,
    clock: new ManualClock(new Date(0)),
    log: (entry) => {
      if (entry.level !== 'info') say({ log: entry });
    },
    projections: [projection],
    deadlines: false,
    batchSize: Number(process.env.BATCH_SIZE ?? 10),
    standbyPollMs: 50,
  });
  say({ started: process.pid });
}

main().catch((error) => {
  say({ failed: String(error) });
  process.exit(1);
});
