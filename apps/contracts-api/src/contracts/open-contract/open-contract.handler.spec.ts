import { ContractStreams, contractStream, type CommandContext } from '@app/contracts-app';
import { InMemoryEventStore, deterministicId } from '@app/event-store';
import { ManualClock } from '@app/platform';
import { CONTRACT_NOW, facts, openOnline } from '../../../../../libs/contracts-domain/src/testing/fixtures';
import { Reservations } from '../reservations';
import type { OpenContractDto } from './open-contract.dto';
import { OpenContractCommand, OpenContractHandler } from './open-contract.handler';

const context: CommandContext = {
  actor: { sub: 'applicant-1', role: 'applicant' },
  channel: 'online',
  correlationId: 'r1',
  commandId: deterministicId('command', 'scope', 'key-1'),
};
const body = { ...openOnline().data, acceptTerms: { version: openOnline().data.acceptedTermsVersion } } as unknown as OpenContractDto;
const NEXT_DAY = new Date(Date.parse(CONTRACT_NOW) + 24 * 3600_000);

function setup() {
  const store = new InMemoryEventStore();
  const clock = new ManualClock(new Date(CONTRACT_NOW));
  let n = 0;
  const numbers = { next: async () => String(1405_000_100 + n++) };
  // A new handler each time: a retry runs in another process, which remembers nothing.
  const handler = () => new OpenContractHandler(new ContractStreams(store, clock), new Reservations(store), numbers, clock);
  return { store, clock, handler };
}

describe('OpenContractHandler', () => {
  it('an open retried after a crash, on a day its quote no longer holds, is answered from its contract', async () => {
    const { store, clock, handler } = setup();
    const first = await handler().execute(new OpenContractCommand(facts(), body, context));
    // The process died before the answer was stored; the client retries with its key the next day.
    clock.set(NEXT_DAY);
    const retry = await handler().execute(new OpenContractCommand(facts(), body, { ...context, correlationId: 'r2' }));
    expect(retry).toEqual({ state: first.state, revision: first.revision, appended: [] });
    expect(await store.readStream(contractStream(first.state.id))).toHaveLength(1);
  });

  it("a contract whose lapse is due frees the person's slot before the runner records it", async () => {
    const { clock, handler } = setup();
    await handler().execute(new OpenContractCommand(facts(), body, context)); // never paid: void from day 21
    const day21 = '2026-12-22T08:00:00Z';
    clock.set(new Date(day21));
    const again = openOnline({ now: day21 }).data;
    const anotherBody = { ...again, acceptTerms: { version: again.acceptedTermsVersion } } as unknown as OpenContractDto;
    const second = await handler().execute(
      new OpenContractCommand(facts(), anotherBody, { ...context, correlationId: 'r2', commandId: deterministicId('command', 'scope', 'key-2') }),
    );
    expect(second.state.contractDate).toBe('2026-12-22');
  });

  it('an open that stalled past half the abandonment age between its two writes gives up (503); its retry concludes', async () => {
    const { store, clock, handler } = setup();
    // The reservation's append takes 31 s (a stalled process): another open could soon take the slot over.
    const append = store.append.bind(store);
    let stall = true;
    store.append = async (stream, events, expected) => {
      const result = await append(stream, events, expected);
      if (stall && stream.startsWith('insured-')) clock.set(new Date(clock.now().getTime() + 31_000));
      return result;
    };
    await expect(handler().execute(new OpenContractCommand(facts(), body, context))).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    const contractId = deterministicId(context.commandId, 'contract');
    expect(await store.readStream(contractStream(contractId))).toEqual([]);
    stall = false;
    const retried = await handler().execute(new OpenContractCommand(facts(), body, { ...context, correlationId: 'r2' }));
    expect(retried.state.id).toBe(contractId);
  });

  it('an open whose contract does not exist is still refused by the check', async () => {
    const { store, clock, handler } = setup();
    clock.set(NEXT_DAY);
    await expect(handler().execute(new OpenContractCommand(facts(), body, context))).rejects.toMatchObject({ code: 'QUOTE_MISMATCH' });
    expect(await store.readStream(contractStream(deterministicId(context.commandId, 'contract')))).toEqual([]);
  });
});
