import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database';
import { compileLibs } from '../../projections/src/testing/child-process';
import { waitFor } from '../../projections/src/testing/wait';
import { migrateOutbox } from './outbox';
import { GatewayServer } from './testing/gateway-server';
import { MOBILE, outboxMessage, outboxRow, pendingCount, seedOutbox } from './testing/outbox-fixtures';

const ROOT = resolve(__dirname, '../../..');

/**
 * A real dispatcher process killed with SIGKILL while the gateway holds its request. The libs are
 * compiled with the swc CLI into a temp folder (as the projector process specs do), and the
 * child runs `libs/notifications/src/testing/child-dispatcher.js` from there.
 */
describe('dispatcher process killed mid-send', () => {
  let compiled: Awaited<ReturnType<typeof compileLibs>>;
  let db: TestDatabase;
  let gateway: GatewayServer;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    compiled = await compileLibs();
  }, 120_000);
  afterAll(() => compiled.remove());
  beforeEach(async () => {
    db = await createTestDatabase();
    await migrateOutbox(db.pool);
  });
  afterEach(async () => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
    await gateway.close();
    await db.drop();
  });

  function spawnDispatcher(): { child: ChildProcess; output: string[] } {
    const child = spawn(process.execPath, [join(compiled.dir, 'libs/notifications/src/testing/child-dispatcher.js')], {
      env: {
        ...process.env,
        NODE_PATH: join(ROOT, 'node_modules'),
        DATABASE_URL: db.url,
        SMS_GATEWAY_URL: gateway.url,
        BUSINESS_NOW: '2026-12-01T09:00:00Z',
        LEASE_MS: '1500',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const output: string[] = [];
    child.stdout!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    children.push(child);
    return { child, output };
  }

  it('re-sends, with the same messageId, only the message whose delivery was not recorded', async () => {
    const messages = await seedOutbox(db.pool, Array.from({ length: 10 }, () => outboxMessage()));
    let held: string | undefined;
    // The 4th request is held unanswered: the process dies holding that message.
    gateway = await GatewayServer.start((messageId) => {
      if (gateway.requests.length === 3) held = messageId;
      return messageId === held ? 'hang' : 200;
    });
    const first = spawnDispatcher();
    await waitFor(async () => held !== undefined, 'the gateway to hold a request', 30_000);
    const exited = new Promise((done) => first.child.on('exit', done));
    first.child.kill('SIGKILL');
    await exited;

    const recorded = messages.filter((m) => gateway.accepted(m.messageId) === 1).map((m) => m.messageId);
    expect(recorded).toHaveLength(3);
    for (const id of recorded) expect((await outboxRow(db.pool, id)).status).toBe('sent');
    expect((await outboxRow(db.pool, held!)).status).toBe('pending');

    gateway.answerWith(() => 200);
    const second = spawnDispatcher();
    await waitFor(async () => (await pendingCount(db.pool)) === 0, 'the restarted dispatcher to send the rest', 30_000);

    for (const message of messages) {
      expect(gateway.accepted(message.messageId)).toBe(1);
      expect((await outboxRow(db.pool, message.messageId)).status).toBe('sent');
    }
    // The recorded ones went once; the one in flight at the kill went again, after its lease, unchanged.
    for (const id of recorded) expect(gateway.attempts(id)).toHaveLength(1);
    expect(gateway.attempts(held!).map((r) => [r.messageId, r.to, r.answered])).toEqual([
      [held, MOBILE, 'hang'],
      [held, MOBILE, 200],
    ]);
    expect(gateway.requests).toHaveLength(11);
    expect([...first.output, ...second.output].join('')).not.toContain(MOBILE.slice(-7));
  });
});
