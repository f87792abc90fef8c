import { createPool, loadConfig, startEmbeddedPostgres, type AppConfig } from '@app/platform';
import { PostgresEventStore } from '@app/event-store';
import { billingProjection } from '@app/projections';
import { createTestDatabase } from '../test/support/database';
import { closedPort } from '../test/support/ports';
import { appendContracts } from '../libs/projections/src/testing/contracts';
import { project } from '../libs/projections/src/testing/harness';
import { UsageError, progressLine, runCli } from './cli';
import { USAGE, main, parseArgs } from './projections';

jest.mock('@app/platform', () => ({
  ...jest.requireActual('@app/platform'),
  loadConfig: jest.fn(),
  createPool: jest.fn(),
  startEmbeddedPostgres: jest.fn(),
}));

const actualPlatform = jest.requireActual<typeof import('@app/platform')>('@app/platform');

/** Runs the CLI as `npm run projections -- …` does, capturing what it prints. */
async function cli(...argv: string[]) {
  const out = { stdout: '', stderr: '' };
  const code = await runCli(USAGE, main, argv, { stdout: (text) => (out.stdout += text), stderr: (text) => (out.stderr += text) });
  return { code, ...out };
}

const opened = () => [loadConfig, createPool, startEmbeddedPostgres].filter((fn) => (fn as jest.Mock).mock.calls.length > 0);

describe('projections CLI', () => {
  beforeEach(() => jest.clearAllMocks());

  it('shows position/total, events/s and ETA on the progress line', () => {
    expect(progressLine({ position: 500n, total: 1000n, events: 250, eventsPerSecond: 1234.4, etaSeconds: 2.1 })).toBe(
      '[###############...............] 500/1000  250 events  1234 ev/s  ETA 3s',
    );
    expect(progressLine({ position: 0n, total: 0n, events: 0, eventsPerSecond: 0, etaSeconds: null })).toContain('ETA ?');
  });

  it('refuses to rebuild the audit hash chain, saying why, before opening any database', async () => {
    const refusal = /^refusing to rebuild "audit_chain": it would re-hash .* hide tampering; see docs\/operations\.md/;
    await expect(main(['rebuild', 'audit_chain'])).rejects.toThrow(refusal);
    for (const opened of [loadConfig, createPool, startEmbeddedPostgres]) expect(opened).not.toHaveBeenCalled();
    expect(() => parseArgs(['rebuild', 'audit_chain'])).toThrow(refusal);
    expect(parseArgs(['rebuild', 'dashboard'])).toEqual({ command: 'rebuild', name: 'dashboard', fromAnotherStore: false });
    expect(parseArgs(['rebuild', 'dashboard', '--from-another-store'])).toEqual({ command: 'rebuild', name: 'dashboard', fromAnotherStore: true });
    expect(() => parseArgs(['status', '--from-another-store'])).toThrow(UsageError);
    expect(() => parseArgs(['drop'])).toThrow('projections: unknown command "drop"');
  });

  it('prints the usage on stdout for --help or -h, exit 0, without reading the configuration', async () => {
    for (const argv of [['--help'], ['-h'], ['rebuild', '--help']]) {
      expect(await cli(...argv)).toEqual({ code: 0, stdout: `${USAGE}\n`, stderr: '' });
    }
    expect(opened()).toEqual([]);
  });

  it('exits 2 with what is wrong and the usage on stderr for a command line it cannot run, before reading the configuration', async () => {
    const cases: [string[], string][] = [
      [[], 'projections: no command'],
      [['drop'], 'projections: unknown command "drop"'],
      [['rebuild'], 'projections rebuild: which projection?'],
      [['status', 'dashboard'], 'projections status: unexpected "dashboard"'],
      [['rebuild', 'dashboard', 'now'], 'projections rebuild: unexpected "now"'],
    ];
    for (const [argv, message] of cases) {
      expect(await cli(...argv)).toEqual({ code: 2, stdout: '', stderr: `${message}\n${USAGE}\n` });
    }
    expect(opened()).toEqual([]);
  });

  it('exits 2 naming the projections for an unknown one, before reading the configuration (a usage error wins over a configuration error)', async () => {
    // Found by an operator check: `PORT=abc projections rebuild nope` exited 1 with the PORT error.
    jest.mocked(loadConfig).mockImplementation(() => actualPlatform.loadConfig({ PORT: 'abc' }));
    const { code, stderr } = await cli('rebuild', 'dashbord');
    expect(code).toBe(2);
    expect(stderr).toMatch(/^projections rebuild: unknown projection "dashbord"; one of: .*dashboard.*notifications/);
    expect(stderr.split('\n')[0]).not.toContain('audit_chain'); // which it refuses to rebuild
    expect(opened()).toEqual([]);
  });

  it.each([
    ['EVENT_STORE=kurrentdb', { EVENT_STORE: 'kurrentdb', KURRENTDB_URL: 'kurrentdb://localhost:2113?tls=false' }],
    ['NODE_ENV=production', { NODE_ENV: 'production' }],
  ])('refuses to run without DATABASE_URL with %s instead of starting an empty embedded PostgreSQL', async (setting, env) => {
    jest.mocked(loadConfig).mockReturnValue(actualPlatform.loadConfig({ ...env, DATA_DIR: '/srv/data' }) as AppConfig);
    const { code, stderr } = await cli('status');
    expect(code).toBe(1);
    expect(stderr).toContain(`projections needs DATABASE_URL (the service's read-model database) with ${setting}`);
    expect(opened()).toEqual([loadConfig]);
  });

  it('names DATABASE_URL and its server, never the password, in one line when nothing listens there', async () => {
    // Found by an operator check: it printed a bare `connect ECONNREFUSED 127.0.0.1:5432`.
    const port = await closedPort();
    jest.mocked(loadConfig).mockReturnValue(actualPlatform.loadConfig({ DATABASE_URL: `postgres://app:s3cret@127.0.0.1:${port}/contracts` }));
    jest.mocked(createPool).mockImplementation(actualPlatform.createPool);
    const { code, stderr } = await cli('status');
    expect(code).toBe(1);
    expect(stderr).toMatch(new RegExp(`^DATABASE_URL: cannot use 127\\.0\\.0\\.1:${port}/contracts: connect ECONNREFUSED [^\\n]*\\n$`));
    expect(stderr).not.toContain('s3cret');
  });

  it('refuses a DATA_DIR without the embedded cluster instead of creating an empty one', async () => {
    // Found by an operations check: a mistyped DATA_DIR started a new cluster and printed every
    // projection "caught up" at position 0.
    jest.mocked(loadConfig).mockReturnValue(actualPlatform.loadConfig({ DATA_DIR: '/tmp/no-such-data-dir-for-projections' }) as AppConfig);
    const { code, stderr } = await cli('status');
    expect(code).toBe(1);
    expect(stderr).toContain('no embedded PostgreSQL under /tmp/no-such-data-dir-for-projections/pg');
    expect(opened()).toEqual([loadConfig]);
  });

  it('says the live tables\' version, and status of a read model ahead of the event store (its newest events gone), and exits 1, rather than "caught up"', async () => {
    // Found by an ops drill: with the newest event deleted, every projection read "caught up", exit 0.
    const db = await createTestDatabase();
    const store = await PostgresEventStore.create({ pool: db.pool });
    try {
      await appendContracts(store, 2);
      await project(db.pool, billingProjection, await store.readAll());
      jest.mocked(loadConfig).mockReturnValue(actualPlatform.loadConfig({ DATABASE_URL: db.url }) as AppConfig);
      jest.mocked(createPool).mockImplementation(actualPlatform.createPool);
      // status prints its table on the process's stdout.
      const status = async () => {
        let stdout = '';
        const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true));
        try {
          return { code: (await cli('status')).code, stdout };
        } finally {
          write.mockRestore();
        }
      };
      expect(await status()).toMatchObject({ code: 0, stdout: expect.stringMatching(new RegExp(`^billing +v${billingProjection.version} .* caught up$`, 'm')) });
      expect((await status()).stdout).toMatch(/^eligibility +v- +position 0 .* no tables yet \(this code's v\d+\)$/m);
      // The live tables' version, not the code's: an upgrade not applied yet, a rollback's newer tables.
      await db.pool.query('UPDATE projection_billing.checkpoint SET version = $1', [billingProjection.version - 1]);
      expect((await status()).stdout).toMatch(
        new RegExp(`^billing +v${billingProjection.version - 1} .* caught up  OLDER than this code's v${billingProjection.version}: rebuilt from position 0 when this version runs it`, 'm'),
      );
      await db.pool.query('UPDATE projection_billing.checkpoint SET version = $1', [billingProjection.version + 1]);
      expect((await status()).stdout).toMatch(new RegExp(`^billing +v${billingProjection.version + 1} .* NEWER than this code's v${billingProjection.version}: left to the code that made it`, 'm'));
      await db.pool.query('UPDATE projection_billing.checkpoint SET version = $1', [billingProjection.version]);
      await db.pool.query('DELETE FROM events WHERE position = (SELECT max(position) FROM events)');
      const { code, stdout } = await status();
      expect(code).toBe(1);
      expect(stdout).toMatch(/^billing .* AHEAD of the event store: events gone, or another store \(npm run audit -- verify\)$/m);
      expect(stdout).not.toMatch(/^billing .* caught up$/m);
    } finally {
      await store.close();
      await db.drop();
    }
  });

  it('rebuilds notifications on a database the service has not started on yet, creating the SMS outbox first as the service does', async () => {
    // Found by an operator check: it failed with `relation "public.sms_outbox" does not exist`.
    const db = await createTestDatabase();
    const store = await PostgresEventStore.create({ pool: db.pool });
    const stdout = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      await appendContracts(store, 2);
      jest.mocked(loadConfig).mockReturnValue(actualPlatform.loadConfig({ DATABASE_URL: db.url }) as AppConfig);
      jest.mocked(createPool).mockImplementation(actualPlatform.createPool);
      expect(await cli('rebuild', 'notifications')).toEqual({ code: 0, stdout: '', stderr: '' });
      expect(stdout).toHaveBeenCalledWith(expect.stringMatching(/^notifications: rebuilt from \d+ events/));
      const { rows } = await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM public.sms_outbox');
      expect(rows[0]!.n).toBeGreaterThan(0);
    } finally {
      stdout.mockRestore();
      stderr.mockRestore();
      await store.close();
      await db.drop();
    }
  });

  it('refuses a database without an event store, and creates nothing in it', async () => {
    const db = await createTestDatabase();
    try {
      jest.mocked(loadConfig).mockReturnValue(actualPlatform.loadConfig({ DATABASE_URL: db.url }) as AppConfig);
      jest.mocked(createPool).mockImplementation(actualPlatform.createPool);
      const { code } = await cli('status');
      expect(code).toBe(1);
      const { rows } = await db.pool.query("SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema')");
      expect(rows[0].n).toBe(0);
    } finally {
      await db.drop();
    }
  });
});
