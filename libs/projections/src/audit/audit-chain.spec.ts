import { createHash, randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { PostgresEventStore, type RecordedEvent } from '@app/event-store';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/database';
import { ContractStreams } from '@app/contracts-app';
import { canonicalJson, ManualClock } from '@app/platform';
import { CONTRACT_NOW, pay } from '../../../contracts-domain/src/testing/fixtures';
import { appendContracts, context } from '../testing/contracts';
import { dumpSchema, project } from '../testing/harness';
import { auditChainProjection } from './audit-chain.projection';
import { auditRow, readAuditHead, walkChain } from './audit-chain.queries';
import { GENESIS_HASH, chainHash, hashedDocument } from './chain-hash';
import { verifyChain } from './verify';

describe('audit chain: the hash as docs/operations.md defines it, computed without the code under test', () => {
  const event: RecordedEvent = {
    id: '6f1c2a4e-8b3d-4c5e-9f70-1a2b3c4d5e6f',
    streamId: 'contract-0d9e8f7a-6b5c-4d3e-8f21-0a1b2c3d4e5f',
    revision: 3,
    position: 4_295_032_835n,
    type: 'PaymentConfirmed',
    version: 2,
    data: { paymentId: 'p-1', amount: 1_200_000, bank: { reference: 'BR-1', name: 'mellat' } },
    metadata: {
      eventId: '6f1c2a4e-8b3d-4c5e-9f70-1a2b3c4d5e6f',
      occurredAt: '2026-12-21T08:29:59.000Z',
      actor: { sub: 'bank-1', role: 'bank' },
      channel: 'bank',
      commandId: 'c0000000-0000-4000-8000-000000000001',
      correlationId: 'c0000000-0000-4000-8000-000000000002',
      bankId: 'mellat',
    },
    recordedAt: new Date('2026-12-21T08:30:00.123Z'),
  };
  // { id, streamId, revision, position, type, version, data, metadata, recordedAt }: keys sorted at
  // every depth, no whitespace, position a decimal string, recordedAt ISO 8601.
  const document =
    '{"data":{"amount":1200000,"bank":{"name":"mellat","reference":"BR-1"},"paymentId":"p-1"},' +
    '"id":"6f1c2a4e-8b3d-4c5e-9f70-1a2b3c4d5e6f",' +
    '"metadata":{"actor":{"role":"bank","sub":"bank-1"},"bankId":"mellat","channel":"bank",' +
    '"commandId":"c0000000-0000-4000-8000-000000000001","correlationId":"c0000000-0000-4000-8000-000000000002",' +
    '"eventId":"6f1c2a4e-8b3d-4c5e-9f70-1a2b3c4d5e6f","occurredAt":"2026-12-21T08:29:59.000Z"},' +
    '"position":"4295032835","recordedAt":"2026-12-21T08:30:00.123Z","revision":3,' +
    '"streamId":"contract-0d9e8f7a-6b5c-4d3e-8f21-0a1b2c3d4e5f","type":"PaymentConfirmed","version":2}';
  const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

  it('hashes every documented field of the event, after the previous hash', () => {
    expect(chainHash(GENESIS_HASH, event)).toBe(sha256(`${'0'.repeat(64)}${document}`));
    const prev = 'a1'.repeat(32);
    expect(chainHash(prev, event)).toBe(sha256(`${prev}${document}`));
  });

  it('writes the same document as the canonical JSON of hashedDocument, for any event (strings that need escaping included)', () => {
    const text = fc.string({ unit: fc.constantFrom('"', '\\', '\n', '\u0000', '\u2028', '\ud800', 'a', 'ی', '-') });
    const recorded = fc.record({
      id: text,
      streamId: text,
      revision: fc.nat(),
      position: fc.bigInt({ min: 1n, max: 2n ** 63n - 1n }),
      type: text,
      version: fc.nat(),
      data: fc.dictionary(text, fc.jsonValue()),
      metadata: fc.dictionary(text, fc.jsonValue()),
      recordedAt: fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }),
    }) as unknown as fc.Arbitrary<RecordedEvent>; // any metadata: the hash covers whatever is stored
    fc.assert(
      fc.property(recorded, fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 64, maxLength: 64 }), (any, prev) => {
        expect(chainHash(prev, any)).toBe(sha256(`${prev}${canonicalJson(hashedDocument(any))}`));
      }),
    );
  });
});

describe('audit chain: hash = sha256(prevHash ‖ canonical JSON of the event and its metadata)', () => {
  let db: TestDatabase;
  let eventStore: PostgresEventStore;
  let events: RecordedEvent[];

  beforeEach(async () => {
    db = await createTestDatabase();
    eventStore = await PostgresEventStore.create({ pool: db.pool });
    await appendContracts(eventStore, 6); // 9 events over 6 streams
    events = await eventStore.readAll();
    await project(db.pool, auditChainProjection, events, 4);
  });
  afterEach(async () => {
    await eventStore.close();
    await db.drop();
  });

  const verify = (from?: bigint) => verifyChain({ pool: db.pool, eventStore, from });
  /** Inserts, at a free `position`, a copy of the event at `like` in a stream of its own: no link is made for it. */
  const slipIn = (like: bigint, position: bigint) =>
    db.pool.query(
      `INSERT INTO events (position, stream_id, revision, event_id, type, version, data, metadata, occurred_at)
       SELECT $2, $3, 0, $4, type, version, data, metadata, occurred_at FROM events WHERE position = $1`,
      [like, position, `contract-${randomUUID()}`, randomUUID()],
    );

  it('links every event in global order, starting from the genesis hash', async () => {
    const rows = [];
    for await (const step of walkChain(db.pool, eventStore, 0n, 4)) rows.push(auditRow(step));
    expect(rows.map((row) => row.position)).toEqual(events.map((e) => e.position.toString()));
    expect(rows[0]!.prevHash).toBe(GENESIS_HASH);
    for (let i = 1; i < rows.length; i++) expect(rows[i]!.prevHash).toBe(rows[i - 1]!.hash);
    // Anyone can recompute a row's hash from the exported line alone.
    for (const row of rows) {
      const { prevHash, hash, ...document } = row;
      expect(createHash('sha256').update(`${prevHash}${canonicalJson(document)}`).digest('hex')).toBe(hash);
    }
    const head = await readAuditHead(db.pool);
    expect(head).toEqual({ position: events[events.length - 1]!.position, hash: rows[rows.length - 1]!.hash, checkpoint: head.position });
  });

  it('gives the same links whatever the batch boundaries', async () => {
    const other = await createTestDatabase();
    try {
      await project(other.pool, auditChainProjection, events, 1);
      expect(await dumpSchema(other.pool, 'projection_audit_chain')).toEqual(await dumpSchema(db.pool, 'projection_audit_chain'));
    } finally {
      await other.drop();
    }
  });

  it('verifies an untouched history to the head', async () => {
    const head = await readAuditHead(db.pool);
    expect(await verify()).toEqual({ ok: true, events: events.length, position: head.position, hash: head.hash });
    expect(await verify(events[4]!.position)).toMatchObject({ ok: true, events: events.length - 5, hash: head.hash });
  });

  it('fails at exactly the position whose payload was altered in PostgreSQL', async () => {
    const altered = events[5]!.position;
    await db.pool.query(`UPDATE events SET data = jsonb_set(data, '{contractId}', '"someone-else"') WHERE position = $1`, [altered]);
    expect(await verify()).toEqual({ ok: false, events: 5, position: altered, reason: expect.stringMatching(/does not match its stored hash/) });
  });

  it('fails at exactly the position whose metadata was altered', async () => {
    const altered = events[2]!.position;
    await db.pool.query(`UPDATE events SET metadata = jsonb_set(metadata, '{actor,role}', '"ops"') WHERE position = $1`, [altered]);
    expect(await verify()).toMatchObject({ ok: false, position: altered });
  });

  it('fails at the position of a deleted event', async () => {
    const deleted = events[3]!.position;
    await db.pool.query('DELETE FROM events WHERE position = $1', [deleted]);
    expect(await verify()).toMatchObject({ ok: false, events: 3, position: deleted, reason: expect.stringMatching(/missing/) });
  });

  it('fails a chain whose newest events went with their links, and refuses to chain new events onto the cut end', async () => {
    const [newest, before] = [events.at(-1)!, events.at(-2)!];
    // Two plain deletes, no hash recomputed: the walk alone sees a whole chain one event shorter.
    await db.pool.query('DELETE FROM events WHERE position = $1', [newest.position]);
    await db.pool.query('DELETE FROM projection_audit_chain.chain WHERE position = $1', [newest.position]);
    expect(await verify()).toEqual({ ok: false, events: events.length - 1, position: newest.position, reason: expect.stringMatching(/ends at position \d+, before its checkpoint/) });
    expect((await verify()) as { reason: string }).toMatchObject({ reason: expect.stringContaining(String(before.position)) });
    // The projection does not link the next event onto the cut end, which would hide the cut.
    await appendContracts(eventStore, 1);
    await expect(project(db.pool, auditChainProjection, await eventStore.readAll())).rejects.toThrow(/last link is at position \d+ but its checkpoint at \d+: links were deleted/);
    expect((await dumpSchema(db.pool, 'projection_audit_chain')).chain).toHaveLength(events.length - 1);
  });

  it('fails a chain cut back to or before where a verification from a position starts', async () => {
    const cut = events.slice(-2);
    for (const { position } of cut) {
      await db.pool.query('DELETE FROM events WHERE position = $1', [position]);
      await db.pool.query('DELETE FROM projection_audit_chain.chain WHERE position = $1', [position]);
    }
    const last = events.at(-3)!.position;
    const cutShort = { ok: false, position: events.at(-1)!.position, reason: expect.stringContaining(`ends at position ${last}, before its checkpoint`) };
    for (const from of [events.at(-1)!.position, cut[0]!.position, last, last + 1n]) expect(await verify(from)).toMatchObject(cutShort);
    // An intact chain from its newest link: nothing after it to verify, and its hash is the head.
    await db.pool.query('UPDATE projection_audit_chain.checkpoint SET position = $1', [last]);
    expect(await verify(last)).toEqual({ ok: true, events: 0, position: last, hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });

  it('fails at the position of an event slipped into the events table after hashing, without a link', async () => {
    // Between two chained events: positions step by transaction (xid << 16), so there is room.
    const slipped = events[4]!.position + 1n;
    expect(slipped).toBeLessThan(events[5]!.position);
    await slipIn(events[4]!.position, slipped);
    expect(await verify()).toEqual({ ok: false, events: 5, position: slipped, reason: expect.stringMatching(/no link/) });
  });

  it('walks pages of events and links that part after tampering, pairing each position with its own event and link', async () => {
    // Pages of 3: the deleted event makes a page of events reach past its page of links, the
    // slipped-in one a page of links reach past its page of events; each page must stop where the
    // shorter one does, or a position is read with only one of its two halves.
    const deleted = events[4]!.position;
    const slipped = events[6]!.position + 1n;
    await db.pool.query('DELETE FROM events WHERE position = $1', [deleted]);
    await slipIn(events[6]!.position, slipped);
    const seen = [];
    for await (const step of walkChain(db.pool, eventStore, 0n, 3)) seen.push({ position: step.position, event: step.event?.position, link: step.link?.position });
    const expected = [...events.map((e) => e.position), slipped].sort((a, b) => (a < b ? -1 : 1));
    expect(seen).toEqual(
      expected.map((position) => ({ position, event: position === deleted ? undefined : position, link: position === slipped ? undefined : position })),
    );
  });

  it('verifies past its first page of a thousand and finds an edit on a later page', async () => {
    // 2,100 more events, copies of the first in streams of their own (one transaction: positions step by one).
    await db.pool.query(
      `INSERT INTO events (position, stream_id, revision, event_id, type, version, data, metadata, occurred_at)
       SELECT $1::bigint + i, 'contract-' || md5(i::text), 0, md5(i::text)::uuid, type, version, data, metadata, occurred_at
       FROM events, generate_series(1, 2100) AS i WHERE position = $2`,
      [events.at(-1)!.position, events[0]!.position],
    );
    const all = await eventStore.readAll();
    expect(all).toHaveLength(events.length + 2100);
    await project(db.pool, auditChainProjection, all);
    const altered = all[1600]!.position;
    await db.pool.query(`UPDATE events SET data = jsonb_set(data, '{contractId}', '"someone-else"') WHERE position = $1`, [altered]);
    expect(await verify()).toEqual({ ok: false, events: 1600, position: altered, reason: expect.stringMatching(/does not match its stored hash/) });
  });

  it('fails where a link no longer follows the one before it, whether or not its hash was recomputed to match', async () => {
    const position = events[6]!.position;
    const forged = 'e'.repeat(64);
    // Only prev_hash rewritten: the hash is still the true chain's, so only the prev_hash check sees it.
    await db.pool.query('UPDATE projection_audit_chain.chain SET prev_hash = $2 WHERE position = $1', [position, forged]);
    const broken = { ok: false, events: 6, position, reason: expect.stringMatching(/does not follow the previous hash/) };
    expect(await verify()).toEqual(broken);
    // And with a hash consistent with the forged prev_hash: the link itself holds, its place in the chain does not.
    await db.pool.query('UPDATE projection_audit_chain.chain SET hash = $2 WHERE position = $1', [position, chainHash(forged, events[6]!)]);
    expect(await verify()).toEqual(broken);
  });

  it('fails where a stored link was rewritten to hide an edit', async () => {
    const position = events[6]!.position;
    await db.pool.query(`UPDATE projection_audit_chain.chain SET hash = $2 WHERE position = $1`, [position, 'f'.repeat(64)]);
    // The rewritten link itself no longer matches its event; which of the two changed, verify cannot tell.
    expect(await verify()).toMatchObject({ ok: false, position, reason: expect.stringContaining('the event, or the hash in its link') });
  });

  it("leaves links of events recorded before a bank's bankId was kept as they were, and chains and verifies the new ones", async () => {
    const before = await dumpSchema(db.pool, 'projection_audit_chain');
    const streams = new ContractStreams(eventStore, new ManualClock(new Date(CONTRACT_NOW)));
    const [contractId] = await appendContracts(eventStore, 1);
    const bank = { ...context(), actor: { sub: 'bank-1', role: 'bank' }, channel: 'bank', bankId: 'mellat' };
    const { state } = await streams.loadExisting(contractId!);
    await streams.execute(contractId!, pay(2, { paymentId: 'p-2', bankReference: 'BR-2', amount: 2 * state.monthlyPremium }), bank);
    const all = await eventStore.readAll();
    expect(all.at(-1)!.metadata).toMatchObject({ bankId: 'mellat' });
    await project(db.pool, auditChainProjection, all, 4);

    const links = (await dumpSchema(db.pool, 'projection_audit_chain')).chain!;
    // Rows as text, sorted as text: compared as a set (positions may gain a digit between them).
    expect(links).toEqual(expect.arrayContaining(before.chain!));
    expect(links).toHaveLength(all.length);
    expect(await verify()).toMatchObject({ ok: true, events: all.length });
  });

  it('reports progress up to the chain checkpoint', async () => {
    const seen: bigint[] = [];
    await verifyChain({ pool: db.pool, eventStore, onProgress: (p) => seen.push(p.position), elapsedMs: (() => { let t = 0; return () => (t += 500); })() });
    expect(seen[seen.length - 1]).toBe(events[events.length - 1]!.position);
  });
});
