/**
 * Spec helper for the decider: `given(history).when(command, now).then(events)` or
 * `.thenFails(code)`. Imported by specs only (it uses jest's `expect`), never by index.ts.
 */
import { ContractCommand } from '../commands';
import { decide } from '../decide';
import { DomainError, DomainErrorCode } from '../errors';
import { ContractEvent } from '../events';
import { POLICY_1403, Policy } from '../policy';
import { replay } from '../state';

export interface Outcome {
  then(expected: ContractEvent[]): void;
  /** Accepted with at least one new event (for specs whose point is only that it is allowed). */
  thenAccepts(): void;
  thenFails(code: DomainErrorCode, details?: Record<string, unknown>): void;
  /** The events, for specs that go on to check derived state. */
  events(): ContractEvent[];
}

export function given(history: ContractEvent[], policy: Policy = POLICY_1403) {
  return {
    when(command: ContractCommand, now: Date | string): Outcome {
      const run = () => decide(command, replay(history), new Date(now), policy);
      return {
        then: (expected) => expect(run()).toEqual(expected),
        thenAccepts: () => expect(run().length).toBeGreaterThan(0),
        thenFails: (code, details) => {
          const error = thrownBy(run);
          expect(error).toBeInstanceOf(DomainError);
          expect((error as DomainError).code).toBe(code);
          if (details !== undefined) expect((error as DomainError).details).toMatchObject(details);
        },
        events: run,
      };
    },
  };
}

function thrownBy(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}
