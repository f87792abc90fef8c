import { ProblemException } from '../http/problem';
import { ConcurrencyError, type EventStore, type EventMetadata, type RecordedEvent } from '@app/event-store';

/**
 * One active contract per national code, kept in the event store itself so it holds on every
 * adapter: the stream `insured-<nationalCode>` lists every contract ever reserved for the person,
 * in order. A new contract may be reserved only when the latest reserved one is no longer active;
 * the append's expected revision makes exactly one of N racing opens win. There is no release
 * event: a lapsed, cancelled or terminated contract simply stops counting, and a reservation whose
 * contract stream was never written (a crash between the two appends) is finished by the retry
 * with the same idempotency key, or stops counting after `ABANDONED_AFTER_MS`.
 */
export const RESERVATION_EVENT = 'ContractReserved';
const ABANDONED_AFTER_MS = 60_000;

export interface Reservation {
  contractId: string;
  reservedAt: Date;
}

export interface ReservationsView {
  revision: number; // -1: no stream yet
  reservations: Reservation[];
}

export const reservationStream = (nationalCode: string) => `insured-${nationalCode}`;

export function toReservations(events: RecordedEvent[]): ReservationsView {
  return {
    revision: events.length ? events[events.length - 1].revision : -1,
    reservations: events
      .filter((e) => e.type === RESERVATION_EVENT)
      .map((e) => ({ contractId: String(e.data.contractId), reservedAt: new Date(e.metadata.occurredAt) })),
  };
}

export type ContractLiveness = 'active' | 'ended' | 'missing';

export class Reservations {
  constructor(private readonly store: EventStore) {}

  async read(nationalCode: string): Promise<ReservationsView> {
    return toReservations(await this.store.readStream(reservationStream(nationalCode)));
  }

  /**
   * Reserves `contractId` for the person, or throws ACTIVE_CONTRACT_EXISTS. `liveness` says whether an
   * earlier reserved contract still counts. Reserving the same contract again is a no-op (retry).
   */
  async reserve(
    nationalCode: string,
    contractId: string,
    eventId: string,
    metadata: EventMetadata,
    now: Date,
    liveness: (contractId: string) => Promise<ContractLiveness>,
  ): Promise<void> {
    const reservation = { id: eventId, type: RESERVATION_EVENT, version: 1, data: { contractId }, metadata };
    // Most applicants never had a contract: try that first and read the stream only when they did
    // (a round trip saved on nearly every opening; a returning applicant pays one more).
    try {
      await this.store.append(reservationStream(nationalCode), [reservation], 'no_stream');
      return;
    } catch (error) {
      if (!(error instanceof ConcurrencyError)) throw error;
    }
    const view = await this.read(nationalCode);
    const latest = view.reservations[view.reservations.length - 1];
    if (latest?.contractId === contractId) return;
    if (latest) {
      const state = await liveness(latest.contractId);
      const abandoned = state === 'missing' && now.getTime() - latest.reservedAt.getTime() > ABANDONED_AFTER_MS;
      if (state === 'active' || (state === 'missing' && !abandoned)) throw new ProblemException('ACTIVE_CONTRACT_EXISTS');
    }
    try {
      await this.store.append(
        reservationStream(nationalCode),
        [reservation],
        view.revision < 0 ? 'no_stream' : view.revision,
      );
    } catch (error) {
      // Someone reserved in between: they won the race.
      if (error instanceof ConcurrencyError) {
        const again = await this.read(nationalCode);
        const winner = again.reservations[again.reservations.length - 1];
        if (winner?.contractId === contractId) return;
        throw new ProblemException('ACTIVE_CONTRACT_EXISTS');
      }
      throw error;
    }
  }
}
