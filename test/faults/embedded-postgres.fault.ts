import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { call, tokenFor } from './support/http';
import { writeLoadRegistry } from './support/registry';
import { recordFigures, scratchDir } from './support/report';
import { ServiceProcess, sleep } from './support/service';

/**
 * `npm start` without DATABASE_URL: the service runs its own PostgreSQL under DATA_DIR. Killed, it
 * must start again by itself; left without its server, it must not linger half alive.
 */
describe('embedded PostgreSQL under SIGKILL', () => {
  let scratch: Awaited<ReturnType<typeof scratchDir>>;
  let service: ServiceProcess;
  let people: string[];

  beforeAll(async () => {
    scratch = await scratchDir('faults-embedded-');
    const registryFile = join(scratch.path, 'registry.json');
    people = await writeLoadRegistry(registryFile, 2);
    service = await ServiceProcess.create({ dataDir: scratch.path, registryFile });
    await service.start();
  });

  afterAll(async () => {
    await service?.stop();
    await scratch?.remove();
  });

  const serverPid = async () => Number((await readFile(join(scratch.path, 'pg', 'postmaster.pid'), 'utf8')).split('\n')[0]);

  async function openContract(nationalCode: string): Promise<string> {
    const token = tokenFor({ role: 'applicant', sub: 'embedded', nationalCode });
    const quote = await call(service.baseUrl, 'POST', '/v1/quotes', { token, body: { requestedMonthlyPremium: 30_000_000 } });
    const terms = await call(service.baseUrl, 'GET', '/v1/terms', { token });
    const { premiumRate, wageBasis, startDate } = quote.body;
    const opened = await call(service.baseUrl, 'POST', '/v1/contracts', {
      token,
      body: { requestedMonthlyPremium: 30_000_000, acceptTerms: { version: terms.body.version }, confirm: { premiumRate, wageBasis, startDate } },
    });
    expect(opened.status).toBe(201);
    return opened.body.id as string;
  }

  const contractStatus = async (id: string) => (await call(service.baseUrl, 'GET', `/v1/contracts/${id}`, { token: tokenFor({ role: 'auditor', sub: 'a' }) })).status;

  it('killed, the service starts again on its folder: the server it left running is stopped first', async () => {
    const id = await openContract(people[0]!);
    const left = await serverPid();
    await service.kill(); // its server lives on, handed to init
    const started = performance.now();
    await service.start();
    const restartMs = Math.round(performance.now() - started);
    expect(await serverPid()).not.toBe(left);
    expect(await contractStatus(id)).toBe(200);
    expect(service.crashes).toEqual([]);
    await recordFigures('embedded-postgres-restart', { restartMs });
  });

  it('when its server is killed under it, the service exits (1) saying why, and starts again with its data', async () => {
    const id = await openContract(people[1]!);
    process.kill(await serverPid(), 'SIGKILL');
    for (let waited = 0; service.crashes.length === 0 && waited < 30_000; waited += 100) await sleep(100);
    expect(service.crashes).toHaveLength(1);
    expect(service.crashes[0]).toMatch(/^exit 1:/);
    expect(service.crashes[0]).toContain('embedded PostgreSQL exited unexpectedly');
    service.crashes.length = 0;
    await service.start();
    expect(await contractStatus(id)).toBe(200);
  });
});
