import { randomUUID } from 'node:crypto';
import { deterministicId } from './ids';
import { ConcurrencyError, toFoldable, type EventStore, type ExpectedRevision, type NewEvent, type RecordedEvent } from './port';
import { Upcasters } from './upcasters';

export interface StoreUnderTest {
  store: EventStore;
  cleanup(): Promise<void>;
}

/** What the suite asks of the adapter's factory: a fresh, empty store reading through these upcasters. */
export interface StoreSetup {
  upcasters: Upcasters;
}

/**
 * The behaviour every EventStore adapter must show, written against the port alone. An adapter's
 * spec calls it once: `eventStoreContract('PostgreSQL', async (setup) => ...)`. Each test gets a
 * fresh store from the factory.
 */
export function eventStoreContract(name: string, createStore: (setup: StoreSetup) => Promise<StoreUnderTest>): void {
  describe(`EventStore contract: ${name}`, () => {
    let store: EventStore;
    let cleanup: () => Promise<void>;

    beforeEach(async () => {
      ({ store, cleanup } = await createStore({ upcasters: testUpcasters() }));
    });
    afterEach(async () => {
      await store.close();
      await cleanup();
    });

    describe('append and read a stream', () => {
      it('stores events with revisions from 0, their data and metadata, and reads them back in order', async () => {
        const events = [newEvent('Opened', { wage: 100 }), newEvent('WageChanged', { wage: 200 })];
        const result = await store.append('contract-1', events, 'no_stream');

        expect(result.written).toBe(true);
        expect(result.nextRevision).toBe(1);
        const read = await store.readStream('contract-1');
        expect(read.map(({ id, streamId, revision, type, version, data, metadata }) => ({ id, streamId, revision, type, version, data, metadata }))).toEqual(
          events.map((event, revision) => ({ ...event, streamId: 'contract-1', revision })),
        );
        expect(read[1]!.position).toBe(result.position);
        expect(read[0]!.position).toBeLessThan(read[1]!.position);
        expect(read[0]!.recordedAt).toBeInstanceOf(Date);
      });

      it('reads an unknown stream as empty', async () => {
        expect(await store.readStream('contract-unknown')).toEqual([]);
      });

      it('does not let a caller change stored events by mutating what it appended or read', async () => {
        const event = newEvent('Opened', { wage: 100 });
        await store.append('contract-1', [event], 'no_stream');
        event.data.wage = 1;
        const [read] = await store.readStream('contract-1');
        read!.data.wage = 2;
        expect((await store.readStream('contract-1'))[0]!.data).toEqual({ wage: 100 });
      });

      it('reads from a revision, up to a revision, and as of a time', async () => {
        const times = ['2025-01-01T10:00:00.000Z', '2025-01-02T10:00:00.000Z', '2025-01-03T10:00:00.000Z', '2025-01-04T10:00:00.000Z'];
        await store.append('contract-1', times.map((occurredAt, i) => newEvent(`Step${i}`, {}, occurredAt)), 'no_stream');
        const revisions = (events: RecordedEvent[]) => events.map((event) => event.revision);

        expect(revisions(await store.readStream('contract-1', { fromRevision: 2 }))).toEqual([2, 3]);
        expect(revisions(await store.readStream('contract-1', { toRevision: 1 }))).toEqual([0, 1]);
        expect(revisions(await store.readStream('contract-1', { fromRevision: 1, toRevision: 2 }))).toEqual([1, 2]);
        expect(revisions(await store.readStream('contract-1', { asOf: new Date('2025-01-02T10:00:00.000Z') }))).toEqual([0, 1]);
        expect(revisions(await store.readStream('contract-1', { asOf: new Date('2025-01-02T09:59:59.999Z') }))).toEqual([0]);
        expect(revisions(await store.readStream('contract-1', { asOf: new Date('2024-12-31T00:00:00.000Z') }))).toEqual([]);
      });

      it('reads as of a time the stream as it stood then: its prefix, even where a later event carries an earlier time', async () => {
        // Hosts' clocks disagree: revision 1 was stamped after revision 2.
        const times = ['2025-01-01T10:00:00.000Z', '2025-01-03T10:00:00.000Z', '2025-01-02T10:00:00.000Z', '2025-01-04T10:00:00.000Z'];
        await store.append('contract-1', times.map((occurredAt, i) => newEvent(`Step${i}`, {}, occurredAt)), 'no_stream');
        const revisions = (events: readonly { revision: number }[]) => events.map((event) => event.revision);
        const between = new Date('2025-01-02T12:00:00.000Z'); // after revision 2's time, before revision 1's
        expect(revisions(await store.readStream('contract-1', { asOf: between }))).toEqual([0]);
        expect(revisions(await store.readFoldable('contract-1', { asOf: between }))).toEqual([0]);
        expect(revisions(await store.readStream('contract-1', { asOf: new Date(times[1]!) }))).toEqual([0, 1, 2]);
        // The cut counts from the stream's start whatever revision the read starts at.
        expect(revisions(await store.readStream('contract-1', { fromRevision: 2, asOf: between }))).toEqual([]);
        expect(revisions(await store.readStream('contract-1', { fromRevision: 1, toRevision: 2, asOf: new Date(times[3]!) }))).toEqual([1, 2]);
      });

      it('reads what a fold needs (data and command id, no other metadata) for the same events and ranges as readStream', async () => {
        const times = ['2025-01-01T10:00:00.000Z', '2025-01-02T10:00:00.000Z', '2025-01-03T10:00:00.000Z'];
        const events = times.map((occurredAt, i) => newEvent(`Step${i}`, { step: i }, occurredAt));
        const { commandId, ...withoutCommand } = events[1]!.metadata;
        events[1] = { ...events[1]!, metadata: withoutCommand };
        await store.append('contract-1', events, 'no_stream');

        expect(await store.readFoldable('contract-1')).toEqual([
          { revision: 0, type: 'Step0', version: 1, data: { step: 0 }, commandId: events[0]!.metadata.commandId },
          { revision: 1, type: 'Step1', version: 1, data: { step: 1 } },
          { revision: 2, type: 'Step2', version: 1, data: { step: 2 }, commandId: events[2]!.metadata.commandId },
        ]);
        expect(commandId).toBeDefined();
        for (const options of [{ fromRevision: 1 }, { toRevision: 1 }, { fromRevision: 2, toRevision: 1 }, { asOf: new Date(times[1]!) }]) {
          expect(await store.readFoldable('contract-1', options)).toEqual((await store.readStream('contract-1', options)).map(toFoldable));
        }
        expect(await store.readFoldable('contract-unknown')).toEqual([]);
      });
    });

    describe('optimistic concurrency', () => {
      async function conflict(streamId: string, expected: ExpectedRevision): Promise<ConcurrencyError> {
        const error = await store.append(streamId, [newEvent('Late')], expected).then(
          () => undefined,
          (thrown: unknown) => thrown,
        );
        expect(error).toBeInstanceOf(ConcurrencyError);
        return error as ConcurrencyError;
      }

      beforeEach(async () => {
        await store.append('contract-1', [newEvent('Opened'), newEvent('WageChanged')], 'no_stream');
      });

      it('appends when the stream is at the expected revision', async () => {
        const result = await store.append('contract-1', [newEvent('WageChanged')], 1);
        expect(result).toMatchObject({ nextRevision: 2, written: true });
      });

      it('rejects a stale expected revision, saying what the stream is at', async () => {
        await store.append('contract-1', [newEvent('WageChanged')], 1);
        const error = await conflict('contract-1', 1);
        expect(error).toMatchObject({ code: 'CONCURRENCY_CONFLICT', streamId: 'contract-1', expected: 1, actual: 2 });
      });

      it('rejects an expected revision the stream has not reached', async () => {
        expect(await conflict('contract-1', 5)).toMatchObject({ expected: 5, actual: 1 });
      });

      it('rejects an expected revision on a stream that does not exist', async () => {
        expect(await conflict('contract-2', 0)).toMatchObject({ expected: 0, actual: 'no_stream' });
      });

      it('no_stream: only creates', async () => {
        expect(await conflict('contract-1', 'no_stream')).toMatchObject({ expected: 'no_stream', actual: 1 });
        expect(await store.append('contract-2', [newEvent('Opened')], 'no_stream')).toMatchObject({ nextRevision: 0 });
      });

      it('stream_exists: only appends to an existing stream', async () => {
        expect(await conflict('contract-2', 'stream_exists')).toMatchObject({ actual: 'no_stream' });
        expect(await store.append('contract-1', [newEvent('WageChanged')], 'stream_exists')).toMatchObject({ nextRevision: 2 });
      });

      it('any: appends whatever the stream is at', async () => {
        expect(await store.append('contract-1', [newEvent('WageChanged')], 'any')).toMatchObject({ nextRevision: 2 });
        expect(await store.append('contract-2', [newEvent('Opened')], 'any')).toMatchObject({ nextRevision: 0 });
      });

      it('lets exactly one of two writers expecting the same revision win', async () => {
        const outcomes = await Promise.allSettled([
          store.append('contract-1', [newEvent('WageChanged')], 1),
          store.append('contract-1', [newEvent('WageChanged')], 1),
        ]);
        expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
        const rejected = outcomes.find((outcome) => outcome.status === 'rejected');
        expect(rejected?.reason).toBeInstanceOf(ConcurrencyError);
        expect(await store.readStream('contract-1')).toHaveLength(3);
      });
    });

    describe('idempotent retry', () => {
      it('appends nothing when the same events (same ids) are appended again', async () => {
        const events = [newEvent('Opened'), newEvent('WageChanged')];
        const first = await store.append('contract-1', events, 'no_stream');
        await store.append('contract-1', [newEvent('PaymentConfirmed')], 1);

        for (const expected of ['no_stream', 'any', 5] as ExpectedRevision[]) {
          const retry = await store.append('contract-1', events, expected);
          expect(retry).toEqual({ nextRevision: first.nextRevision, position: first.position, written: false });
        }
        expect(await store.readStream('contract-1')).toHaveLength(3);
      });

      it('treats a batch that is only partly stored as a conflict, not a retry', async () => {
        const opened = newEvent('Opened');
        await store.append('contract-1', [opened], 'no_stream');
        await expect(store.append('contract-1', [opened, newEvent('WageChanged')], 'no_stream')).rejects.toBeInstanceOf(ConcurrencyError);
        expect(await store.readStream('contract-1')).toHaveLength(1);
      });

      it('refuses an empty batch', async () => {
        await expect(store.append('contract-1', [], 'any')).rejects.toThrow(/no events/);
      });

      it('refuses text PostgreSQL cannot keep (NUL, an unpaired surrogate) in data or metadata, and only that append', async () => {
        const withNul = newEvent('Opened', { address: 'a\u0000b' });
        const withHalfPair = { ...newEvent('Opened'), metadata: { ...newEvent('Opened').metadata, channel: 'x\ud800' } };
        const [nul, halfPair, fine] = await Promise.allSettled([
          store.append('contract-1', [withNul], 'no_stream'),
          store.append('contract-2', [withHalfPair], 'no_stream'),
          store.append('contract-3', [newEvent('Opened', { address: 'تهران 😀' })], 'no_stream'),
        ]);
        expect(nul).toMatchObject({ status: 'rejected', reason: { message: expect.stringMatching(/data\.address/) } });
        expect(halfPair).toMatchObject({ status: 'rejected', reason: { message: expect.stringMatching(/metadata\.channel/) } });
        expect(fine.status).toBe('fulfilled');
        expect(await store.readStream('contract-1')).toEqual([]);
        expect(await store.readStream('contract-2')).toEqual([]);
        expect((await store.readStream('contract-3'))[0]!.data).toEqual({ address: 'تهران 😀' });
      });

      it('refuses an event whose metadata.occurredAt is not an ISO-8601 instant, and only that append', async () => {
        const [vague, impossibleDay, fine] = await Promise.allSettled([
          store.append('contract-1', [newEvent('Opened', {}, 'yesterday')], 'no_stream'),
          // Date would read it as 2026-03-02: an instant on a day that does not exist is refused too.
          store.append('contract-3', [newEvent('Opened', {}, '2026-02-30T08:00:00.000Z')], 'no_stream'),
          store.append('contract-2', [newEvent('Opened', {}, '2026-12-01T08:00:00.000Z')], 'no_stream'),
        ]);
        for (const refused of [vague, impossibleDay]) {
          expect(refused).toMatchObject({ status: 'rejected', reason: { message: expect.stringMatching(/occurredAt must be an ISO-8601 instant/) } });
        }
        expect(fine.status).toBe('fulfilled');
        expect(await store.readStream('contract-1')).toEqual([]);
        expect(await store.readStream('contract-3')).toEqual([]);
      });
    });

    describe('global order', () => {
      it('reads all events in increasing position, consistent with each stream, from a position, in pages', async () => {
        await store.append('contract-a', [newEvent('A0'), newEvent('A1')], 'no_stream');
        await store.append('contract-b', [newEvent('B0')], 'no_stream');
        await store.append('contract-a', [newEvent('A2')], 1);

        const all = await store.readAll();
        expect(all.map((event) => event.type)).toEqual(['A0', 'A1', 'B0', 'A2']);
        expectIncreasing(all.map((event) => event.position));
        expect(await store.headPosition()).toBe(all[3]!.position);

        expect((await store.readAll({ fromPosition: all[1]!.position })).map((event) => event.type)).toEqual(['B0', 'A2']);
        expect((await store.readAll({ fromPosition: all[0]!.position, limit: 2 })).map((event) => event.type)).toEqual(['A1', 'B0']);
        expect(await store.readAll({ fromPosition: all[3]!.position })).toEqual([]);
      });

      it('has head position 0 when empty', async () => {
        expect(await store.headPosition()).toBe(0n);
        expect(await store.readAll()).toEqual([]);
      });
    });

    describe('subscriptions', () => {
      it('catches up, then delivers live appends, in batches in global order', async () => {
        await store.append('contract-a', [newEvent('A0'), newEvent('A1')], 'no_stream');
        const received = collect();
        const subscription = store.subscribe({ fromPosition: 0n, handler: received.handler, batchSize: 2 });
        try {
          await received.until(2);
          await store.append('contract-b', [newEvent('B0')], 'no_stream');
          await store.append('contract-a', [newEvent('A2')], 1);
          await received.until(4);
          expect(received.events.map((event) => event.type)).toEqual(['A0', 'A1', 'B0', 'A2']);
          expect(Math.max(...received.batchSizes)).toBeLessThanOrEqual(2);
          expect(received.events.map((event) => event.position)).toEqual((await store.readAll()).map((event) => event.position));
        } finally {
          await subscription.stop();
        }
      });

      it('resumes after a checkpoint without repeating what was handled', async () => {
        await store.append('contract-a', [newEvent('A0'), newEvent('A1'), newEvent('A2')], 'no_stream');
        const first = collect();
        const firstSubscription = store.subscribe({ fromPosition: 0n, handler: first.handler, batchSize: 2 });
        await first.until(3);
        await firstSubscription.stop();
        const checkpoint = first.events[1]!.position; // as if the process stopped after two events

        await store.append('contract-a', [newEvent('A3')], 2);
        const resumed = collect();
        const resumedSubscription = store.subscribe({ fromPosition: checkpoint, handler: resumed.handler });
        try {
          await resumed.until(2);
          expect(resumed.events.map((event) => event.type)).toEqual(['A2', 'A3']);
        } finally {
          await resumedSubscription.stop();
        }
      });

      it('redelivers a batch whose handler failed, and reports the failure', async () => {
        await store.append('contract-a', [newEvent('A0')], 'no_stream');
        const errors: unknown[] = [];
        const delivered: string[] = [];
        let failuresLeft = 2;
        const subscription = store.subscribe({
          fromPosition: 0n,
          handler: async (events) => {
            if (failuresLeft-- > 0) throw new Error('projection down');
            delivered.push(...events.map((event) => event.type));
          },
          onError: (error) => errors.push(error),
        });
        try {
          await eventually(() => expect(delivered).toEqual(['A0']));
          expect(errors.map((error) => (error as Error).message)).toEqual(['projection down', 'projection down']);
        } finally {
          await subscription.stop();
        }
      });

      it('stops: no handler runs after stop resolves', async () => {
        const received = collect();
        const subscription = store.subscribe({ fromPosition: 0n, handler: received.handler });
        await subscription.stop();
        await store.append('contract-a', [newEvent('A0')], 'no_stream');
        await new Promise((resolve) => setTimeout(resolve, 100));
        expect(received.events).toEqual([]);
      });
    });

    describe('upcasting', () => {
      it('returns stored old versions as the current version from every read', async () => {
        const old = { ...newEvent('InsuredRegistered', { name: 'Sara Ahmadi' }), version: 1 };
        await store.append('contract-1', [old], 'no_stream');
        const current = { version: 2, data: { firstName: 'Sara', lastName: 'Ahmadi', registeredThrough: 'portal' } };

        expect(await store.readStream('contract-1')).toMatchObject([current]);
        expect(await store.readFoldable('contract-1')).toMatchObject([current]);
        expect(await store.readAll()).toMatchObject([current]);
        const received = collect();
        const subscription = store.subscribe({ fromPosition: 0n, handler: received.handler });
        try {
          await received.until(1);
          expect(received.events).toMatchObject([current]);
        } finally {
          await subscription.stop();
        }
      });
    });

    describe('under load', () => {
      const WRITERS = 16;
      const EVENTS_PER_WRITER = 640; // 10,240 in all
      const STREAMS = 40;

      it(`delivers every committed event exactly once, in order, to a subscriber reading while ${WRITERS} writers append`, async () => {
        const received: RecordedEvent[] = [];
        const subscription = store.subscribe({
          fromPosition: 0n,
          batchSize: 500,
          handler: async (events) => {
            received.push(...events);
          },
        });
        const committed = new Map<string, string>(); // event id → stream
        let conflicts = 0;
        let retries = 0;

        async function writer(writerIndex: number): Promise<void> {
          const random = seededRandom(writerIndex + 1);
          const knownRevision = new Map<string, ExpectedRevision>(); // each writer's own, soon stale
          let written = 0;
          let batch = 0;
          while (written < EVENTS_PER_WRITER) {
            const streamId = `stress-${Math.floor(random() * STREAMS)}`;
            const size = Math.min(1 + Math.floor(random() * 3), EVENTS_PER_WRITER - written);
            const events = Array.from({ length: size }, (_, i) =>
              newEvent('Stressed', { writerIndex, batch, i }, undefined, deterministicId('stress', String(writerIndex), String(batch), String(i))),
            );
            batch += 1;
            for (;;) {
              const expected = random() < 0.1 ? 'any' : (knownRevision.get(streamId) ?? 'no_stream');
              try {
                const result = await store.append(streamId, events, expected);
                expect(result.written).toBe(true);
                knownRevision.set(streamId, result.nextRevision);
                break;
              } catch (error) {
                if (!(error instanceof ConcurrencyError)) throw error;
                conflicts += 1;
                knownRevision.set(streamId, error.actual);
              }
            }
            events.forEach((event) => committed.set(event.id, streamId));
            written += size;
            if (random() < 0.1) {
              // A client that never saw the answer sends the same append again.
              retries += 1;
              const retry = await store.append(streamId, events, knownRevision.get(streamId)!);
              expect(retry.written).toBe(false);
            }
          }
        }

        try {
          await Promise.all(Array.from({ length: WRITERS }, (_, writerIndex) => writer(writerIndex)));
          expect(committed.size).toBe(WRITERS * EVENTS_PER_WRITER);
          await eventually(() => expect(received.length).toBeGreaterThanOrEqual(committed.size), 30_000);
        } finally {
          await subscription.stop();
        }

        expect(conflicts).toBeGreaterThan(0);
        expect(retries).toBeGreaterThan(0);
        expect(received).toHaveLength(committed.size);
        expectIncreasing(received.map((event) => event.position));
        expect(new Set(received.map((event) => event.id)).size).toBe(committed.size);
        const nextRevision = new Map<string, number>();
        for (const event of received) {
          expect(committed.get(event.id)).toBe(event.streamId);
          expect(event.revision).toBe(nextRevision.get(event.streamId) ?? 0);
          nextRevision.set(event.streamId, event.revision + 1);
        }
        expect(await store.headPosition()).toBe(received[received.length - 1]!.position);
      });
    });
  });
}

function testUpcasters(): Upcasters {
  return new Upcasters().register({
    type: 'InsuredRegistered',
    fromVersion: 1,
    toVersion: 2,
    // Reads the metadata too, as an upcaster may: a reader that left it out would lose `channel`.
    upcast: (data, metadata) => {
      const [firstName, ...rest] = String(data.name).split(' ');
      return { firstName, lastName: rest.join(' '), registeredThrough: metadata.channel };
    },
  });
}

/** A new event with fresh ids and plausible metadata, for specs. */
export function newEvent(type: string, data: Record<string, unknown> = {}, occurredAt = '2025-03-21T08:00:00.000Z', id: string = randomUUID()): NewEvent {
  return {
    id,
    type,
    version: type === 'InsuredRegistered' ? 2 : 1,
    data,
    metadata: {
      eventId: id,
      commandId: randomUUID(),
      correlationId: randomUUID(),
      actor: { sub: 'user-1', role: 'insured' },
      channel: 'portal',
      occurredAt,
      schemaVersion: 1,
    },
  };
}

function collect() {
  const events: RecordedEvent[] = [];
  const batchSizes: number[] = [];
  return {
    events,
    batchSizes,
    handler: async (batch: RecordedEvent[]) => {
      batchSizes.push(batch.length);
      events.push(...batch);
    },
    until: (count: number) => eventually(() => expect(events.length).toBeGreaterThanOrEqual(count)),
  };
}

/** Retries an assertion until it passes or the time is up (then fails with its last error). */
export async function eventually(assertion: () => void | Promise<void>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await assertion();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

function expectIncreasing(positions: bigint[]): void {
  const firstDecrease = positions.findIndex((position, i) => i > 0 && position <= positions[i - 1]!);
  expect(firstDecrease).toBe(-1);
}

/** mulberry32: a small deterministic generator, so a failing run can be replayed. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
