import { InMemoryEventStore, type NewEvent, type ReadAllOptions } from '@app/event-store';
import { SharedReader } from './shared-reader';

function events(stream: string, count: number): NewEvent[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `00000000-0000-4000-8000-${stream.padStart(6, '0')}${String(i).padStart(6, '0')}`,
    type: 'Noted',
    version: 1,
    data: { i },
    metadata: { eventId: `${stream}-${i}`, correlationId: 'c', actor: { sub: 'test', role: 'test' }, channel: 'test', occurredAt: new Date(0).toISOString() },
  }));
}

describe('shared reader', () => {
  let store: InMemoryEventStore;
  let reads: ReadAllOptions[];
  let reader: SharedReader;
  let positions: () => Promise<bigint[]>;

  beforeEach(async () => {
    store = new InMemoryEventStore();
    reads = [];
    const readAll = store.readAll.bind(store);
    positions = async () => (await readAll()).map((event) => event.position);
    store.readAll = (options = {}) => {
      reads.push(options);
      return readAll(options);
    };
    await store.append('a', events('1', 10), 'no_stream');
    reader = new SharedReader(store);
  });
  afterEach(() => reader.stop());

  it('reads once for runners asking for the same page at the same time, whatever their limits', async () => {
    const [first, second, smaller] = await Promise.all([reader.read(0n, 4), reader.read(0n, 4), reader.read(0n, 2)]);
    const all = await positions();
    // The one read, and the next page read ahead once (not once per runner).
    expect(reads).toEqual([
      { fromPosition: 0n, limit: 4 },
      { fromPosition: all[3], limit: 4 },
    ]);
    expect(first.events.map((e) => e.position)).toEqual(all.slice(0, 4));
    expect(second.events).toBe(first.events);
    expect(smaller).toEqual({ events: first.events.slice(0, 2), full: true });
  });

  it('reads the page after a full one ahead, and serves it from there', async () => {
    const all = await positions();
    await reader.read(0n, 4);
    const next = await reader.read(all[3]!, 4);
    expect(next.events.map((e) => e.position)).toEqual(all.slice(4, 8));
    expect(reads.map((read) => read.fromPosition)).toEqual([0n, all[3], all[7]]);
  });

  it('keeps recent full pages for runners behind, from any position inside them', async () => {
    const all = await positions();
    await reader.read(0n, 3);
    await reader.read(all[2]!, 3);
    await reader.read(all[5]!, 3); // the page read ahead
    reads.length = 0;

    expect((await reader.read(0n, 3)).events.map((e) => e.position)).toEqual(all.slice(0, 3));
    expect(await reader.read(all[3]!, 5)).toMatchObject({ full: true });
    // From inside one kept page on into the next, in one batch.
    expect((await reader.read(all[3]!, 5)).events.map((e) => e.position)).toEqual(all.slice(4, 9));
    expect(reads).toEqual([]);
  });

  it('forgets the oldest pages beyond what it keeps, and then reads again', async () => {
    const all = await positions();
    const small = new SharedReader(store, 6);
    await small.read(0n, 3);
    await small.read(all[2]!, 3);
    await small.read(all[5]!, 3); // 9 events kept > 6: the first page goes
    reads.length = 0;
    expect((await small.read(0n, 3)).events.map((e) => e.position)).toEqual(all.slice(0, 3));
    expect(reads[0]).toEqual({ fromPosition: 0n, limit: 3 });
    await small.stop();
  });

  describe('keeping runners together', () => {
    const settled = async <T>(promise: Promise<T>, ms = 50) => Promise.race([promise.then(() => true), new Promise<false>((resolve) => setTimeout(() => resolve(false), ms))]);
    let all: bigint[];
    let together: SharedReader;
    const [ahead, behind] = [{ name: 'ahead' }, { name: 'behind' }];

    /** 6 events kept at most: `ahead` has read two pages of 3, `behind` still reads inside the first. */
    beforeEach(async () => {
      all = await positions();
      together = new SharedReader(store, 6, 300);
      await together.read(0n, 3, ahead);
      await together.read(0n, 1, behind);
      await together.read(all[2]!, 3, ahead);
      reads.length = 0;
    });
    afterEach(() => together.stop());
    /** `behind` reads again (from the kept page): its stall limit counts from now, however long the setup took on a busy machine. */
    const behindReadsNow = async () => {
      await together.read(0n, 1, behind);
      reads.length = 0;
    };

    it('keeps a page a runner still reads from, and the runner ahead waits for it before reading on', async () => {
      await behindReadsNow();
      const next = together.read(all[5]!, 3, ahead);
      expect(await settled(next)).toBe(false);
      expect(reads).toEqual([]);

      expect((await together.read(all[0]!, 5, behind)).events.map((e) => e.position)).toEqual(all.slice(1, 6));
      expect((await next).events.map((e) => e.position)).toEqual(all.slice(6, 9));
      // The store was read once, for the new page; the first page went once nobody needed it.
      expect(reads).toEqual([{ fromPosition: all[5], limit: 3 }]);
      await together.read(0n, 3, behind);
      expect(reads).toHaveLength(2);
    });

    it('keeps a page a runner still reads from past the budget when a read already under way lands', async () => {
      const tight = new SharedReader(store, 5, 60_000);
      try {
        // Both start together; the page after the first is read ahead and lands: 6 events, over 5.
        await Promise.all([tight.read(0n, 3, ahead), tight.read(0n, 1, behind)]);
        await tight.read(all[2]!, 3, ahead);
        reads.length = 0;
        expect((await tight.read(all[0]!, 5, behind)).events.map((e) => e.position)).toEqual(all.slice(1, 6));
        expect(reads).toEqual([]);
      } finally {
        await tight.stop();
      }
    });

    it('waits no longer than the stall limit for a runner that does not read on, nor for one that left', async () => {
      await behindReadsNow();
      const started = performance.now();
      await together.read(all[5]!, 3, ahead);
      expect(performance.now() - started).toBeGreaterThanOrEqual(250);

      const other = new SharedReader(store, 6, 60_000);
      try {
        await other.read(0n, 3, ahead);
        await other.read(0n, 1, behind);
        await other.read(all[2]!, 3, ahead);
        const next = other.read(all[5]!, 3, ahead);
        expect(await settled(next)).toBe(false);
        other.leave(behind);
        expect(await settled(next)).toBe(true);
      } finally {
        await other.stop();
      }
    });
  });

  it('keeps a short page too, and reads only what came after it: the next read sees what was appended since', async () => {
    const all = await positions();
    const short = await reader.read(0n, 50);
    expect(short).toMatchObject({ full: false });
    expect(short.events).toHaveLength(10);
    await store.append('b', events('2', 2), 'no_stream');
    const later = await reader.read(all[3]!, 50); // a runner that woke later, from inside it
    expect(later.events.map((e) => e.position)).toEqual([...all.slice(4), ...(await positions()).slice(10)]);
    expect(later.full).toBe(false);
    expect(reads).toEqual([
      { fromPosition: 0n, limit: 50 },
      { fromPosition: all[9], limit: 44 },
    ]);
  });

  it('hands a runner that woke later what other runners read since, in one batch, then what the store has after it', async () => {
    const all = await positions();
    await reader.read(0n, 50);
    await store.append('b', events('2', 2), 'no_stream');
    await reader.read(all[9]!, 50); // another runner read on from its end
    const grown = await positions();
    reads.length = 0;
    const page = await reader.read(all[3]!, 50);
    expect(page.events.map((e) => e.position)).toEqual(grown.slice(4));
    expect(page.full).toBe(false);
    expect(reads).toEqual([{ fromPosition: grown[11], limit: 42 }]);
  });

  it('shares a head query and the lag read between runners asking at the same time', async () => {
    const all = await positions();
    const headPosition = jest.spyOn(store, 'headPosition');
    expect(await Promise.all([reader.head(), reader.head()])).toEqual([all[9], all[9]]);
    expect(headPosition).toHaveBeenCalledTimes(1);
    const [page, first] = await Promise.all([reader.read(all[4]!, 3), reader.first(all[4]!)]);
    expect(first).toBe(page.events[0]);
    expect(reads.map((read) => read.fromPosition)).toEqual([all[4], all[7]]);
  });

  it('never hands a runner the one-event read of a lag poll as its batch', async () => {
    const all = await positions();
    const [first, page] = await Promise.all([reader.first(0n), reader.read(0n, 3)]);
    expect(first!.position).toBe(all[0]);
    expect(page.events.map((e) => e.position)).toEqual(all.slice(0, 3));
  });

  it('wakes a runner waiting at the head once something is appended after its position', async () => {
    const all = await positions();
    await reader.read(0n, 50);
    await reader.waitBeyond(all[8]!); // something after this one has been read already
    let woken = false;
    const waiting = reader.waitBeyond(all[9]!).then(() => (woken = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(woken).toBe(false);
    await store.append('b', events('2', 1), 'no_stream');
    await waiting;
    expect(woken).toBe(true);
  });
});
