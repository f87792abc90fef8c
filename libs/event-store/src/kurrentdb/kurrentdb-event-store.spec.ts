import { createServer, type AddressInfo } from 'node:net';
import { PassThrough, Readable, Transform, type ReadableOptions } from 'node:stream';
import {
  AccessDeniedError,
  BACKWARDS,
  CancelledError,
  DeadlineExceededError,
  END,
  KurrentDBClient,
  NotLeaderError,
  START,
  StreamNotFoundError,
  TimeoutError,
  UnavailableError,
  UnknownError,
  WrongExpectedVersionError,
  type AllStreamResolvedEvent,
  type AllStreamSubscription,
  type AppendResult as ClientAppendResult,
  type AppendToStreamOptions,
  type EventData,
  type ReadAllOptions as ClientReadAllOptions,
  type ReadStreamOptions as ClientReadStreamOptions,
  type SubscribeToAllOptions,
} from '@kurrent/kurrentdb-client';
import { ConfigError } from '@app/platform';
import { ConcurrencyError, StoreUnavailableError, type NewEvent, type RecordedEvent } from '../port';
import { Upcasters } from '../upcasters';
import { KurrentDbEventStore, type KurrentDbClient } from './kurrentdb-event-store';

/**
 * The adapter against a fake client: what each port call asks of KurrentDB (stream names,
 * expected states, positions, filters, counts) and how it reads the answers. The same adapter runs
 * the shared contract suite against a real server in kurrentdb.contract.spec.ts where Docker exists.
 */

const NS = 'ns1.';
const PREFIXES = ['contract-', 'insured-'];

function newEvent(id: string, type = 'Opened', occurredAt = '2025-03-21T08:00:00.000Z'): NewEvent {
  return {
    id,
    type,
    version: 1,
    data: { wage: 100 },
    metadata: {
      eventId: id,
      commandId: 'cmd-1',
      correlationId: 'corr-1',
      causationId: 'cause-1',
      actor: { sub: 'user-1', role: 'applicant' },
      channel: 'portal',
      occurredAt,
      schemaVersion: 1,
    },
  };
}

/** An event as the client returns it from the server, written by this adapter. */
function stored(streamId: string, revision: number, position: bigint, event: NewEvent): AllStreamResolvedEvent {
  return {
    event: {
      streamId: NS + streamId,
      id: event.id,
      isJson: true,
      revision: BigInt(revision),
      type: event.type,
      created: new Date('2025-03-21T08:00:01.000Z'),
      data: structuredClone(event.data),
      metadata: { ...structuredClone(event.metadata), $correlationId: event.metadata.correlationId, eventVersion: event.version },
      position: { commit: position, prepare: position },
    },
    commitPosition: position,
  };
}

async function* iterate<T>(items: T[]): AsyncIterableIterator<T> {
  yield* items;
}

class FakeSubscription extends PassThrough {
  unsubscribed = false;
  constructor() {
    super({ objectMode: true });
  }
  async unsubscribe(): Promise<void> {
    this.unsubscribed = true;
    this.end();
  }
}

/**
 * Shaped like the client's `Subscription`: an object-mode Transform built with the readable options
 * `subscribeToAll` was given, fed by `pipe()` from the call's stream, so backpressure keeps no
 * more than its high-water mark buffered.
 */
class PipedSubscription extends Transform {
  private readonly source: Readable;
  constructor(events: AllStreamResolvedEvent[], readable: ReadableOptions = {}) {
    super({ ...readable, objectMode: true });
    this.source = Readable.from(events);
    this.source.pipe(this);
  }
  override _transform(event: AllStreamResolvedEvent, _encoding: BufferEncoding, next: (error: null, event: AllStreamResolvedEvent) => void): void {
    next(null, event);
  }
  async unsubscribe(): Promise<void> {
    this.source.unpipe(this);
    this.source.destroy();
  }
}

class FakeClient {
  streams = new Map<string, AllStreamResolvedEvent[]>();
  all: AllStreamResolvedEvent[] = [];
  subscriptions: FakeSubscription[] = [];
  appendToStream = jest.fn(async (_stream: string, _events: EventData[], _options: AppendToStreamOptions): Promise<ClientAppendResult> => {
    throw new Error('no append expected');
  });
  readStream = jest.fn((stream: string, _options: ClientReadStreamOptions) => {
    const events = this.streams.get(stream);
    if (!events) return (async function* () { throw new StreamNotFoundError(undefined, stream); })();
    return iterate(events);
  });
  readAll = jest.fn((_options: ClientReadAllOptions) => iterate(this.all));
  subscribeToAll = jest.fn((_options: SubscribeToAllOptions, _readable?: ReadableOptions) => {
    const subscription = new FakeSubscription();
    this.subscriptions.push(subscription);
    return subscription as unknown as AllStreamSubscription;
  });
  dispose = jest.fn(async () => undefined);
}

function setUp(upcasters?: Upcasters) {
  const client = new FakeClient();
  const store = new KurrentDbEventStore({ client: client as unknown as KurrentDbClient, streamPrefixes: PREFIXES, namespace: NS, upcasters, retryMs: 5 });
  return { client, store };
}

async function eventually(assertion: () => void, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      assertion();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
}

describe('KurrentDbEventStore (fake client)', () => {
  describe('append', () => {
    it('sends the events with their ids, data and metadata (plus $correlationId, $causationId and the data version) to the namespaced stream', async () => {
      const { client, store } = setUp();
      client.appendToStream.mockResolvedValueOnce({ success: true, nextExpectedRevision: 1n, position: { commit: 900n, prepare: 900n } });
      const events = [newEvent('11111111-1111-4111-8111-111111111111'), newEvent('22222222-2222-4222-8222-222222222222', 'WageChanged')];

      const result = await store.append('contract-1', events, 'no_stream');

      expect(result).toEqual({ nextRevision: 1, position: 900n, written: true });
      const [stream, sent, options] = client.appendToStream.mock.calls[0]!;
      expect(stream).toBe('ns1.contract-1');
      expect(options).toEqual({ streamState: 'no_stream' });
      expect(sent).toEqual(
        events.map((event) => ({
          id: event.id,
          contentType: 'application/json',
          type: event.type,
          data: event.data,
          metadata: { ...event.metadata, $correlationId: 'corr-1', $causationId: 'cause-1', eventVersion: 1 },
        })),
      );
    });

    it.each([
      [3, 3n],
      ['any', 'any'],
      ['stream_exists', 'stream_exists'],
    ] as const)('maps the expected revision %p to the stream state %p', async (expected, state) => {
      const { client, store } = setUp();
      client.streams.set('ns1.contract-1', [0, 1, 2, 3].map((revision) => stored('contract-1', revision, BigInt(100 + revision), newEvent(`id-${revision}`))));
      client.appendToStream.mockResolvedValueOnce({ success: true, nextExpectedRevision: 4n, position: { commit: 200n, prepare: 200n } });

      await store.append('contract-1', [newEvent('new')], expected);

      expect(client.appendToStream.mock.calls[0]![2]).toEqual({ streamState: state });
    });

    it('answers a retry from the stored events without appending, whatever it expects', async () => {
      const { client, store } = setUp();
      const events = [newEvent('a'), newEvent('b')];
      client.streams.set('ns1.contract-1', [stored('contract-1', 0, 10n, events[0]!), stored('contract-1', 1, 11n, events[1]!), stored('contract-1', 2, 12n, newEvent('c'))]);

      for (const expected of ['no_stream', 'any', 2, 7] as const) {
        expect(await store.append('contract-1', events, expected)).toEqual({ nextRevision: 1, position: 11n, written: false });
      }
      expect(client.appendToStream).not.toHaveBeenCalled();
    });

    it('refuses a stale expectation seen on the read, saying what the stream is at', async () => {
      const { client, store } = setUp();
      client.streams.set('ns1.contract-1', [stored('contract-1', 0, 10n, newEvent('a'))]);

      await expect(store.append('contract-1', [newEvent('b')], 'no_stream')).rejects.toMatchObject({ expected: 'no_stream', actual: 0 });
      await expect(store.append('contract-2', [newEvent('b')], 0)).rejects.toMatchObject({ expected: 0, actual: 'no_stream' });
      expect(client.appendToStream).not.toHaveBeenCalled();
    });

    it("maps the server's WrongExpectedVersion to ConcurrencyError with the stream as read after it", async () => {
      const { client, store } = setUp();
      client.appendToStream.mockImplementationOnce(async () => {
        client.streams.set('ns1.contract-1', [stored('contract-1', 0, 10n, newEvent('other'))]); // a writer got in first
        throw new WrongExpectedVersionError(undefined, { streamName: 'ns1.contract-1', expected: 'no_stream', current: 0n });
      });

      const error = await store.append('contract-1', [newEvent('mine')], 'no_stream').catch((thrown: unknown) => thrown);

      expect(error).toBeInstanceOf(ConcurrencyError);
      expect(error).toMatchObject({ streamId: 'contract-1', expected: 'no_stream', actual: 0 });
    });

    it('treats a WrongExpectedVersion caused by a concurrent copy of the same append as a retry', async () => {
      const { client, store } = setUp();
      const event = newEvent('mine');
      client.appendToStream.mockImplementationOnce(async () => {
        client.streams.set('ns1.contract-1', [stored('contract-1', 0, 10n, event)]);
        throw new WrongExpectedVersionError(undefined, { streamName: 'ns1.contract-1', expected: 'no_stream', current: 0n });
      });

      expect(await store.append('contract-1', [event], 'no_stream')).toEqual({ nextRevision: 0, position: 10n, written: false });
    });

    it('maps success: false (throwOnAppendFailure=false in the connection string) to ConcurrencyError, or to a retry', async () => {
      const { client, store } = setUp();
      const mine = newEvent('mine');
      client.appendToStream.mockImplementationOnce(async () => {
        client.streams.set('ns1.contract-1', [stored('contract-1', 0, 10n, newEvent('other')), stored('contract-1', 1, 11n, newEvent('other-2'))]);
        return { success: false, nextExpectedRevision: 1n, position: undefined };
      });
      const error = await store.append('contract-1', [mine], 'no_stream').catch((thrown: unknown) => thrown);
      expect(error).toBeInstanceOf(ConcurrencyError);
      expect(error).toMatchObject({ streamId: 'contract-1', expected: 'no_stream', actual: 1 });

      client.appendToStream.mockImplementationOnce(async () => {
        client.streams.set('ns1.contract-2', [stored('contract-2', 0, 20n, mine)]); // a concurrent copy of this append
        return { success: false, nextExpectedRevision: 1n, position: undefined };
      });
      expect(await store.append('contract-2', [mine], 'no_stream')).toEqual({ nextRevision: 0, position: 20n, written: false });
    });

    it('reads every stream from the leader (a follower may be behind the appends answered): before an append, after a lost race, and for the port', async () => {
      const { client, store } = setUp();
      client.appendToStream.mockImplementationOnce(async () => {
        throw new WrongExpectedVersionError(undefined, { streamName: 'ns1.contract-1', expected: 'no_stream', current: 0n });
      });
      await store.append('contract-1', [newEvent('a')], 'no_stream').catch(() => undefined);
      await store.readStream('contract-1');

      expect(client.readStream.mock.calls).toEqual([
        ['ns1.contract-1', { fromRevision: 0n, requiresLeader: true }],
        ['ns1.contract-1', { fromRevision: 0n, requiresLeader: true }],
        ['ns1.contract-1', { fromRevision: 0n, requiresLeader: true }],
      ]);
    });

    it('reads a success without a position as the server de-duplicating the ids: written false, with the stored position', async () => {
      const { client, store } = setUp();
      const event = newEvent('mine');
      client.appendToStream.mockImplementationOnce(async () => {
        client.streams.set('ns1.contract-1', [stored('contract-1', 0, 10n, event)]);
        return { success: true, nextExpectedRevision: 0n, position: undefined };
      });

      expect(await store.append('contract-1', [event], 'any')).toEqual({ nextRevision: 0, position: 10n, written: false });
    });

    it('passes other client errors through unchanged', async () => {
      const { client, store } = setUp();
      for (const error of [new AccessDeniedError(undefined, 'access denied'), new UnknownError(undefined, 'unknown'), new Error('boom')]) {
        client.appendToStream.mockRejectedValueOnce(error);
        await expect(store.append('contract-1', [newEvent('a')], 'any')).rejects.toBe(error);
      }
    });
  });

  describe('a store that cannot serve now', () => {
    const notLeader = () => new NotLeaderError({ code: 5, details: 'Leader info available', metadata: { 'leader-endpoint-host': 'node2', 'leader-endpoint-port': '2113' } } as never);
    /** What the client throws during a leader election, a lost connection, a deadline, or when discovery finds no node. */
    const transientErrors = () => [
      notLeader(),
      new UnavailableError(undefined, '14 UNAVAILABLE: No connection established'),
      new DeadlineExceededError(undefined, '4 DEADLINE_EXCEEDED'),
      new TimeoutError(undefined, '10 ABORTED: operation timed out'),
      new CancelledError(undefined, '1 CANCELLED'),
      new Error('Failed to discover after 10 attempts.'),
      // As reads get them through the client's native bridge, which does not name these.
      new UnknownError(undefined, 'Server-side error: status: Unavailable, message: "error trying to connect: tcp connect error"'),
      new UnknownError(undefined, 'Server-side error: status: Internal, message: "h2 protocol error"'),
      new UnknownError(undefined, 'Deadline exceeded'),
      new UnknownError(undefined, 'Connection is closed.'),
    ];
    const failing = (error: Error) =>
      (async function* (): AsyncIterableIterator<never> {
        throw error;
      })();

    it('append: a failed append or its read first is a StoreUnavailableError carrying the client error', async () => {
      const { client, store } = setUp();
      for (const error of transientErrors()) {
        client.appendToStream.mockRejectedValueOnce(error);
        const thrown = await store.append('contract-1', [newEvent('a')], 'any').catch((e: unknown) => e);
        expect(thrown).toBeInstanceOf(StoreUnavailableError);
        expect((thrown as Error).cause).toBe(error);

        client.readStream.mockReturnValueOnce(failing(error));
        await expect(store.append('contract-1', [newEvent('a')], 'any')).rejects.toBeInstanceOf(StoreUnavailableError);
      }
    });

    it('append: a raw gRPC UNAVAILABLE from the server-features check before the append is a StoreUnavailableError', async () => {
      const { client, store } = setUp();
      // What grpc-js rejects with (an Error carrying the status), which the client's features check
      // passes on unconverted on the first call and after every reconnect.
      const raw = Object.assign(new Error('14 UNAVAILABLE: No connection established. Last error: connect ECONNREFUSED 127.0.0.1:2113'), {
        code: 14,
        details: 'No connection established. Last error: connect ECONNREFUSED 127.0.0.1:2113',
      });
      client.appendToStream.mockRejectedValueOnce(raw);

      const thrown = await store.append('contract-1', [newEvent('a')], 'any').catch((e: unknown) => e);

      expect(thrown).toBeInstanceOf(StoreUnavailableError);
      expect((thrown as Error).cause).toBe(raw);
    });

    it('append: a connection refused to the real client is a StoreUnavailableError, not the raw gRPC error', async () => {
      // A port that was free a moment ago: the connection is refused at once.
      const server = createServer();
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      await new Promise((resolve) => server.close(resolve));
      const real = KurrentDBClient.connectionString(`kurrentdb://127.0.0.1:${port}?tls=false`);
      const { client } = setUp();
      const store = new KurrentDbEventStore({
        client: { ...client, appendToStream: real.appendToStream.bind(real), dispose: real.dispose.bind(real) } as unknown as KurrentDbClient,
        streamPrefixes: PREFIXES,
      });
      try {
        const thrown = await store.append('contract-1', [newEvent('a')], 'no_stream').catch((e: unknown) => e);
        expect(thrown).toBeInstanceOf(StoreUnavailableError);
        expect((thrown as Error).message).toMatch(/UNAVAILABLE/);
      } finally {
        await store.close();
      }
    });

    it.each(['Server Is Busy', 'Server Is Not Ready', 'No leader info available in response'])(
      'append: a batch append the server did not handle ("%s") is a StoreUnavailableError',
      async (reason) => {
        const { client, store } = setUp();
        // unpackError.js: the server's status with an Empty detail, which the client does not recognise.
        const notHandled = new UnknownError(undefined, `Could not recognize ${reason}`);
        client.appendToStream.mockRejectedValueOnce(notHandled);

        const thrown = await store.append('contract-1', [newEvent('a')], 'any').catch((e: unknown) => e);

        expect(thrown).toBeInstanceOf(StoreUnavailableError);
        expect((thrown as Error).cause).toBe(notHandled);
      },
    );

    it('append: other unrecognised statuses and raw gRPC errors pass through unchanged', async () => {
      const { client, store } = setUp();
      const denied = Object.assign(new Error('7 PERMISSION_DENIED: no'), { code: 7, details: 'no' });
      const other = new UnknownError(undefined, 'Could not recognize Something Else');
      for (const error of [denied, other]) {
        client.appendToStream.mockRejectedValueOnce(error);
        await expect(store.append('contract-1', [newEvent('a')], 'any')).rejects.toBe(error);
      }
    });

    it('readStream, readAll and headPosition: the same', async () => {
      const { client, store } = setUp();
      for (const error of transientErrors()) {
        client.readStream.mockReturnValueOnce(failing(error));
        await expect(store.readStream('contract-1')).rejects.toBeInstanceOf(StoreUnavailableError);
        client.readAll.mockReturnValueOnce(failing(error));
        await expect(store.readAll()).rejects.toBeInstanceOf(StoreUnavailableError);
        client.readAll.mockReturnValueOnce(failing(error));
        await expect(store.headPosition()).rejects.toBeInstanceOf(StoreUnavailableError);
      }
      const denied = new AccessDeniedError(undefined, 'access denied');
      client.readAll.mockReturnValueOnce(failing(denied));
      await expect(store.readAll()).rejects.toBe(denied);
    });
  });

  describe('readStream', () => {
    const times = ['2025-01-01T10:00:00.000Z', '2025-01-02T10:00:00.000Z', '2025-01-03T10:00:00.000Z'];

    it('reads from a revision, counts up to a revision, and returns the port event without our storage keys', async () => {
      const { client, store } = setUp();
      const events = times.map((time, i) => newEvent(`id-${i}`, `Step${i}`, time));
      client.streams.set('ns1.contract-1', events.slice(1).map((event, i) => stored('contract-1', i + 1, BigInt(20 + i), event)));

      const read = await store.readStream('contract-1', { fromRevision: 1, toRevision: 2 });

      expect(client.readStream).toHaveBeenCalledWith('ns1.contract-1', { fromRevision: 1n, maxCount: 2n, requiresLeader: true });
      expect(read).toEqual([
        { id: 'id-1', streamId: 'contract-1', revision: 1, position: 20n, type: 'Step1', version: 1, data: { wage: 100 }, metadata: events[1]!.metadata, recordedAt: new Date('2025-03-21T08:00:01.000Z') },
        { id: 'id-2', streamId: 'contract-1', revision: 2, position: 21n, type: 'Step2', version: 1, data: { wage: 100 }, metadata: events[2]!.metadata, recordedAt: new Date('2025-03-21T08:00:01.000Z') },
      ]);
    });

    it('reads from the start without a count by default, and filters asOf by metadata.occurredAt', async () => {
      const { client, store } = setUp();
      client.streams.set('ns1.contract-1', times.map((time, i) => stored('contract-1', i, BigInt(10 + i), newEvent(`id-${i}`, 'Step', time))));

      const read = await store.readStream('contract-1', { asOf: new Date('2025-01-02T10:00:00.000Z') });

      expect(client.readStream).toHaveBeenCalledWith('ns1.contract-1', { fromRevision: 0n, requiresLeader: true });
      expect(read.map((event) => event.revision)).toEqual([0, 1]);
    });

    it('reads as of a time from the stream\'s start, whatever the revision asked from, and stops at the first later event', async () => {
      const { client, store } = setUp();
      const stamps = ['2025-01-01T10:00:00.000Z', '2025-01-03T10:00:00.000Z', '2025-01-02T10:00:00.000Z'];
      client.streams.set('ns1.contract-1', stamps.map((time, i) => stored('contract-1', i, BigInt(10 + i), newEvent(`id-${i}`, 'Step', time))));

      expect((await store.readStream('contract-1', { asOf: new Date('2025-01-02T12:00:00.000Z') })).map((event) => event.revision)).toEqual([0]);
      const later = await store.readStream('contract-1', { fromRevision: 1, toRevision: 2, asOf: new Date('2025-01-04T00:00:00.000Z') });
      expect(client.readStream).toHaveBeenLastCalledWith('ns1.contract-1', { fromRevision: 0n, maxCount: 3n, requiresLeader: true });
      expect(later.map((event) => event.revision)).toEqual([1, 2]);
    });

    it('refuses a stream with a hole in its revisions (an event gone from the server) rather than fold a history that never was', async () => {
      const { client, store } = setUp();
      client.streams.set('ns1.contract-1', [0, 2].map((revision) => stored('contract-1', revision, BigInt(10 + revision), newEvent(`id-${revision}`, 'Step'))));
      await expect(store.readStream('contract-1')).rejects.toThrow('stream contract-1 has no event at revision 1 (read 2 there)');
      await expect(store.readFoldable('contract-1')).rejects.toThrow('stream contract-1 has no event at revision 1 (read 2 there)');
    });

    it('reads a stream the server does not know as empty, and an empty revision range without asking', async () => {
      const { client, store } = setUp();
      expect(await store.readStream('contract-unknown')).toEqual([]);
      expect(await store.readStream('contract-unknown', { fromRevision: 3, toRevision: 2 })).toEqual([]);
      expect(client.readStream).toHaveBeenCalledTimes(1);
    });

    it('refuses events without a $all position rather than inventing one', async () => {
      const { client, store } = setUp();
      const event = stored('contract-1', 0, 2n ** 64n - 1n, newEvent('a'));
      client.streams.set('ns1.contract-1', [event]);
      await expect(store.readStream('contract-1')).rejects.toThrow(/without its \$all position/);
    });

    it('upcasts what it reads', async () => {
      const upcasters = new Upcasters().register({ type: 'Opened', fromVersion: 1, toVersion: 2, upcast: (data) => ({ ...data, upcast: true }) });
      const { client, store } = setUp(upcasters);
      client.streams.set('ns1.contract-1', [stored('contract-1', 0, 10n, newEvent('a'))]);
      expect(await store.readStream('contract-1')).toMatchObject([{ version: 2, data: { wage: 100, upcast: true } }]);
    });
  });

  describe('readAll and headPosition', () => {
    it('reads $all from the start through the stream-prefix filter, with the limit as count', async () => {
      const { client, store } = setUp();
      client.all = [stored('contract-1', 0, 10n, newEvent('a')), stored('insured-7', 0, 12n, newEvent('b'))];

      const read = await store.readAll({ limit: 5 });

      const options = client.readAll.mock.calls[0]![0];
      expect(options).toMatchObject({ fromPosition: START, maxCount: 5, filter: { filterOn: 'streamName', prefixes: ['ns1.contract-', 'ns1.insured-'] } });
      expect(read.map((event) => [event.streamId, event.position])).toEqual([['contract-1', 10n], ['insured-7', 12n]]);
    });

    it('reads after a position: starts at it, asks one more, and drops the event at it', async () => {
      const { client, store } = setUp();
      client.all = [10n, 12n, 14n].map((position, i) => stored('contract-1', i, position, newEvent(`id-${i}`)));

      const read = await store.readAll({ fromPosition: 10n, limit: 1 });

      expect(client.readAll.mock.calls[0]![0]).toMatchObject({ fromPosition: { commit: 10n, prepare: 10n }, maxCount: 2 });
      expect(read.map((event) => event.position)).toEqual([12n]);
    });

    it('reads without a count when no limit is given', async () => {
      const { client, store } = setUp();
      await store.readAll({ fromPosition: 10n });
      expect(client.readAll.mock.calls[0]![0]).not.toHaveProperty('maxCount');
    });

    it('takes the head from the last filtered event read backwards from the end, 0 when there is none', async () => {
      const { client, store } = setUp();
      expect(await store.headPosition()).toBe(0n);
      client.all = [stored('contract-1', 3, 44n, newEvent('a'))];
      expect(await store.headPosition()).toBe(44n);
      expect(client.readAll).toHaveBeenLastCalledWith({ fromPosition: END, direction: BACKWARDS, maxCount: 1, filter: expect.objectContaining({ prefixes: ['ns1.contract-', 'ns1.insured-'] }) });
    });
  });

  describe('subscribe', () => {
    function received() {
      const events: RecordedEvent[] = [];
      const batches: number[] = [];
      return { events, batches, handler: async (batch: RecordedEvent[]) => void (batches.push(batch.length), events.push(...batch)) };
    }

    it('subscribes to $all from the start or after the checkpoint, through the filter', async () => {
      const { client, store } = setUp();
      const fromStart = store.subscribe({ fromPosition: 0n, handler: async () => undefined });
      const fromCheckpoint = store.subscribe({ fromPosition: 77n, handler: async () => undefined });
      await fromStart.stop();
      await fromCheckpoint.stop();

      expect(client.subscribeToAll.mock.calls.map(([options]) => options.fromPosition)).toEqual([START, { commit: 77n, prepare: 77n }]);
      expect(client.subscribeToAll.mock.calls[0]![0].filter).toMatchObject({ prefixes: ['ns1.contract-', 'ns1.insured-'] });
      expect(client.subscriptions.every((subscription) => subscription.unsubscribed)).toBe(true);
    });

    it('delivers batches of at most batchSize, closing a batch when nothing more is buffered', async () => {
      const { client, store } = setUp();
      const got = received();
      const subscription = store.subscribe({ fromPosition: 0n, handler: got.handler, batchSize: 2 });
      try {
        const live = client.subscriptions[0]!;
        [1n, 2n, 3n].forEach((position, i) => live.write(stored('contract-1', i, position, newEvent(`id-${i}`))));
        await eventually(() => expect(got.events).toHaveLength(3));
        live.write(stored('contract-1', 3, 4n, newEvent('id-3')));
        await eventually(() => expect(got.events).toHaveLength(4));

        expect(got.events.map((event) => event.position)).toEqual([1n, 2n, 3n, 4n]);
        expect(Math.max(...got.batches)).toBeLessThanOrEqual(2);
      } finally {
        await subscription.stop();
      }
    });

    it('subscribes with a highWaterMark of batchSize, so catching up fills whole batches', async () => {
      const { client, store } = setUp();
      const history = Array.from({ length: 2_000 }, (_, i) => stored('contract-1', i, BigInt(i + 1), newEvent(`id-${i}`)));
      client.subscribeToAll.mockImplementationOnce((_options, readable) => new PipedSubscription(history, readable) as unknown as AllStreamSubscription);
      const batches: number[] = [];
      const subscription = store.subscribe({
        fromPosition: 0n,
        batchSize: 500,
        handler: async (batch) => {
          batches.push(batch.length);
          await new Promise((resolve) => setTimeout(resolve, 1)); // a projection's transaction
        },
      });
      try {
        await eventually(() => expect(batches.reduce((sum, size) => sum + size, 0)).toBe(2_000));
        // At the default highWaterMark (16) this was 65 batches of 31 events.
        expect(batches.length).toBeLessThanOrEqual(5);
        expect(Math.max(...batches)).toBe(500);
        expect(client.subscribeToAll.mock.calls[0]![1]).toEqual({ highWaterMark: 500 });
      } finally {
        await subscription.stop();
      }
    });

    it('retries a batch whose handler failed, reporting the failure', async () => {
      const { client, store } = setUp();
      const errors: unknown[] = [];
      const delivered: bigint[] = [];
      let failuresLeft = 2;
      const subscription = store.subscribe({
        fromPosition: 0n,
        handler: async (batch) => {
          if (failuresLeft-- > 0) throw new Error('projection down');
          delivered.push(...batch.map((event) => event.position));
        },
        onError: (error) => errors.push(error),
      });
      try {
        client.subscriptions[0]!.write(stored('contract-1', 0, 5n, newEvent('a')));
        await eventually(() => expect(delivered).toEqual([5n]));
        expect(errors).toHaveLength(2);
        expect(client.subscribeToAll).toHaveBeenCalledTimes(1);
      } finally {
        await subscription.stop();
      }
    });

    it('after a drop, reports it and resubscribes after the last delivered event, skipping a repeat of it', async () => {
      const { client, store } = setUp();
      const got = received();
      const errors: unknown[] = [];
      const subscription = store.subscribe({ fromPosition: 0n, handler: got.handler, onError: (error) => errors.push(error) });
      try {
        client.subscriptions[0]!.write(stored('contract-1', 0, 5n, newEvent('a')));
        await eventually(() => expect(got.events).toHaveLength(1));
        client.subscriptions[0]!.destroy(new Error('leader changed'));

        await eventually(() => expect(client.subscriptions).toHaveLength(2));
        expect(client.subscribeToAll.mock.calls[1]![0].fromPosition).toEqual({ commit: 5n, prepare: 5n });
        expect((errors[0] as Error).message).toBe('leader changed');
        client.subscriptions[1]!.write(stored('contract-1', 0, 5n, newEvent('a')));
        client.subscriptions[1]!.write(stored('contract-1', 1, 6n, newEvent('b')));
        await eventually(() => expect(got.events).toHaveLength(2));
        expect(got.events.map((event) => event.position)).toEqual([5n, 6n]);
      } finally {
        await subscription.stop();
      }
    });

    it('resubscribes when the server ends the subscription', async () => {
      const { client, store } = setUp();
      const errors: unknown[] = [];
      const subscription = store.subscribe({ fromPosition: 9n, handler: async () => undefined, onError: (error) => errors.push(error) });
      try {
        client.subscriptions[0]!.end();
        await eventually(() => expect(client.subscriptions).toHaveLength(2));
        expect((errors[0] as Error).message).toMatch(/ended the subscription/);
        expect(client.subscribeToAll.mock.calls[1]![0].fromPosition).toEqual({ commit: 9n, prepare: 9n });
      } finally {
        await subscription.stop();
      }
    });
  });

  it('close stops subscriptions and disposes of the client; a subscription asked for afterwards is refused', async () => {
    const { client, store } = setUp();
    store.subscribe({ fromPosition: 0n, handler: async () => undefined });
    await store.close();
    expect(client.subscriptions[0]!.unsubscribed).toBe(true);
    expect(client.dispose).toHaveBeenCalled();
    expect(() => store.subscribe({ fromPosition: 0n, handler: async () => undefined })).toThrow('Event store is closed');
  });

  it('refuses an event JSON cannot write before the client sees it (the client would leave the append pending for ever)', async () => {
    const { client, store } = setUp();
    await expect(store.append('contract-1', [{ ...newEvent('e1'), data: { amount: 10n } }], 'no_stream')).rejects.toThrow(/BigInt/);
    expect(client.appendToStream).not.toHaveBeenCalled();
  });

  it('refuses a connection string the client cannot parse as configuration, naming KURRENTDB_URL', async () => {
    const connect = () => KurrentDbEventStore.connect('http://kurrentdb:2113', { streamPrefixes: ['contract-'] });
    expect(connect).toThrow(ConfigError);
    expect(connect).toThrow(/^KURRENTDB_URL is not a KurrentDB connection string/);
    // The client quotes a URL it cannot parse whole: the password must not reach the log.
    const withPassword = () => KurrentDbEventStore.connect('kurrentdb://admin:se/cret@host:2113', { streamPrefixes: ['contract-'] });
    expect(withPassword).toThrow(ConfigError);
    expect(withPassword).not.toThrow(/se\/cret/);
    const hostForgotten = () => KurrentDbEventStore.connect('kurrentdb://admin:s3cret', { streamPrefixes: ['contract-'] });
    expect(hostForgotten).not.toThrow(/s3cret/);
    const store = KurrentDbEventStore.connect('kurrentdb://kurrentdb:2113?tls=false', { streamPrefixes: ['contract-'] });
    await store.close(); // parsed; the client connects on first use only
  });

  it('refuses an option the client does not know, by its name: the client would log the URL, password and all, and ignore it', () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const mistyped = () => KurrentDbEventStore.connect('kurrentdb://admin:s3cret@host:2113?tls=false&tlsVerifyCerts=false', { streamPrefixes: ['contract-'] });
      expect(mistyped).toThrow(ConfigError);
      expect(mistyped).toThrow('KURRENTDB_URL has an option the KurrentDB client does not know: "tlsVerifyCerts"');
      expect(mistyped).not.toThrow(/s3cret/);
      expect(warn).not.toHaveBeenCalled();
      // Its other warnings still reach the log.
      void KurrentDbEventStore.connect('esdb://host:2113?tls=false', { streamPrefixes: ['contract-'] }).close();
      expect(warn).toHaveBeenCalledWith(expect.stringContaining("'esdb' protocol is deprecated"));
    } finally {
      warn.mockRestore();
    }
  });

  it.each([
    ['UnavailableError', new UnavailableError(undefined, 'Connection is closed')],
    ["the bridge's closed connection", new UnknownError(undefined, 'Connection is closed.')],
  ])('replaces the client after a read finds no server (%s): the old one would never read again, the new one reads', async (_what, lost) => {
    const gone = new FakeClient();
    gone.readStream.mockImplementation(() =>
      (async function* () {
        throw lost;
      })(),
    );
    const fresh = new FakeClient();
    const opened = newEvent('e1');
    fresh.streams.set(`${NS}contract-1`, [stored('contract-1', 0, 10n, opened)]);
    const spare = new FakeClient();
    const clients = [fresh, spare];
    const store = new KurrentDbEventStore({ client: gone as unknown as KurrentDbClient, newClient: () => clients.shift() as unknown as KurrentDbClient, streamPrefixes: PREFIXES, namespace: NS });

    await expect(store.readStream('contract-1')).rejects.toBeInstanceOf(StoreUnavailableError);
    expect((await store.readStream('contract-1')).map((event) => event.id)).toEqual(['e1']);
    expect(gone.readStream).toHaveBeenCalledTimes(1);
    // Replaced at most once a second: a second failure at once reuses the client it has.
    fresh.readAll.mockImplementation(() =>
      (async function* () {
        throw new UnavailableError(undefined, 'Connection is closed');
      })(),
    );
    await expect(store.readAll()).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(clients).toEqual([spare]);
    expect(gone.dispose).not.toHaveBeenCalled(); // calls still running on it get their time
    await store.close();
    expect(gone.dispose).toHaveBeenCalled();
    expect(fresh.dispose).toHaveBeenCalled();
  });

  it.each([
    ['not JSON', (event: AllStreamResolvedEvent['event'] & object) => ({ ...event, isJson: false, data: new Uint8Array([1]), metadata: new Uint8Array([]) })],
    ['without metadata', (event: AllStreamResolvedEvent['event'] & object) => ({ ...event, metadata: undefined })],
    ['with metadata not ours', (event: AllStreamResolvedEvent['event'] & object) => ({ ...event, metadata: { note: 'from the admin UI' } })],
  ])('names an event in our streams that it did not write (%s), rather than skipping it and miscounting revisions', async (_what, alter) => {
    const { client, store } = setUp();
    const ours = stored('contract-1', 0, 10n, newEvent('e1'));
    const foreign = stored('contract-1', 1, 11n, newEvent('e2'));
    const altered = { ...foreign, event: alter(foreign.event!) } as unknown as AllStreamResolvedEvent;
    client.streams.set(`${NS}contract-1`, [ours, altered]);
    client.all = [ours, altered];
    const message = /^KurrentDB event e2 \(Opened, ns1\.contract-1@1\) was not written by this service/;
    await expect(store.readStream('contract-1')).rejects.toThrow(message);
    await expect(store.readAll()).rejects.toThrow(message);
    await expect(store.append('contract-1', [newEvent('e3')], 1)).rejects.toThrow(message);
  });

  describe('replacing a client whose reads lost the server', () => {
    const unavailable = () =>
      (async function* () {
        throw new UnavailableError(undefined, 'Connection is closed');
      })();
    function failing(): FakeClient {
      const client = new FakeClient();
      client.readAll.mockImplementation(unavailable);
      return client;
    }
    let now = 0;
    beforeEach(() => {
      now = 0;
      jest.spyOn(performance, 'now').mockImplementation(() => now);
    });
    afterEach(() => jest.restoreAllMocks());

    it('waits twice as long after each replacement while reads keep failing, and a second again once one succeeds', async () => {
      const built: FakeClient[] = [];
      const store = new KurrentDbEventStore({
        client: failing() as unknown as KurrentDbClient,
        newClient: () => {
          built.push(failing());
          return built.at(-1)! as unknown as KurrentDbClient;
        },
        streamPrefixes: PREFIXES,
        namespace: NS,
      });
      const failAt = async (ms: number) => {
        now = ms;
        await expect(store.readAll()).rejects.toBeInstanceOf(StoreUnavailableError);
        return built.length;
      };
      expect(await failAt(1_000)).toBe(1); // the first replacement: at once, none came before it
      expect(await failAt(2_500)).toBe(1); // 1.5 s on: the next waits 2 s
      expect(await failAt(3_000)).toBe(2); // then 4 s
      expect(await failAt(6_500)).toBe(2);
      expect(await failAt(7_000)).toBe(3); // then 8 s, and no more
      expect(await failAt(15_000)).toBe(4);
      expect(await failAt(22_999)).toBe(4);
      expect(await failAt(23_000)).toBe(5);
      built.at(-1)!.readAll.mockImplementation(() => iterate([])); // the server answers again
      now = 23_100;
      await store.readAll();
      built.at(-1)!.readAll.mockImplementation(unavailable);
      expect(await failAt(24_100)).toBe(6); // a second after the last, as at first
      await store.close();
    });

    it('keeps the old client when a new one cannot be built, and builds none once closed', async () => {
      const old = failing();
      let attempts = 0;
      const store = new KurrentDbEventStore({
        client: old as unknown as KurrentDbClient,
        newClient: () => {
          attempts += 1;
          throw new Error('tlsCAFile not found');
        },
        streamPrefixes: PREFIXES,
        namespace: NS,
      });
      now = 1_000;
      await expect(store.readAll()).rejects.toBeInstanceOf(StoreUnavailableError); // still a 503, not the build's error
      expect(attempts).toBe(1);
      now = 1_500;
      await expect(store.readAll()).rejects.toBeInstanceOf(StoreUnavailableError);
      expect(attempts).toBe(1); // a failed build is spaced out like a replacement, not tried on every read
      now = 3_000;
      await expect(store.readAll()).rejects.toBeInstanceOf(StoreUnavailableError);
      expect([attempts, old.readAll.mock.calls.length]).toEqual([2, 3]); // it tried again, reading through the old one
      await store.close();
      now = 10_000;
      await expect(store.readAll()).rejects.toBeInstanceOf(StoreUnavailableError);
      expect(attempts).toBe(2); // closed: nothing is built any more
    });
  });
});
