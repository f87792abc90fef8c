import { assess, evolve, isValidNationalCode, policyAt, type ContractEvent, type ContractState } from '@app/contracts-domain';
import { contractHistory } from './history';
import { benchNationalCode, benchPeople } from './people';
import { percentile, ratio, summarise } from './stats';

describe('bench arithmetic', () => {
  it('takes nearest-rank percentiles whatever the order of the samples', () => {
    const samples = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6];
    expect(percentile(samples, 50)).toBe(5);
    expect(percentile(samples, 99)).toBe(10);
    expect(percentile(samples, 0)).toBe(1);
    expect(percentile([42], 99)).toBe(42);
    expect(percentile([], 50)).toBeNaN();
    expect(() => percentile(samples, 101)).toThrow(RangeError);
  });

  it('summarises a run as a rate with its latencies', () => {
    const latencies = Array.from({ length: 200 }, (_, i) => i + 1);
    expect(summarise(16, latencies, 4, 2)).toEqual({ connections: 16, opsPerSec: 50, p50Ms: 100, p99Ms: 198, maxMs: 200, errors: 2 });
    expect(() => summarise(1, latencies, 0)).toThrow(RangeError);
  });

  it('gives no ratio to a reference that measured nothing', () => {
    expect(ratio(8_000, 10_000)).toBe(0.8);
    expect(ratio(8_000, 0)).toBeNaN();
    expect(ratio(Number.NaN, 10)).toBeNaN();
  });
});

describe('bench data', () => {
  it('makes distinct people, each eligible online and exempt from the exam on the contract date', () => {
    const people = benchPeople(2_000, '2026-11-28');
    expect(new Set(people.map((p) => p.nationalCode)).size).toBe(2_000);
    for (const person of people) {
      expect(isValidNationalCode(person.nationalCode)).toBe(true);
      const assessment = assess(person, '2026-11-28', policyAt('2026-11-28'));
      expect(assessment).toMatchObject({ reasons: [], examRequirement: 'exempt', branchVisitReasons: [] });
    }
    expect(benchNationalCode(7)).toBe(people[7]!.nationalCode);
  });

  it('builds a 360-event contract the domain accepts: opened, then 359 monthly payments over 30 years', () => {
    const [person] = benchPeople(1, '2026-11-28');
    const history = contractHistory('00000000-0000-4000-8000-000000000360', '1405999999', person!, new Date('2026-11-28T08:00:00Z'), 359);
    expect(history.events).toHaveLength(360);
    expect(history.events[0]!.type).toBe('ContractOpened');
    expect(new Set(history.events.slice(1).map((e) => e.type))).toEqual(new Set(['PaymentConfirmed']));
    const state = history.events.reduce<ContractState | undefined>((s, e) => evolve(s, e as unknown as ContractEvent), undefined)!;
    expect(state.lastPaidPeriod).not.toBeNull();
    expect(history.events.at(-1)!.metadata.occurredAt.slice(0, 4)).toBe('2056');
  });
});
