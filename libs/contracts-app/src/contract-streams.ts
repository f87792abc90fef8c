import {
  DomainError,
  ContractCommand,
  ContractEvent,
  ContractState,
  decide,
  evolve,
  isContractEventType,
  policyFor,
} from '@app/contracts-domain';
import {
  ConcurrencyError,
  deterministicId,
  type EventMetadata,
  type EventStore,
  type FoldableEvent,
  type ReadStreamOptions,
  type RecordedEvent,
} from '@app/event-store';
import type { Clock } from '@app/platform';
import { NO_SNAPSHOTS, type SnapshotStore } from './snapshots';

export const contractStream = (contractId: string) => `contract-${contractId}`;

/**
 * The id of the `index`th event a command decided on a contract: a retry writes the same ids (and
 * so nothing), and a key reused for another contract once its kept answer is purged never meets
 * the first contract's ids, which the store refuses as a bug.
 */
export function contractEventId(commandId: string, contractId: string, index: number): string {
  return deterministicId(commandId, contractId, String(index));
}

export interface LoadedContract {
  state: ContractState | undefined;
  /** Revision of the last event read; -1 when the stream does not exist. */
  revision: number;
}

export function toDomainEvent(recorded: FoldableEvent): ContractEvent {
  if (!isContractEventType(recorded.type)) throw new Error(`unknown event type ${recorded.type} at revision ${recorded.revision} of a contract stream`);
  return { type: recorded.type, version: recorded.version, data: recorded.data } as ContractEvent;
}

function contractNotFound(contractId: string): DomainError {
  return new DomainError('CONTRACT_NOT_FOUND', `Contract ${contractId} does not exist`);
}

/** The state after `events`, folded onto `state` (by default: before the first event). */
export function fold(events: readonly FoldableEvent[], state?: ContractState): ContractState | undefined {
  return events.reduce<ContractState | undefined>((folded, event) => evolve(folded, toDomainEvent(event)), state);
}

/** Who asks, and how this command is tied to the request and to retries. */
export interface CommandContext {
  actor: { sub: string; role: string };
  channel: string;
  /** The officer's branch (branch officers) and the bank (banks), recorded in the metadata. */
  branchId?: string;
  bankId?: string;
  correlationId: string;
  /** Stable across retries of the same request (derived from the idempotency key when there is one). */
  commandId: string;
  /** What caused the command's events: by default the command itself; a deadline names the event that set it. */
  causationId?: string;
  /**
   * From `If-Match`: the revisions the caller's entity tags name; a current revision not among
   * them is a 412 (none at all when no tag can match, e.g. only weak ones). Unset: any revision.
   */
  ifMatch?: readonly number[];
  /** The instant to decide at, by default the clock's now: an open decides when it was checked (before it reserved). */
  decideAt?: Date;
}

/** The caller's If-Match revision is not the current one (HTTP 412). */
export class RevisionMismatch extends Error {
  readonly code = 'PRECONDITION_FAILED';
  constructor(
    readonly ifMatch: readonly number[],
    readonly currentRevision: number,
  ) {
    super(`If-Match revisions [${ifMatch.join(', ')}], current revision ${currentRevision}`);
    this.name = 'RevisionMismatch';
  }
}

export interface CommandOutcome {
  state: ContractState;
  /** Revision of the contract's last event after the command. */
  revision: number;
  appended: ContractEvent[];
}

/** Without If-Match, a command that lost a race is decided again on the new state this often. */
const MAX_ATTEMPTS = 3;

/** How many contracts each process remembers (LRU): a few MB, enough for every contract busy right now. */
const REMEMBERED_CONTRACTS = 10_000;

/**
 * A snapshot is written once this many events have come after the last one: a 360-event contract
 * then loads from its snapshot and at most 99 events instead of reading and folding all 360.
 */
const SNAPSHOT_EVERY = 100;

/** What a command is decided on: the contract's state and revision, and which commands made it. */
interface KnownContract {
  state: ContractState | undefined;
  revision: number;
  commandIds: ReadonlySet<string>;
  /** The revision of the contract's stored snapshot; -1 when it has none. */
  snapshotRevision: number;
}

const NO_CONTRACT: KnownContract = { state: undefined, revision: -1, commandIds: new Set(), snapshotRevision: -1 };

/**
 * The one way a contract changes: read its stream, fold, decide, append with the revision that was
 * read. Event ids derive from the command id, so a retried command appends nothing new.
 *
 * Each round trip costs the database more than anything else a command does, so the read is
 * skipped when it can be guessed: a contract this process last wrote or read (most commands follow
 * one another on the same contract), or a new stream for an opening. The guess is only ever
 * trusted to succeed: the append's expected revision rejects a stale one, and any refusal or no-op
 * decided on a guess (a domain error, a 412, a conflict, nothing to append) is decided again on
 * what the store says before the caller hears it.
 */
export class ContractStreams {
  private readonly recent = new Map<string, KnownContract>();
  /** Per contract, the end of the queue of this process's commands on it (absent when none waits). */
  private readonly turns = new Map<string, Promise<void>>();

  constructor(
    private readonly store: EventStore,
    private readonly clock: Clock,
    private readonly snapshots: SnapshotStore = NO_SNAPSHOTS,
  ) {}

  /**
   * The contract as stored now, or as `options` (auditors) ask. Of a contract this process
   * remembers, or has a snapshot of, only the events after it are read and folded on: a stream
   * only grows, so the result is the same as folding it all. Auditors' reads never use either.
   */
  async load(contractId: string, options?: ReadStreamOptions): Promise<LoadedContract> {
    const stream = contractStream(contractId);
    if (options !== undefined) {
      const events = await this.store.readFoldable(stream, options);
      return { state: fold(events), revision: events.length ? events[events.length - 1]!.revision : -1 };
    }
    const remembered = this.recent.get(contractId);
    let known = remembered ?? (await this.fromSnapshot(contractId));
    let events: FoldableEvent[];
    if (!remembered && known.revision >= 0) {
      // A snapshot is read with its own last event, to see that the stream still holds it: events
      // restored to an earlier point without the snapshots leave it ahead, and its state from a
      // future the stream no longer has. Then the whole stream is folded instead.
      events = await this.store.readFoldable(stream, { fromRevision: known.revision });
      if (events[0]?.revision === known.revision) events = events.slice(1);
      else [known, events] = [NO_CONTRACT, await this.store.readFoldable(stream)];
    } else {
      events = await this.store.readFoldable(stream, { fromRevision: known.revision + 1 });
    }
    if (events.length === 0) {
      this.remember(contractId, known);
      return { state: known.state, revision: known.revision };
    }
    const state = fold(events, known.state);
    const revision = events[events.length - 1]!.revision;
    const commandIds = new Set([...known.commandIds, ...events.flatMap((event) => event.commandId ?? [])]);
    await this.rememberAndSnapshot(contractId, { state, revision, commandIds, snapshotRevision: known.snapshotRevision });
    return { state, revision };
  }

  private async fromSnapshot(contractId: string): Promise<KnownContract> {
    const snapshot = await this.snapshots.read(contractId);
    if (!snapshot) return NO_CONTRACT;
    const { state, revision, commandIds } = snapshot;
    return { state, revision, commandIds: new Set(commandIds), snapshotRevision: revision };
  }

  /** `remember`, and a new snapshot when `SNAPSHOT_EVERY` events came after the last one. */
  private async rememberAndSnapshot(contractId: string, known: KnownContract): Promise<void> {
    this.remember(contractId, known);
    if (!known.state || known.revision - known.snapshotRevision < SNAPSHOT_EVERY) return;
    const written = await this.snapshots.write(contractId, { revision: known.revision, state: known.state, commandIds: [...known.commandIds] }).then(
      () => true,
      () => false, // only a cache: the command or read it follows has already succeeded; the next one tries again
    );
    if (written && this.recent.get(contractId) === known) this.remember(contractId, { ...known, snapshotRevision: known.revision });
  }

  /** The whole history with its metadata, for those who read it (the state, to decide who may). */
  async history(contractId: string): Promise<LoadedContract & { state: ContractState; events: RecordedEvent[] }> {
    const events = await this.store.readStream(contractStream(contractId));
    const state = fold(events);
    if (!state) throw contractNotFound(contractId);
    return { state, revision: events[events.length - 1]!.revision, events };
  }

  async loadExisting(contractId: string, options?: ReadStreamOptions): Promise<LoadedContract & { state: ContractState }> {
    const loaded = await this.load(contractId, options);
    if (!loaded.state) throw contractNotFound(contractId);
    return loaded as LoadedContract & { state: ContractState };
  }

  /**
   * `authorize` sees the current state before deciding (ownership checks) and throws to refuse.
   * A command factory builds the command from the current state (e.g. numbers derived from it).
   */
  async execute(
    contractId: string,
    commandOrFactory: ContractCommand | ((state: ContractState | undefined) => ContractCommand),
    context: CommandContext,
    authorize: (state: ContractState) => void = () => undefined,
  ): Promise<CommandOutcome> {
    return this.inTurn(contractId, () => this.executeNow(contractId, commandOrFactory, context, authorize));
  }

  /**
   * Runs this process's commands on one contract one after another. Run at once, they would all
   * decide on the same revision and all but one lose the append's race, to be decided again up to
   * MAX_ATTEMPTS times and then refused with a 409. Other processes' commands still race, as before.
   * Not re-entrant: a command's `authorize` or factory must never `execute` on the same contract
   * (it would wait for itself).
   */
  private async inTurn<T>(contractId: string, run: () => Promise<T>): Promise<T> {
    const before = this.turns.get(contractId) ?? Promise.resolve();
    const mine = before.then(run);
    const done = mine.then(
      () => undefined,
      () => undefined,
    );
    this.turns.set(contractId, done);
    try {
      return await mine;
    } finally {
      if (this.turns.get(contractId) === done) this.turns.delete(contractId);
    }
  }

  private async executeNow(
    contractId: string,
    commandOrFactory: ContractCommand | ((state: ContractState | undefined) => ContractCommand),
    context: CommandContext,
    authorize: (state: ContractState) => void,
  ): Promise<CommandOutcome> {
    const opening = typeof commandOrFactory !== 'function' && commandOrFactory.type.startsWith('Open');
    let guess = this.recent.get(contractId) ?? (opening ? NO_CONTRACT : undefined);
    for (let attempt = 1; ; attempt++) {
      const guessed = guess !== undefined;
      const known = guess ?? (await this.readKnown(contractId));
      guess = undefined;
      try {
        const outcome = await this.decideAndAppend(contractId, known, commandOrFactory, context, authorize);
        if (!guessed || outcome.appended.length > 0 || known.commandIds.has(context.commandId)) return outcome;
        // Decided to change nothing, so no expected revision checked the guess: another process may
        // have moved the contract (a lost wage change, a stale If-Match, a payment). Decide on the
        // store. (A command the guess already holds was appended: its retry needs no check.)
        this.recent.delete(contractId);
        attempt -= 1;
        continue;
      } catch (error) {
        this.recent.delete(contractId);
        if (guessed) {
          attempt -= 1; // not a lost race: the same attempt again, on the store's state
          continue;
        }
        if (!(error instanceof ConcurrencyError)) throw error;
        if (context.ifMatch !== undefined) {
          throw new RevisionMismatch(context.ifMatch, typeof error.actual === 'number' ? error.actual : -1);
        }
        if (attempt >= MAX_ATTEMPTS) throw error;
      }
    }
  }

  private async readKnown(contractId: string): Promise<KnownContract> {
    await this.load(contractId);
    return this.recent.get(contractId) ?? NO_CONTRACT;
  }

  private async decideAndAppend(
    contractId: string,
    known: KnownContract,
    commandOrFactory: ContractCommand | ((state: ContractState | undefined) => ContractCommand),
    context: CommandContext,
    authorize: (state: ContractState) => void,
  ): Promise<CommandOutcome> {
    const { state, revision } = known;
    if (state) authorize(state);
    else if (typeof commandOrFactory === 'function' || !commandOrFactory.type.startsWith('Open')) throw contractNotFound(contractId);
    if (state && known.commandIds.has(context.commandId)) {
      // A retry of a command already appended (its process died before answering): deciding it
      // again on the state it produced could refuse it (CONTRACT_ALREADY_OPENED, a stale If-Match).
      return { state, revision, appended: [] };
    }
    if (context.ifMatch !== undefined && !context.ifMatch.includes(revision)) {
      throw new RevisionMismatch(context.ifMatch, revision);
    }
    const command = typeof commandOrFactory === 'function' ? commandOrFactory(state) : commandOrFactory;
    const now = context.decideAt ?? this.clock.now();
    const decided = decide(command, state, now, policyFor(state, now));
    if (decided.length === 0) return { state: state!, revision, appended: [] };

    const metadata = commandMetadata(context, now);
    const result = await this.store.append(
      contractStream(contractId),
      decided.map((event, index) => {
        const id = contractEventId(context.commandId, contractId, index);
        const data = event.data as unknown as Record<string, unknown>;
        return { id, type: event.type, version: event.version, data, metadata: { ...metadata, eventId: id } };
      }),
      revision < 0 ? 'no_stream' : revision,
    );
    if (!result.written) {
      // The same command was appended before (a retry): answer with what is stored.
      const stored = await this.loadExisting(contractId);
      return { state: stored.state, revision: stored.revision, appended: [] };
    }
    const next = decided.reduce<ContractState | undefined>(evolve, state)!;
    const commandIds = new Set([...known.commandIds, context.commandId]);
    await this.rememberAndSnapshot(contractId, { state: next, revision: result.nextRevision, commandIds, snapshotRevision: known.snapshotRevision });
    return { state: next, revision: result.nextRevision, appended: decided };
  }

  /** Most recently used last; the oldest goes when the map is full. */
  private remember(contractId: string, known: KnownContract): void {
    this.recent.delete(contractId);
    this.recent.set(contractId, known);
    if (this.recent.size > REMEMBERED_CONTRACTS) this.recent.delete(this.recent.keys().next().value!);
  }
}

/**
 * What every event a command writes says of it (who, through which channel, tied to which request
 * and command, when): the contract's events and the open's reservation alike.
 */
export function commandMetadata(context: CommandContext, now: Date): Omit<EventMetadata, 'eventId'> {
  return {
    commandId: context.commandId,
    correlationId: context.correlationId,
    causationId: context.causationId ?? context.commandId,
    actor: context.actor,
    channel: context.channel,
    ...(context.branchId ? { branchId: context.branchId } : {}),
    ...(context.bankId ? { bankId: context.bankId } : {}),
    occurredAt: now.toISOString(),
    schemaVersion: 1, // the metadata's shape, on every event a command writes (reservations too)
  };
}
