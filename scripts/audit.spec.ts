import { PostgresEventStore } from '@app/event-store';
import { createPool, loadConfig, startEmbeddedPostgres } from '@app/platform';
import { auditChainProjection, readAuditHead } from '@app/projections';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { appendContracts } from '../libs/projections/src/testing/contracts';
import { project } from '../libs/projections/src/testing/harness';
import { USAGE, main, parseAuditArgs, runAudit } from './audit';
import { UsageError, runCli } from './cli';

jest.mock('@app/platform', () => {
  const actual = jest.requireActual<typeof import('@app/platform')>('@app/platform');
  // Never a real embedded server here: under the default DATA_DIR it would initialise .data/pg.
  const embedded = jest.fn(async () => Promise.reject(new Error('the test would have started the embedded PostgreSQL')));
  return { ...actual, loadConfig: jest.fn(actual.loadConfig), createPool: jest.fn(actual.createPool), startEmbeddedPostgres: embedded };
});

describe('npm run audit -- verify', () => {
  let db: TestDatabase;
  let eventStore: PostgresEventStore;
  let positions: bigint[];

  beforeEach(async () => {
    db = await createTestDatabase();
    eventStore = await PostgresEventStore.create({ pool: db.pool });
    await appendContracts(eventStore, 4);
    const events = await eventStore.readAll();
    positions = events.map((e) => e.position);
    await project(db.pool, auditChainProjection, events);
  });
  afterEach(async () => {
    await eventStore.close();
    await db.drop();
  });

  async function audit(...argv: string[]) {
    const out: string[] = [];
    const progress: string[] = [];
    const code = await runAudit(parseAuditArgs(argv), { pool: db.pool, eventStore, out: (l) => out.push(l), progress: (l) => progress.push(l) });
    return { code, out: out.join('\n'), progress };
  }

  it('exits 0 on an intact chain, with a progress line ending at the head', async () => {
    const { code, out, progress } = await audit('verify');
    expect(code).toBe(0);
    expect(out).toContain(`6 events verified up to position ${positions.at(-1)}`);
    expect(progress.at(-1)).toContain(`${positions.at(-1)}/${positions.at(-1)}`);
    const head = await readAuditHead(db.pool);
    expect((await audit('verify', '--head', `${head.position}:${head.hash}`)).code).toBe(0);
    expect((await audit('verify', '--head', `${head.position}:${head.hash!.toUpperCase()}`)).code).toBe(0); // hex in either case
    expect((await audit('verify', '--from', String(positions[2])))).toMatchObject({ code: 0, out: expect.stringContaining('3 events verified') });
  });

  it('exits 1 for a --from past what the chain has hashed, rather than "OK" for nothing verified', async () => {
    const past = positions.at(-1)! + 1n;
    expect(await audit('verify', '--from', String(past))).toEqual({
      code: 1,
      out: `audit verify: --from ${past} is past the chain's checkpoint (${positions.at(-1)}): nothing there has been hashed yet to verify`,
      progress: [],
    });
    expect(await audit('verify', '--from', String(positions.at(-1)))).toMatchObject({ code: 0, out: expect.stringContaining('0 events verified') });
  });

  it('exits 1 naming exactly the position whose payload was altered in PostgreSQL', async () => {
    await db.pool.query(`UPDATE events SET data = jsonb_set(data, '{monthlyPremium}', '1') WHERE position = $1`, [positions[3]]);
    const { code, out } = await audit('verify');
    expect(code).toBe(1);
    expect(out).toMatch(new RegExp(`^audit chain BROKEN at position ${positions[3]}: event does not match`));
  });

  it('exits 1 naming the position of a deleted event', async () => {
    await db.pool.query('DELETE FROM events WHERE position = $1', [positions.at(-1)]);
    const { code, out } = await audit('verify');
    expect(code).toBe(1);
    expect(out).toMatch(new RegExp(`^audit chain BROKEN at position ${positions.at(-1)}: event is missing`));
  });

  it('exits 1 when the chain no longer ends at the head kept elsewhere', async () => {
    const { code, out } = await audit('verify', '--head', `${positions.at(-1)}:${'a'.repeat(64)}`);
    expect(code).toBe(1);
    expect(out).toContain(`BROKEN at position ${positions.at(-1)}`);
  });

  it('refuses anything else as a command line it cannot run', () => {
    for (const argv of [[], ['check'], ['verify', '--from', 'x'], ['verify', '--fast', '1']]) expect(() => parseAuditArgs(argv)).toThrow(UsageError);
  });
});

describe('npm run audit (command line)', () => {
  beforeEach(() => jest.clearAllMocks());

  async function cli(...argv: string[]) {
    const out = { stdout: '', stderr: '' };
    const code = await runCli(USAGE, main, argv, { stdout: (text) => (out.stdout += text), stderr: (text) => (out.stderr += text) });
    return { code, ...out };
  }

  it('exits 2 for a typo, with what is wrong and the usage on stderr, before reading the configuration or starting PostgreSQL', async () => {
    expect(await cli('verfy')).toEqual({ code: 2, stdout: '', stderr: `audit: unknown command "verfy"\n${USAGE}\n` });
    expect(await cli('verify', '--from', 'x')).toMatchObject({ code: 2, stderr: `audit verify: --from needs a position, got "x"\n${USAGE}\n` });
    expect(await cli('verify', '--fast', '1')).toMatchObject({ code: 2, stderr: expect.stringContaining('unknown option "--fast"') });
    for (const opened of [loadConfig, createPool, startEmbeddedPostgres]) expect(opened).not.toHaveBeenCalled();
  });

  it('refuses to run without DATABASE_URL with EVENT_STORE=kurrentdb instead of starting an empty embedded PostgreSQL', async () => {
    const actual = jest.requireActual<typeof import('@app/platform')>('@app/platform');
    jest.mocked(loadConfig).mockReturnValue(actual.loadConfig({ EVENT_STORE: 'kurrentdb', KURRENTDB_URL: 'kurrentdb://localhost:2113?tls=false', DATA_DIR: '/srv/data' }));
    const { code, stderr } = await cli('verify');
    expect(code).toBe(1);
    expect(stderr).toContain("audit needs DATABASE_URL (the service's read-model database) with EVENT_STORE=kurrentdb");
    for (const opened of [createPool, startEmbeddedPostgres]) expect(opened).not.toHaveBeenCalled();
  });

  it('reads the store without writing it: a database without one is refused, and nothing is created in it', async () => {
    // Found by an auditor review: verify ran the event store's migrations, so a read-only account
    // could not run it, and a mistyped DATABASE_URL gained an empty store that then looked sound.
    const db = await createTestDatabase();
    try {
      const actual = jest.requireActual<typeof import('@app/platform')>('@app/platform');
      jest.mocked(loadConfig).mockReturnValue(actual.loadConfig({ DATABASE_URL: db.url }));
      expect((await cli('verify')).code).toBe(1);
      const { rows } = await db.pool.query("SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema')");
      expect(rows[0].n).toBe(0);
    } finally {
      await db.drop();
    }
  });

  it('prints the usage on stdout for --help or -h, exit 0', async () => {
    expect(await cli('--help')).toEqual({ code: 0, stdout: `${USAGE}\n`, stderr: '' });
    expect(await cli('verify', '-h')).toEqual({ code: 0, stdout: `${USAGE}\n`, stderr: '' });
    expect(loadConfig).not.toHaveBeenCalled();
  });
});
