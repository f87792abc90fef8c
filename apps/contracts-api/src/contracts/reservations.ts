import { ProblemException, TransientRefusal } from '../http/problem';
import { ConcurrencyError, deterministicId, type EventStore, type EventMetadata, type RecordedEvent } from '@app/event-store';

/**
 * One active contract per national code, kept in the event store itself so it holds on every
 * adapter: the stream `insured-<nationalCode>` lists every contract ever reserved for the person,
 * in order. A new contract may be reserved only when the latest reserved one is no longer active;
 * the append's expected revision makes exactly one of N racing opens win. There is no release
 * event: a lapsed, cancelled or terminated contract simply stops counting, and a reservation whose
 * contract stream was never written (a crash between the two appends) is finished by the retry
 * with the same idempotency key, or stops counting after `ABANDONED_AFTER_MS`. Every reservation
 * made after reading the stream is appended with the revision read, the retry's too (it reserves
 * its contract again): an open that takes over an abandoned reservation and the late retry of that
 * reservation then conflict, and exactly one of them goes on.
 */
export const RESERVATION_EVENT = 'ContractReserved';
const ABANDONED_AFTER_MS = 60_000;

/**
 * How old a reservation may be when its contract is written: half the abandonment age, so an open
 * that stalled between its two writes does not conclude after another open could have taken the
 * person's slot over (the two would leave two active contracts). Past it, the open renews its
 * reservation first (refused if the slot was taken meanwhile); stalled again, it gives up (503).
 */
export const RESERVATION_FRESH_MS = ABANDONED_AFTER_MS / 2;

export interface Reservation {
  contractId: string;
  reservedAt: Date;
}

export interface ReservationsView {
  revision: number; // -1: no stream yet
  reservations: Reservation[];
}

export const reservationStream = (nationalCode: string) => `insured-${nationalCode}`;

/** Each contract once, where it was last reserved (a retry reserves its contract again). */
export function toReservations(events: RecordedEvent[]): ReservationsView {
  const latest = new Map<string, Reservation>();
  for (const e of events) {
    if (e.type !== RESERVATION_EVENT) continue;
    const contractId = String(e.data.contractId);
    latest.delete(contractId);
    latest.set(contractId, { contractId, reservedAt: new Date(e.metadata.occurredAt) });
  }
  return { revision: events.length ? events[events.length - 1].revision : -1, reservations: [...latest.values()] };
}

export type ContractLiveness = 'active' | 'ended' | 'missing';

export class Reservations {
  constructor(private readonly store: EventStore) {}

  async read(nationalCode: string): Promise<ReservationsView> {
    return toReservations(await this.store.readStream(reservationStream(nationalCode)));
  }

  /**
   * Reserves `contractId` for the person, or throws ACTIVE_CONTRACT_EXISTS. `liveness` says whether an
   * earlier reserved contract still counts. A retry whose contract was written needs nothing more.
   */
  async reserve(
    nationalCode: string,
    contractId: string,
    eventId: string,
    metadata: EventMetadata,
    now: Date,
    liveness: (contractId: string) => Promise<ContractLiveness>,
  ): Promise<void> {
    const stream = reservationStream(nationalCode);
    const reservation = (id: string) => ({ id, type: RESERVATION_EVENT, version: 1, data: { contractId }, metadata: { ...metadata, eventId: id } });
    // Most applicants never had a contract: try that first and read the stream only when they did
    // (a round trip saved on nearly every opening; a returning applicant pays one more).
    let retry = false;
    try {
      if ((await this.store.append(stream, [reservation(eventId)], 'no_stream')).written) return;
      retry = true; // `eventId` is stored: this command reserved before (the store checks no revision then)
    } catch (error) {
      if (!(error instanceof ConcurrencyError)) throw error;
    }
    if (retry && (await liveness(contractId)) !== 'missing') return;
    const view = await this.read(nationalCode);
    const latest = view.reservations[view.reservations.length - 1];
    if (latest && latest.contractId !== contractId) {
      const state = await liveness(latest.contractId);
      const abandoned = state === 'missing' && now.getTime() - latest.reservedAt.getTime() > ABANDONED_AFTER_MS;
      if (state === 'active' || (state === 'missing' && !abandoned)) throw activeContractExists(latest.contractId, state);
    }
    // Also when the latest is this contract (a retry whose contract is missing): reserving it again
    // with the revision read makes an open that took the reservation over as abandoned conflict with
    // this one. The id names that revision, since a stored id is answered `written: false` unchecked.
    try {
      const result = await this.store.append(stream, [reservation(deterministicId(eventId, String(view.revision)))], view.revision < 0 ? 'no_stream' : view.revision);
      if (result.written) return;
    } catch (error) {
      if (!(error instanceof ConcurrencyError)) throw error;
    }
    // Someone reserved in between, or a run of this same command did: the latest reservation decides.
    const again = await this.read(nationalCode);
    const winner = again.reservations[again.reservations.length - 1]?.contractId;
    if (winner === contractId) return;
    throw activeContractExists(winner, winner === undefined ? 'missing' : await liveness(winner));
  }
}

/**
 * Names the contract held (the person's own, or one being opened for them this minute): a portal
 * whose 201 was lost and that retried under a new key finds it without another query.
 */
function activeContractExists(contractId: string | undefined, state: ContractLiveness): ProblemException {
  const details = contractId === undefined ? {} : { contractId };
  // A contract still being opened (or whose open crashed: it stops counting after a minute) may
  // never be: the refusal is not kept as the key's answer, so a retry is decided again.
  return state === 'missing' ? new TransientRefusal('ACTIVE_CONTRACT_EXISTS', details) : new ProblemException('ACTIVE_CONTRACT_EXISTS', details);
}
