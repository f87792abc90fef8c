import { ConcurrencyError, InMemoryEventStore, type ReadStreamOptions, type FoldableEvent } from '@app/event-store';
import { ManualClock } from '@app/platform';
import { CONTRACT_ID, CONTRACT_NOW, openOnline, pay } from '../../contracts-domain/src/testing/fixtures';
import { ContractStreams, fold, type CommandContext } from './contract-streams';

const context: CommandContext = {
  actor: { sub: 'applicant-1', role: 'applicant' },
  channel: 'online',
  correlationId: 'request-1',
  commandId: 'a-command-id-derived-from-an-idempotency-key',
};

describe('ContractStreams', () => {
  it('answers a retried command that was appended before (its process died before answering) with the stored state, not a refusal', async () => {
    const store = new InMemoryEventStore();
    const streams = new ContractStreams(store, new ManualClock(new Date(CONTRACT_NOW)));
    const first = await streams.execute(CONTRACT_ID, openOnline(), context);

    // The retry carries the same command id; deciding OpenContractOnline again would say CONTRACT_ALREADY_OPENED.
    const retry = await streams.execute(CONTRACT_ID, openOnline(), { ...context, correlationId: 'request-2', ifMatch: undefined });

    expect(retry.appended).toEqual([]);
    expect(retry.state).toEqual(first.state);
    expect(retry.revision).toBe(first.revision);
    expect((await store.readStream(`contract-${CONTRACT_ID}`)).length).toBe(first.appended.length);
  });

  it('still refuses the same command under another command id', async () => {
    const streams = new ContractStreams(new InMemoryEventStore(), new ManualClock(new Date(CONTRACT_NOW)));
    await streams.execute(CONTRACT_ID, openOnline(), context);
    await expect(streams.execute(CONTRACT_ID, openOnline(), { ...context, commandId: 'another-request' })).rejects.toMatchObject({ code: 'CONTRACT_ALREADY_OPENED' });
  });

  it("records in the metadata the bank that confirmed a payment, as it does an officer's branch", async () => {
    const store = new InMemoryEventStore();
    const streams = new ContractStreams(store, new ManualClock(new Date(CONTRACT_NOW)));
    const opened = await streams.execute(CONTRACT_ID, openOnline(), context);
    const bank: CommandContext = { ...context, actor: { sub: 'bank-1', role: 'bank' }, channel: 'bank', bankId: 'mellat', commandId: 'payment-1' };
    await streams.execute(CONTRACT_ID, pay(1, { amount: opened.state.monthlyPremium }), bank);
    const [openedEvent, paid] = await store.readStream(`contract-${CONTRACT_ID}`);
    expect(paid!.metadata).toMatchObject({ actor: { sub: 'bank-1', role: 'bank' }, channel: 'bank', bankId: 'mellat' });
    expect(paid!.metadata).not.toHaveProperty('branchId');
    expect(openedEvent!.metadata).not.toHaveProperty('bankId'); // an applicant's command: neither claim
    expect(openedEvent!.metadata).not.toHaveProperty('branchId');
  });

  it('takes commands on one contract in turn within a process: concurrent ones without If-Match all land, none lost to a race', async () => {
    const store = new InMemoryEventStore();
    const streams = new ContractStreams(store, new ManualClock(new Date(CONTRACT_NOW)));
    await streams.execute(CONTRACT_ID, openOnline(), context);
    const wages = Array.from({ length: 16 }, (_, n) => 31_000_000 + n * 100_000);
    const outcomes = await Promise.allSettled(
      wages.map((requestedMonthlyPremium, n) =>
        streams.execute(CONTRACT_ID, { type: 'ChangeWage', data: { requestedMonthlyPremium } }, { ...context, commandId: `wage-${n}` }),
      ),
    );
    expect(outcomes.filter((outcome) => outcome.status === 'rejected')).toEqual([]);
    expect((await store.readStream(`contract-${CONTRACT_ID}`)).length).toBe(1 + wages.length);
  });

  it('given another process wins every race for the contract, a command without If-Match is refused with the conflict after 3 attempts', async () => {
    /** Before each append of this process, another process changes the wage first. */
    class RivalledStore extends InMemoryEventStore {
      rival?: ContractStreams;
      rivalWins = 0;
      private rivalling = false;
      override async append(...args: Parameters<InMemoryEventStore['append']>) {
        if (this.rival && !this.rivalling) {
          this.rivalling = true;
          this.rivalWins += 1;
          const change = { type: 'ChangeWage' as const, data: { requestedMonthlyPremium: 40_000_000 + this.rivalWins * 100_000 } };
          await this.rival.execute(CONTRACT_ID, change, { ...context, commandId: `rival-${this.rivalWins}` }).finally(() => (this.rivalling = false));
        }
        return super.append(...args);
      }
    }
    const store = new RivalledStore();
    const streams = new ContractStreams(store, new ManualClock(new Date(CONTRACT_NOW)));
    await streams.execute(CONTRACT_ID, openOnline(), context);
    store.rival = new ContractStreams(store, new ManualClock(new Date(CONTRACT_NOW)));
    const change = streams.execute(CONTRACT_ID, { type: 'ChangeWage', data: { requestedMonthlyPremium: 31_000_000 } }, { ...context, commandId: 'mine' });
    await expect(change).rejects.toBeInstanceOf(ConcurrencyError);
    // The first attempt decided on this process's remembered state (not counted), then three on the stored one.
    expect(store.rivalWins).toBe(4);
  });

  describe('deciding on what this process last saw (no read before the append)', () => {
    /** An in-memory store that counts stream reads: the round trips the guess saves. */
    class CountingStore extends InMemoryEventStore {
      reads = 0;
      readOptions: (ReadStreamOptions | undefined)[] = [];
      override readFoldable(streamId: string, options?: ReadStreamOptions): Promise<FoldableEvent[]> {
        this.reads += 1;
        this.readOptions.push(options);
        return super.readFoldable(streamId, options);
      }
    }
    const clock = () => new ManualClock(new Date(CONTRACT_NOW));
    const wage = (requestedMonthlyPremium: number) => ({ type: 'ChangeWage' as const, data: { requestedMonthlyPremium } });
    const nextContext = (commandId: string, ifMatch?: number): CommandContext => ({ ...context, commandId, ...(ifMatch === undefined ? {} : { ifMatch: [ifMatch] }) });

    it('opens without reading the new stream, and changes the contract it just wrote without reading it back', async () => {
      const store = new CountingStore();
      const streams = new ContractStreams(store, clock());
      await streams.execute(CONTRACT_ID, openOnline(), context);
      const changed = await streams.execute(CONTRACT_ID, wage(32_000_000), nextContext('wage-1'));

      expect(store.reads).toBe(0);
      expect(changed.revision).toBe(1);
      expect(changed.state).toEqual((await streams.load(CONTRACT_ID)).state);
    });

    it('reads a contract it remembers from after what it remembers, and sees what another process appended', async () => {
      const store = new CountingStore();
      const here = new ContractStreams(store, clock());
      await here.execute(CONTRACT_ID, openOnline(), context);
      const elsewhere = new ContractStreams(store, clock());
      const { state: changed } = await elsewhere.execute(CONTRACT_ID, wage(32_000_000), nextContext('wage-elsewhere'));
      await elsewhere.execute(CONTRACT_ID, pay(1, { amount: changed.monthlyPremium }), nextContext('payment-elsewhere'));
      store.readOptions = [];

      const loaded = await here.load(CONTRACT_ID);
      const again = await here.load(CONTRACT_ID);

      expect(store.readOptions).toEqual([{ fromRevision: 1 }, { fromRevision: 3 }]);
      expect(loaded.revision).toBe(2);
      expect(again).toEqual(loaded);
      expect(loaded.state).toEqual(fold(await store.readFoldable(`contract-${CONTRACT_ID}`)));
      // What it read counts for retries too: the other process's wage change is answered from it,
      // without reading anything (decided again after the payment, it would be refused first).
      const reads = store.reads;
      const retried = await here.execute(CONTRACT_ID, wage(32_000_000), nextContext('wage-elsewhere'));
      expect(retried).toEqual({ state: loaded.state, revision: 2, appended: [] });
      expect(store.reads).toBe(reads);
    });

    it('given another process changed the contract, a command decided on the stale state is decided again on the stored one, not refused', async () => {
      const store = new InMemoryEventStore();
      const here = new ContractStreams(store, clock());
      const elsewhere = new ContractStreams(store, clock());
      await here.execute(CONTRACT_ID, openOnline(), context);
      const { state: changed } = await elsewhere.execute(CONTRACT_ID, wage(32_000_000), nextContext('wage-elsewhere'));

      // On the state `here` remembers, this amount is wrong (AMOUNT_MISMATCH); on the stored one it is exact.
      const paid = await here.execute(CONTRACT_ID, pay(1, { amount: changed.monthlyPremium }), nextContext('payment-1'));

      expect(paid.appended.map((event) => event.type)).toContain('PaymentConfirmed');
      expect(paid.revision).toBe((await store.readStream(`contract-${CONTRACT_ID}`)).at(-1)!.revision);
    });

    it('given another process changed the contract, an If-Match of the stored revision is accepted, not answered 412', async () => {
      const store = new InMemoryEventStore();
      const here = new ContractStreams(store, clock());
      await here.execute(CONTRACT_ID, openOnline(), context);
      const other = await new ContractStreams(store, clock()).execute(CONTRACT_ID, wage(32_000_000), nextContext('wage-elsewhere'));

      const changed = await here.execute(CONTRACT_ID, wage(34_000_000), nextContext('wage-here', other.revision));

      expect(changed.revision).toBe(other.revision + 1);
      await expect(here.execute(CONTRACT_ID, wage(36_000_000), nextContext('stale-if-match', other.revision))).rejects.toMatchObject({
        code: 'PRECONDITION_FAILED',
        currentRevision: other.revision + 1,
      });
    });

    describe('given another process changed the contract, a command this process would decide changes nothing is decided again on the stored state', () => {
      /** `here` remembers the contract as opened; another process then changes it. */
      async function remembered(change: (elsewhere: ContractStreams, premium: number) => Promise<unknown>) {
        const store = new InMemoryEventStore();
        const here = new ContractStreams(store, clock());
        const opened = await here.execute(CONTRACT_ID, openOnline(), context);
        await change(new ContractStreams(store, clock()), opened.state.monthlyPremium);
        return { here, opened, stored: () => new ContractStreams(store, clock()).load(CONTRACT_ID) };
      }

      it('a wage change back to the remembered wage is appended, not lost', async () => {
        const { here, opened, stored } = await remembered((elsewhere) => elsewhere.execute(CONTRACT_ID, wage(32_000_000), nextContext('wage-elsewhere')));
        const back = await here.execute(CONTRACT_ID, wage(opened.state.monthlyPremium), nextContext('wage-back'));
        expect(back.appended.map((event) => event.type)).toEqual(['WageChanged']);
        expect((await stored()).state!.monthlyPremium).toBe(opened.state.monthlyPremium);
      });

      it('an If-Match of the remembered revision is a 412, not an answer at the old revision', async () => {
        const { here, opened } = await remembered((elsewhere) => elsewhere.execute(CONTRACT_ID, wage(32_000_000), nextContext('wage-elsewhere')));
        await expect(here.execute(CONTRACT_ID, wage(opened.state.monthlyPremium), nextContext('stale', opened.revision))).rejects.toMatchObject({
          code: 'PRECONDITION_FAILED',
          currentRevision: opened.revision + 1,
        });
      });

      it('after a payment made elsewhere, the same wage again is refused as the stored state says, not a silent 200', async () => {
        const { here, opened } = await remembered((elsewhere, premium) => elsewhere.execute(CONTRACT_ID, pay(1, { amount: premium }), nextContext('pay-elsewhere')));
        await expect(here.execute(CONTRACT_ID, wage(opened.state.monthlyPremium), nextContext('wage-same'))).rejects.toMatchObject({ code: 'WAGE_CHANGE_NOT_ALLOWED' });
      });
    });

    it('a retried open in a process that never saw the contract answers with the stored contract', async () => {
      const store = new InMemoryEventStore();
      const first = await new ContractStreams(store, clock()).execute(CONTRACT_ID, openOnline(), context);

      const retry = await new ContractStreams(store, clock()).execute(CONTRACT_ID, openOnline(), { ...context, correlationId: 'request-2' });

      expect(retry.appended).toEqual([]);
      expect(retry.state).toEqual(first.state);
    });
  });
});
