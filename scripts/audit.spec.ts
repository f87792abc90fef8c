import { PostgresEventStore } from '@app/event-store';
import { createPool, loadConfig, startEmbeddedPostgres } from '@app/platform';
import { auditChainProjection, readAuditHead } from '@app/projections';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { appendContracts } from '../libs/projections/src/testing/contracts';
import { project } from '../libs/projections/src/testing/harness';
import { USAGE, main, runAudit } from './audit';
import { runCli } from './projections';

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
    const code = await runAudit(argv, { pool: db.pool, eventStore, out: (l) => out.push(l), progress: (l) => progress.push(l) });
    return { code, out: out.join('\n'), progress };
  }

  it('exits 0 on an intact chain, with a progress line ending at the head', async () => {
    const { code, out, progress } = await audit('verify');
    expect(code).toBe(0);
    expect(out).toContain(`6 events verified up to position ${positions.at(-1)}`);
    expect(progress.at(-1)).toContain(`${positions.at(-1)}/${positions.at(-1)}`);
    const head = await readAuditHead(db.pool);
    expect((await audit('verify', '--head', `${head.position}:${head.hash}`)).code).toBe(0);
    expect((await audit('verify', '--from', String(positions[2])))).toMatchObject({ code: 0, out: expect.stringContaining('3 events verified') });
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

  it('prints usage and exits 2 for anything else', async () => {
    for (const argv of [[], ['check'], ['verify', '--from', 'x'], ['verify', '--fast', '1']]) expect((await audit(...argv)).code).toBe(2);
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

  it('prints the usage on stdout for --help or -h, exit 0', async () => {
    expect(await cli('--help')).toEqual({ code: 0, stdout: `${USAGE}\n`, stderr: '' });
    expect(await cli('verify', '-h')).toEqual({ code: 0, stdout: `${USAGE}\n`, stderr: '' });
    expect(loadConfig).not.toHaveBeenCalled();
  });
});
