import { createHash } from 'node:crypto';
import { canonicalJson } from '@app/platform';
import { People, bearer, openOnline, pay } from '../../../../test/e2e/support/scenario';
import { startOpsApp, type OpsApp } from '../../../../test/browser/support/ops-app';

const ndjson = (text: string) => text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);

describe('GET /v1/audit/events and /v1/audit/head', () => {
  let t: OpsApp;
  let auditor: string;

  beforeAll(async () => {
    t = await startOpsApp();
    auditor = t.token({ role: 'auditor' });
    const people = new People();
    for (let i = 0; i < 3; i++) {
      const { contract } = await openOnline(t, people.next().nationalCode);
      expect((await pay(t, contract)).status).toBe(201);
    }
    await t.caughtUp();
  });
  afterAll(() => t?.close());

  const get = (url: string, token = auditor) => t.http().get(url).set(bearer(token));

  it('exports every event in global order as NDJSON, each line chained to the one before', async () => {
    const res = await get('/v1/audit/events').expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/x-ndjson/);
    const lines = ndjson(res.text);
    // Every stored event, from the table: readAll() may briefly hide the newest while any write
    // transaction (a projection batch, an SMS claim) is open on the server.
    const stored = await t.runtime.pool.query<{ position: bigint }>('SELECT position FROM events ORDER BY position');
    expect(lines.map((l) => l.position)).toEqual(stored.rows.map((e) => e.position.toString()));
    expect(lines[0]!.prevHash).toBe('0'.repeat(64));
    for (const [i, line] of lines.entries()) {
      const { prevHash, hash, ...document } = line;
      if (i > 0) expect(prevHash).toBe(lines[i - 1]!.hash);
      expect(createHash('sha256').update(`${prevHash as string}${canonicalJson(document)}`).digest('hex')).toBe(hash);
      expect(document).toMatchObject({ streamId: expect.any(String), type: expect.any(String), metadata: { actor: { role: expect.any(String) } } });
    }
    // Which bank confirmed each payment, as an officer's branch is kept for theirs (and hashed with it).
    const payments = lines.filter((l) => l.type === 'PaymentConfirmed');
    expect(payments).toHaveLength(3);
    for (const payment of payments) expect(payment.metadata).toMatchObject({ actor: { role: 'bank' }, channel: 'bank', bankId: 'mellat' });
    for (const other of lines.filter((l) => l.type !== 'PaymentConfirmed')) expect(other.metadata).not.toHaveProperty('bankId');
    const head = await get('/v1/audit/head').expect(200);
    expect(head.body).toEqual({ position: lines.at(-1)!.position, hash: lines.at(-1)!.hash, eventStoreHead: expect.stringMatching(/^\d+$/) });
    expect(BigInt(head.body.eventStoreHead)).toBeLessThanOrEqual(BigInt(lines.at(-1)!.position as string));
  });

  it('pages with fromPosition (exclusive) and limit', async () => {
    const all = ndjson((await get('/v1/audit/events').expect(200)).text);
    const first = await get('/v1/audit/events?limit=2').expect(200);
    expect(ndjson(first.text)).toEqual(all.slice(0, 2));
    expect(first.headers['x-last-position']).toBe(all[1]!.position);
    const rest = await get(`/v1/audit/events?fromPosition=${first.headers['x-last-position']}&limit=10000`).expect(200);
    expect(ndjson(rest.text)).toEqual(all.slice(2));
    expect((await get(`/v1/audit/events?fromPosition=${all.at(-1)!.position}`).expect(200)).text).toBe('');
  });

  it('refuses bad paging, and every role but the auditor', async () => {
    for (const query of ['?limit=0', '?limit=10001', '?limit=ten', '?fromPosition=-1']) {
      expect((await get(`/v1/audit/events${query}`).expect(400)).body.code).toBe('VALIDATION_FAILED');
    }
    for (const who of [{ role: 'ops' }, { role: 'bank', bankId: 'mellat' }, { role: 'examiner' }] as const) {
      await get('/v1/audit/events', t.token(who)).expect(403);
      await get('/v1/audit/head', t.token(who)).expect(403);
    }
    await t.http().get('/v1/audit/head').expect(401);
  });

  // Last: it damages the store.
  it('refuses to hand out a head, or an export, of a chain whose newest events went with their links', async () => {
    const { rows } = await t.runtime.pool.query<{ position: bigint }>('SELECT max(position) AS position FROM projection_audit_chain.chain');
    const newest = rows[0]!.position;
    await t.runtime.pool.query('DELETE FROM events WHERE position = $1', [newest]);
    await t.runtime.pool.query('DELETE FROM projection_audit_chain.chain WHERE position = $1', [newest]);
    for (const url of ['/v1/audit/head', '/v1/audit/events']) {
      const res = await get(url).expect(500);
      expect(res.body).toMatchObject({ code: 'AUDIT_CHAIN_BROKEN', checkpoint: newest.toString(), position: expect.stringMatching(/^\d+$/) });
      expect(BigInt(res.body.position)).toBeLessThan(newest);
      expect(res.body.detailFa).toContain('npm run audit -- verify');
    }
  });
});
