import { InMemoryEventStore } from '@app/event-store';
import { ProblemException, TransientRefusal } from '../http/problem';
import { Reservations, reservationStream, type ContractLiveness } from './reservations';

const PERSON = '0012345678';
const t0 = new Date('2026-01-01T10:00:00Z');
const later = new Date(t0.getTime() + 61_000); // A's reservation is abandoned by then
const meta = (id: string, at: Date) => ({ eventId: id, commandId: id, correlationId: 'c', actor: { sub: 's', role: 'applicant' }, channel: 'online', occurredAt: at.toISOString() });

/** The contracts' liveness as the test sets it; a contract never written is missing. */
function setup() {
  const store = new InMemoryEventStore();
  const reservations = new Reservations(store);
  const contracts = new Map<string, ContractLiveness>();
  const liveness = async (id: string) => contracts.get(id) ?? 'missing';
  const reserve = (id: string, at: Date, check = liveness) => reservations.reserve(PERSON, id, `res-${id}`, meta(`res-${id}`, at), at, check);
  const latest = async () => (await reservations.read(PERSON)).reservations.map((r) => r.contractId);
  return { store, reservations, contracts, liveness, reserve, latest };
}

const refused = expect.objectContaining({ code: 'ACTIVE_CONTRACT_EXISTS' });

describe('Reservations after a crash between the reservation and ContractOpened', () => {
  it('a late retry of the crashed open and an open taking its reservation over: exactly one goes on', async () => {
    const { contracts, liveness, reserve, latest } = setup();
    await reserve('A', t0); // the process dies before ContractOpened A
    // B reads the stream and finds A missing and abandoned; before it appends, A's retry runs.
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const b = reserve('B', later, async (id) => {
      const seen = await liveness(id);
      await gate;
      return seen;
    });
    await new Promise((resolve) => setImmediate(resolve));
    await reserve('A', later);
    contracts.set('A', 'active');
    release();
    const error = await b.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProblemException);
    expect(error).toEqual(refused);
    expect(await latest()).toEqual(['A']);
  });

  it('the retry of a reservation another open took over first is refused', async () => {
    const { reserve, latest } = setup();
    await reserve('A', t0);
    await reserve('B', later); // A abandoned
    await expect(reserve('A', later)).rejects.toEqual(refused);
    expect(await latest()).toEqual(['A', 'B']);
  });

  it('the retry of a superseded reservation reserves its contract again, so a later open is refused', async () => {
    const { contracts, reserve, latest } = setup();
    await reserve('A', t0);
    await reserve('B', later);
    contracts.set('B', 'ended');
    await reserve('A', later); // A's id is stored already: not taken for a success
    contracts.set('A', 'active');
    await expect(reserve('C', later)).rejects.toEqual(refused);
    expect(await latest()).toEqual(['B', 'A']);
  });

  it('a retry whose contract was written appends nothing', async () => {
    const { store, contracts, reserve } = setup();
    await reserve('A', t0);
    contracts.set('A', 'active');
    await reserve('A', later);
    expect(await store.readStream(reservationStream(PERSON))).toHaveLength(1);
  });

  it('the retry of a crashed open renews its reservation: another open within the minute after it is refused', async () => {
    const { reserve, latest } = setup();
    await reserve('A', t0);
    await reserve('A', later);
    await expect(reserve('B', new Date(later.getTime() + 30_000))).rejects.toEqual(refused);
    expect(await latest()).toEqual(['A']);
  });

  it('refuses another open for good only once the contract it names exists: while that is still being opened, the refusal is transient', async () => {
    const { reserve, contracts } = setup();
    await reserve('A', t0);
    const whileOpening = await reserve('B', new Date(t0.getTime() + 1_000)).catch((error: unknown) => error);
    expect(whileOpening).toBeInstanceOf(TransientRefusal);
    expect(whileOpening).toEqual(expect.objectContaining({ code: 'ACTIVE_CONTRACT_EXISTS', details: { contractId: 'A' } }));
    contracts.set('A', 'active');
    const onceOpened = await reserve('B', new Date(t0.getTime() + 2_000)).catch((error: unknown) => error);
    expect(onceOpened).toEqual(refused);
    expect(onceOpened).not.toBeInstanceOf(TransientRefusal);
  });

  it('two runs of the same crashed open at once (a retry racing a stalled one): both go on', async () => {
    const { store, liveness, reserve, latest } = setup();
    await reserve('A', t0);
    // Both find A missing and read the stream before either renews the reservation.
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const gated = async (id: string) => {
      const seen = await liveness(id);
      await gate;
      return seen;
    };
    const runs = [reserve('A', later, gated), reserve('A', later, gated)];
    await new Promise((resolve) => setImmediate(resolve));
    release();
    await expect(Promise.all(runs)).resolves.toEqual([undefined, undefined]); // the loser sees its own command's reservation
    expect(await latest()).toEqual(['A']);
    expect(await store.readStream(reservationStream(PERSON))).toHaveLength(2); // renewed once
  });
});
