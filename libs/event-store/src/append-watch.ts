import type { EventStore } from './port';

/**
 * Times the appends under way (the API's commands, the projector's deadlines), so readiness can
 * tell a write path that hangs from one that works: a commit the server never answers (its disk
 * stalled) or a lock never released leaves every read answering while no append can finish.
 */
export class AppendWatch {
  /** When each append under way began, oldest first (a Map keeps insertion order). */
  private readonly pending = new Map<number, number>();
  private nextId = 0;

  constructor(private readonly nowMs: () => number = () => performance.now()) {}

  /** The same store, its appends timed; every other member is the store's own. */
  watch<T extends EventStore>(store: T): T {
    const append: EventStore['append'] = (...args) => {
      const id = this.nextId++;
      this.pending.set(id, this.nowMs());
      return store.append(...args).finally(() => this.pending.delete(id));
    };
    return new Proxy(store, {
      get(target, property) {
        if (property === 'append') return append;
        // Looked up at each call, not kept: a method replaced on the store (a test's spy) is the one called.
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  }

  /** How long the oldest append under way has waited, in ms; 0 when none is. */
  oldestWaitMs(): number {
    const oldest = this.pending.values().next();
    return oldest.done ? 0 : this.nowMs() - oldest.value;
  }
}
