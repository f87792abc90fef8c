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
  type ReadStreamOptions,
  type RecordedEvent,
} from '@app/event-store';
import type { Clock } from '@app/platform';

export const contractStream = (contractId: string) => `contract-${contractId}`;

export interface LoadedContract {
  state: ContractState | undefined;
  /** Revision of the last event read; -1 when the stream does not exist. */
  revision: number;
  events: RecordedEvent[];
}

export function toDomainEvent(recorded: RecordedEvent): ContractEvent {
  if (!isContractEventType(recorded.type)) throw new Error(`unknown event type ${recorded.type} in ${recorded.streamId}`);
  return { type: recorded.type, version: recorded.version, data: recorded.data } as ContractEvent;
}

export function fold(events: RecordedEvent[]): ContractState | undefined {
  return events.reduce<ContractState | undefined>((state, event) => evolve(state, toDomainEvent(event)), undefined);
}

/** Who asks, and how this command is tied to the request and to retries. */
export interface CommandContext {
  actor: { sub: string; role: string };
  channel: string;
  branchId?: string;
  correlationId: string;
  /** Stable across retries of the same request (derived from the idempotency key when there is one). */
  commandId: string;
  causationId?: string;
  /** From `If-Match`: the revision the caller saw; a different current revision is a 412. */
  expectedRevision?: number;
}

/** The caller's If-Match revision is not the current one (HTTP 412). */
export class RevisionMismatch extends Error {
  readonly code = 'PRECONDITION_FAILED';
  constructor(
    readonly expected: number,
    readonly currentRevision: number,
  ) {
    super(`expected revision ${expected}, current revision ${currentRevision}`);
    this.name = 'RevisionMismatch';
  }
}

export interface CommandOutcome extends LoadedContract {
  state: ContractState;
  appended: ContractEvent[];
}

/** Without If-Match, a command that lost a race is decided again on the new state this often. */
const MAX_ATTEMPTS = 3;

/**
 * The one way a contract changes: read its stream, fold, decide, append with the revision that was
 * read. Event ids derive from the command id, so a retried command appends nothing new.
 */
export class ContractStreams {
  constructor(
    private readonly store: EventStore,
    private readonly clock: Clock,
  ) {}

  async load(contractId: string, options?: ReadStreamOptions): Promise<LoadedContract> {
    const events = await this.store.readStream(contractStream(contractId), options);
    return { events, state: fold(events), revision: events.length ? events[events.length - 1].revision : -1 };
  }

  async loadExisting(contractId: string, options?: ReadStreamOptions): Promise<LoadedContract & { state: ContractState }> {
    const loaded = await this.load(contractId, options);
    if (!loaded.state) throw new DomainError('CONTRACT_NOT_FOUND', `Contract ${contractId} does not exist`);
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
    for (let attempt = 1; ; attempt++) {
      const loaded = await this.load(contractId);
      if (loaded.state) authorize(loaded.state);
      else if (typeof commandOrFactory === 'function' || !commandOrFactory.type.startsWith('Open')) throw new DomainError('CONTRACT_NOT_FOUND', `Contract ${contractId} does not exist`);
      if (loaded.state && loaded.events.some((event) => event.metadata.commandId === context.commandId)) {
        // A retry of a command already appended (its process died before answering): deciding it
        // again on the state it produced could refuse it (CONTRACT_ALREADY_OPENED, a stale If-Match).
        return { ...loaded, state: loaded.state, appended: [] };
      }
      if (context.expectedRevision !== undefined && context.expectedRevision !== loaded.revision) {
        throw new RevisionMismatch(context.expectedRevision, loaded.revision);
      }
      const command = typeof commandOrFactory === 'function' ? commandOrFactory(loaded.state) : commandOrFactory;
      const now = this.clock.now();
      const decided = decide(command, loaded.state, now, policyFor(loaded.state, now));
      if (decided.length === 0) return { ...loaded, state: loaded.state!, appended: [] };

      const metadata = this.metadata(context, now);
      try {
        const result = await this.store.append(
          contractStream(contractId),
          decided.map((event, index) => {
            const id = deterministicId(context.commandId, String(index));
            const data = event.data as unknown as Record<string, unknown>;
            return { id, type: event.type, version: event.version, data, metadata: { ...metadata, eventId: id } };
          }),
          loaded.revision < 0 ? 'no_stream' : loaded.revision,
        );
        if (!result.written) {
          // The same command was appended before (a retry): answer with what is stored.
          const stored = await this.loadExisting(contractId);
          return { ...stored, appended: [] };
        }
        const state = decided.reduce<ContractState | undefined>(evolve, loaded.state)!;
        return { events: loaded.events, state, revision: result.nextRevision, appended: decided };
      } catch (error) {
        if (!(error instanceof ConcurrencyError)) throw error;
        if (context.expectedRevision !== undefined) {
          throw new RevisionMismatch(context.expectedRevision, typeof error.actual === 'number' ? error.actual : -1);
        }
        if (attempt >= MAX_ATTEMPTS) throw error;
      }
    }
  }

  private metadata(context: CommandContext, now: Date): Omit<EventMetadata, 'eventId'> {
    return {
      commandId: context.commandId,
      correlationId: context.correlationId,
      ...(context.causationId ? { causationId: context.causationId } : {}),
      actor: context.actor,
      channel: context.channel,
      ...(context.branchId ? { branchId: context.branchId } : {}),
      occurredAt: now.toISOString(),
      schemaVersion: 1,
    };
  }
}
