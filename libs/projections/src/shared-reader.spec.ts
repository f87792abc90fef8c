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

  beforeEach(async () => {
    store = new InMemoryEventStore();
    reads = [];
    const readAll = store.readAll.bind(store);
    store.readAll = (options = {}) => {
      reads.push(options);
      return readAll(options);
    };
    await store.append('a', events('1', 10), 'no_stream');
    reader = new SharedReader(store, 6);
  });
  afterEach(() => reader.stop());

  const positions = async () => (await store.readAll()).map((event) => event.position);

  it('reads once for runners asking for the same page at the same time, whatever their limits', async () => {
    const [first, second, smaller] = await Promise.all([reader.read(0n, 4), reader.read(0n, 4), reader.read(0n, 2)]);
    expect(reads).toEqual([{ fromPosition: 0n, limit: 4 }]);
    const all = await positions();
    expect(first.events.map((e) => e.position)).toEqual(all.slice(0, 4));
    expect(second.events).toBe(first.events);
    expect(smaller).toEqual({ events: first.events.slice(0, 2), full: true });
  });

  it('keeps recent full pages for runners behind, from any position inside them', async () => {
    const all = await positions();
    await reader.read(0n, 3);
    await reader.read(all[2]!, 3);
    reads.length = 0;

    expect((await reader.read(0n, 3)).events.map((e) => e.position)).toEqual(all.slice(0, 3));
    expect(await reader.read(all[3]!, 5)).toMatchObject({ full: true });
    expect((await reader.read(all[3]!, 5)).events.map((e) => e.position)).toEqual(all.slice(4, 6));
    expect(reads).toEqual([]);
  });

  it('forgets the oldest pages beyond what it keeps, and then reads again', async () => {
    const all = await positions();
    await reader.read(0n, 3);
    await reader.read(all[2]!, 3);
    await reader.read(all[5]!, 3); // 9 events kept > 6: the first page goes
    reads.length = 0;
    expect((await reader.read(0n, 3)).events.map((e) => e.position)).toEqual(all.slice(0, 3));
    expect(reads).toEqual([{ fromPosition: 0n, limit: 3 }]);
  });

  it('never keeps a short page: the next read sees what was appended since', async () => {
    const short = await reader.read(0n, 50);
    expect(short).toMatchObject({ full: false });
    expect(short.events).toHaveLength(10);
    await store.append('b', events('2', 2), 'no_stream');
    expect((await reader.read(0n, 50)).events).toHaveLength(12);
    expect(reads).toHaveLength(2);
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
