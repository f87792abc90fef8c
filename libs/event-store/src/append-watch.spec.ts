import type { EventStore } from './port';
import { AppendWatch } from './append-watch';

/** A store whose appends settle only when the test says, and one more member to delegate. */
function stalledStore() {
  const settles: Array<{ resolve: () => void; reject: (error: Error) => void }> = [];
  const store = {
    name: 'the store itself',
    append: () => new Promise((resolve, reject) => settles.push({ resolve: () => resolve({ nextRevision: 0, position: 1n, written: true }), reject })),
    whoAmI(this: { name: string }) {
      return this.name;
    },
  };
  return { store: store as unknown as EventStore & { whoAmI(): string }, settles };
}

describe('AppendWatch', () => {
  it('given appends under way, when asked, then it tells how long the oldest has waited, and 0 once none is', async () => {
    let now = 1_000;
    const watch = new AppendWatch(() => now);
    const { store, settles } = stalledStore();
    const watched = watch.watch(store);
    expect(watch.oldestWaitMs()).toBe(0);

    const first = watched.append('contract-a', [], 'no_stream');
    now = 1_400;
    const second = watched.append('contract-b', [], 'no_stream').catch((error: Error) => error.message);
    now = 2_000;
    expect(watch.oldestWaitMs()).toBe(1_000);

    settles[0]!.resolve(); // the oldest goes through: the one after it is now the oldest
    await first;
    expect(watch.oldestWaitMs()).toBe(600);

    settles[1]!.reject(new Error('refused')); // a failed append is over too
    expect(await second).toBe('refused');
    expect(watch.oldestWaitMs()).toBe(0);
  });

  it("leaves every other member the store's own, called on the store", () => {
    const { store } = stalledStore();
    expect(new AppendWatch().watch(store).whoAmI()).toBe('the store itself');
  });
});
