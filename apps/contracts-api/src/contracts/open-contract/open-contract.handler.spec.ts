import { ContractStreams, contractStream, type CommandContext } from '@app/contracts-app';
import { InMemoryEventStore, deterministicId } from '@app/event-store';
import { deadlineId } from '@app/projections';
import { ManualClock } from '@app/platform';
import { CONTRACT_NOW, facts, openOnline, pay } from '../../../../../libs/contracts-domain/src/testing/fixtures';
import { TransientRefusal } from '../../http/problem';
import { Reservations } from '../reservations';
import type { OpenContractDto } from './open-contract.dto';
import { OpenContractCommand, OpenContractHandler } from './open-contract.handler';
import { openCommandId, openedContractId } from './open-ids';

const context: CommandContext = {
  actor: { sub: 'applicant-1', role: 'applicant' },
  channel: 'online',
  correlationId: 'r1',
  commandId: deterministicId('command', 'scope', 'key-1'),
};
const contractIdOf = (commandId: string) => openedContractId(openCommandId(commandId, facts().nationalCode));
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

  const ENDS = [
    // Never paid: void from day 21 (2026-12-21T20:30Z).
    ['lapse', false, 'MarkLapsed', 'ContractLapsed', '2026-12-21T20:30:00.000Z', '2026-12-21T20:29:00Z', '2026-12-21T20:31:00Z'],
    // Paid for 1405-09 only: cancellable from 1406/01/01 (2027-03-20T20:30Z).
    ['cancellation', true, 'CancelForNonPayment', 'ContractCancelled', '2027-03-20T20:30:00.000Z', '2027-03-20T20:29:00Z', '2027-03-20T20:31:00Z'],
  ] as const;

  /** The person's contract, paid once if `paid`, and an open for them again at `now`. */
  async function heldThen(paid: boolean) {
    const { store, clock, handler } = setup();
    const first = await handler().execute(new OpenContractCommand(facts(), body, context));
    if (paid) await new ContractStreams(store, clock).execute(first.state.id, pay(1), { ...context, commandId: 'pay-1' });
    const openAt = async (now: string, key: string) => {
      clock.set(new Date(now));
      const again = openOnline({ now }).data;
      const anotherBody = { ...again, acceptTerms: { version: again.acceptedTermsVersion } } as unknown as OpenContractDto;
      return handler().execute(new OpenContractCommand(facts(), anotherBody, { ...context, correlationId: key, commandId: deterministicId('command', 'scope', key) }));
    };
    const types = async () => (await store.readStream(contractStream(first.state.id))).map((event) => event.type);
    return { store, clock, first, openAt, types };
  }

  it.each(ENDS)("a contract whose %s is due frees the person's slot, the open recording it as the runner would", async (_what, paid, command, ended, dueAt, before, after) => {
    const { store, first, openAt, types } = await heldThen(paid);
    await expect(openAt(before, 'key-before')).rejects.toMatchObject({ code: 'ACTIVE_CONTRACT_EXISTS' });
    const second = await openAt(after, 'key-after');
    expect(second.state.id).not.toBe(first.state.id);
    const recorded = (await store.readStream(contractStream(first.state.id))).at(-1)!;
    expect([recorded.type, recorded.metadata.commandId]).toEqual([ended, deadlineId(first.state.id, command, dueAt)]);
    expect(await types()).toEqual(paid ? ['ContractOpened', 'PaymentConfirmed', ended] : ['ContractOpened', ended]);
  });

  it.each(ENDS)('a payment decided a moment before the %s and appended after an open took the slot is refused: never two live contracts', async (_what, paid, _command, ended, _dueAt, before, after) => {
    const { store, first, openAt, types } = await heldThen(paid);
    // Another replica, its clock a minute behind, decides a payment whose append is held until the open is done.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const slowStore = new Proxy(store, {
      get: (target, property: keyof InMemoryEventStore) =>
        property === 'append'
          ? async (...args: Parameters<InMemoryEventStore['append']>) => (await held, target.append(...args))
          : typeof target[property] === 'function'
            ? (target[property] as (...args: unknown[]) => unknown).bind(target)
            : target[property],
    });
    const replica = new ContractStreams(slowStore, new ManualClock(new Date(before)));
    const payment = replica.execute(first.state.id, pay(1, { bankReference: 'BR-2', paidAt: before }), { ...context, commandId: 'pay-2' });
    await new Promise((resolve) => setImmediate(resolve));
    const second = await openAt(after, 'key-after');
    release();
    await expect(payment).rejects.toMatchObject({ code: expect.stringMatching(/^(PAYMENT_DEADLINE_PASSED|CONTRACT_NOT_ACTIVE)$/) });
    expect(second.state.id).not.toBe(first.state.id);
    expect((await types()).at(-1)).toBe(ended);
  });

  /** The store, whose next `stalls` reservation appends each take `stallMs` (a stalled process), and `afterStall` runs then. */
  function stallingReservations(stalls: number, stallMs = 31_000, afterStall: (clock: ManualClock) => Promise<unknown> = async () => undefined) {
    const { store, clock, handler } = setup();
    const append = store.append.bind(store);
    store.append = async (stream, events, expected) => {
      const result = await append(stream, events, expected);
      if (stalls > 0 && stream.startsWith('insured-')) {
        stalls -= 1;
        clock.set(new Date(clock.now().getTime() + stallMs));
        await afterStall(clock);
      }
      return result;
    };
    return { store, clock, handler, contractId: contractIdOf(context.commandId) };
  }

  it('an open that stalled past half the abandonment age between its two writes renews its reservation, then concludes', async () => {
    const { store, handler, contractId } = stallingReservations(1);
    const opened = await handler().execute(new OpenContractCommand(facts(), body, context));
    expect(opened.state.id).toBe(contractId);
    expect((await store.readStream('insured-' + facts().nationalCode)).map((e) => e.data.contractId)).toEqual([contractId, contractId]);
  });

  it('stalled past the abandonment age while another open took the slot over, its renewal is refused: one contract', async () => {
    let other: string | undefined;
    const { store, handler, contractId } = stallingReservations(1, 61_000, async (clock) => {
      const now = clock.now().toISOString();
      const data = openOnline({ now }).data;
      const otherBody = { ...data, acceptTerms: { version: data.acceptedTermsVersion } } as unknown as OpenContractDto;
      other = (await handler().execute(new OpenContractCommand(facts(), otherBody, { ...context, correlationId: 'o', commandId: deterministicId('command', 'scope', 'other') }))).state.id;
    });
    await expect(handler().execute(new OpenContractCommand(facts(), body, context))).rejects.toMatchObject({ code: 'ACTIVE_CONTRACT_EXISTS' });
    expect(await store.readStream(contractStream(contractId))).toEqual([]);
    expect(await store.readStream(contractStream(other!))).toHaveLength(1);
  });

  it('stalled twice, it gives up (503) and writes no contract; its retry concludes', async () => {
    const { store, handler, contractId } = stallingReservations(2);
    await expect(handler().execute(new OpenContractCommand(facts(), body, context))).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    expect(await store.readStream(contractStream(contractId))).toEqual([]);
    const retried = await handler().execute(new OpenContractCommand(facts(), body, { ...context, correlationId: 'r2' }));
    expect(retried.state.id).toBe(contractId);
  });

  it('an open checked a moment before Iran midnight is decided at that instant, not refused after it reserved', async () => {
    // Found by a black-box race: the check passed at 20:29:59Z, the reservation was written, and
    // the decision at 20:30:01Z refused the quote (its start day had become yesterday), leaving a
    // reservation that told the applicant's next open ACTIVE_CONTRACT_EXISTS for a minute.
    const { store, clock, handler, contractId } = stallingReservations(1, 2_000);
    const checkedAt = '2026-12-01T20:29:59Z';
    clock.set(new Date(checkedAt));
    const data = openOnline({ now: checkedAt }).data;
    const lastMinuteBody = { ...data, acceptTerms: { version: data.acceptedTermsVersion } } as unknown as OpenContractDto;
    const opened = await handler().execute(new OpenContractCommand(facts(), lastMinuteBody, context));
    expect(opened.state.id).toBe(contractId);
    expect(opened.state.contractDate).toBe('2026-12-01');
    const [event] = await store.readStream(contractStream(contractId));
    expect(event!.metadata.occurredAt).toBe('2026-12-01T20:29:59.000Z');
  });

  it("a branch officer's open records the officer's branch on the reservation, as on the contract, and the metadata's shape", async () => {
    // Found by audit reviews: the ContractReserved of a branch open had no branchId, nor a schemaVersion.
    const { store, handler } = setup();
    const officer = { ...context, actor: { sub: 'officer-1', role: 'branch_officer' }, channel: 'branch', branchId: '1201' };
    await handler().execute(new OpenContractCommand(facts(), body, officer));
    const [reserved] = await store.readStream('insured-' + facts().nationalCode);
    expect(reserved!.metadata).toMatchObject({ branchId: '1201', actor: { role: 'branch_officer' }, schemaVersion: 1 });
  });

  it('an open refused by another still under way (its contract not written yet) is refused for now only, online or at a branch', async () => {
    const { store, handler } = setup();
    const held = deterministicId('contract', 'crashed');
    const at = new Date(CONTRACT_NOW);
    const metadata = { eventId: 'r-0', commandId: 'c-0', correlationId: 'c', actor: { sub: 's', role: 'applicant' }, channel: 'online', occurredAt: at.toISOString() };
    await new Reservations(store).reserve(facts().nationalCode, held, 'r-0', metadata, at, async () => 'missing');
    const officer = { ...context, actor: { sub: 'officer-1', role: 'branch_officer' }, channel: 'branch', branchId: '1201' };
    const online = new OpenContractCommand(facts(), body, context);
    const atBranch = new OpenContractCommand(facts(), { ...body, nationalCode: facts().nationalCode, documents: [] } as never, officer, '1201');
    for (const command of [online, atBranch]) {
      const refusal = await handler().execute(command).catch((error: unknown) => error);
      expect(refusal).toBeInstanceOf(TransientRefusal);
      expect(refusal).toMatchObject({ code: 'ACTIVE_CONTRACT_EXISTS' });
    }
  });

  it('an open whose contract does not exist is still refused by the check', async () => {
    const { store, clock, handler } = setup();
    clock.set(NEXT_DAY);
    await expect(handler().execute(new OpenContractCommand(facts(), body, context))).rejects.toMatchObject({ code: 'QUOTE_MISMATCH' });
    expect(await store.readStream(contractStream(contractIdOf(context.commandId)))).toEqual([]);
  });
});
