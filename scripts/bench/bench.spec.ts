import { assess, evolve, isValidNationalCode, policyAt, type ContractEvent, type ContractState } from '@app/contracts-domain';
import { contractHistory } from './history';
import { benchNationalCode, benchPeople } from './people';
import { GENERATED_BEGIN, GENERATED_END, renderMarkdown, spliceGenerated, summaryLine, type BenchResults } from './report';
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

describe('bench report', () => {
  const run = (connections: number, opsPerSec: number, p99Ms = 10) => ({ connections, opsPerSec, p50Ms: 1, p99Ms, maxMs: 50, errors: 0 });
  const mix = (connections: number, opsPerSec: number, commandP99Ms: number) => ({ ...run(connections, opsPerSec), requestsPerSec: opsPerSec * 1.5, commandP50Ms: 4.25, commandP99Ms, errorSamples: [] });
  // No two figures whose ratio equals another's inverse: a ratio computed upside down shows.
  const results: BenchResults = {
    date: '2026-11-28T18:00:00Z',
    commit: 'abc1234',
    machine: { cpus: 2, cpuModel: 'AMD EPYC', memoryGiB: 24, loadAverage: [6.5, 7] },
    quick: false,
    http: [mix(1, 100, 3), mix(16, 4_000, 18.25), mix(64, 150, 30)],
    httpInline: { ...mix(16, 3_000, 40), errors: 2 },
    floor: [run(1, 700), run(16, 10_000), run(64, 9_000)],
    peer: [run(1, 600), run(16, 3_000), run(64, 2_000)],
    ours: [run(1, 650), run(16, 8_500), run(64, 8_000)],
    nestFloor: [run(1, 900), run(16, 5_000), run(64, 4_500)],
    rawCatchUp: { events: 100_000, eventsPerSec: 47_500 },
    rawRead: { events: 100_000, eventsPerSec: 64_000 },
    catchUp: { events: 100_000, eventsPerSec: 41_234.6 },
    lag: { p50Ms: 20, p99Ms: 300, samples: 400 },
    lagInline: { p50Ms: 150, p99Ms: 600, samples: 390 },
    replay: { events: 100_000, eventsPerSec: 160_000 },
    long: { loadMs: 3.456, asOfMs: 2 },
    rebuilds: [
      { projection: 'billing', events: 100_000, eventsPerSec: 61_000.4 },
      { projection: 'audit_chain', events: 100_000, eventsPerSec: 48_000.6 },
    ],
    flatness: { smallEvents: 25_000, largeEvents: 401_440, smallMsPerPage: 2, largeNearEndMsPerPage: 2.2, largeSameStartMsPerPage: 2.5 },
  };
  const lines = (r: BenchResults) => renderMarkdown(r).split('\n');

  it('sums the run up in the JSON line the issue names, at 16 connections, the p99 the commands\' own', () => {
    expect(summaryLine(results)).toEqual({
      commandsPerSec16: 4_000,
      p99Ms16: 18.3,
      floorInsertsPerSec16: 10_000,
      peerAppendsPerSec16: 3_000,
      ourAppendsPerSec16: 8_500,
      catchUpEventsPerSec: 41_235,
      lagP99Ms: 300,
      load360Ms: 3.46,
      replayEventsPerSec: 160_000,
      replayIntoReadModelEventsPerSec: 48_001,
      readAllFlatnessRatio: 1.25,
      nestInsertRequestsPerSec16: 5_000,
      rawCatchUpEventsPerSec: 47_500,
      rawReadEventsPerSec: 64_000,
    });
  });

  it('judges every target as written, from the raw figures, and scales the absolute ones by the raw catch-up for information', () => {
    const targets = lines(results).slice(lines(results).indexOf('| target | measured | | scaled target |') + 2);
    expect(targets).toEqual([
      '| our append ≥ 0.8 × floor at 16 | 0.85 × | met | |',
      '| our append ≥ 2 × peer at 16 | 2.83 × | met | |',
      '| HTTP commands ≥ 0.4 × floor at 16 | 0.40 × | met | |',
      '| HTTP commands p99 ≤ 20 ms at 16 | 18.3 ms | met | |',
      '| HTTP zero errors (every run) | 2 | **missed** | |',
      '| catch-up ≥ 40,000 events/s | 41,235 | met | 20,000 |',
      '| replay into memory ≥ 150,000 events/s | 160,000 | met | 75,000 |',
      '| replay into a read model ≥ 50,000 events/s (slowest rebuild) | 48,001 | **missed** | 25,000 |',
      '| reading from a position flat, 25,000 vs 401,440 events (within 20 %) | 1.25 × | **missed** | |',
      '| lag p99 ≤ 250 ms under load | 300 ms | **missed** | |',
      '| 360-event load ≤ 5 ms | 3.46 ms | met | |',
    ]);
    const quick = lines({ ...results, quick: true });
    expect(quick).toContain('Run of 2026-11-28T18:00:00Z (`--quick`), commit `abc1234`, 2 × AMD EPYC, 24 GiB;');
  });

  it('judges each target on its boundary as met, and never prints a figure rounded across its target', () => {
    const at = (changes: Partial<BenchResults>) => lines({ ...results, ...changes });
    expect(at({ ours: [run(1, 650), run(16, 8_000), run(64, 8_000)] })).toContain('| our append ≥ 0.8 × floor at 16 | 0.80 × | met | |');
    expect(at({ ours: [run(1, 650), run(16, 7_996), run(64, 8_000)] })).toContain('| our append ≥ 0.8 × floor at 16 | 0.7996 × | **missed** | |');
    // Decimal ties, where rounding the binary value and printing the decimal one disagree.
    expect(at({ ours: [run(1, 650), run(16, 7_995), run(64, 8_000)] })).toContain('| our append ≥ 0.8 × floor at 16 | 0.7995 × | **missed** | |');
    expect(at({ ours: [run(1, 650), run(16, 5_999.85), run(64, 8_000)] })).toContain('| our append ≥ 2 × peer at 16 | 1.99995 × | **missed** | |');
    // Closer than six more digits can tell: the value whole.
    expect(at({ catchUp: { events: 100_000, eventsPerSec: 39_999.999999999 } })).toContain('| catch-up ≥ 40,000 events/s | 39999.999999999 | **missed** | 20,000 |');
    expect(at({ ours: [run(1, 650), run(16, 6_000), run(64, 8_000)] })).toContain('| our append ≥ 2 × peer at 16 | 2.00 × | met | |');
    expect(at({ http: [mix(1, 100, 3), mix(16, 4_000, 20), mix(64, 150, 30)] })).toContain('| HTTP commands p99 ≤ 20 ms at 16 | 20.0 ms | met | |');
    expect(at({ http: [mix(1, 100, 3), mix(16, 4_000, 20.04), mix(64, 150, 30)] })).toContain('| HTTP commands p99 ≤ 20 ms at 16 | 20.04 ms | **missed** | |');
    expect(at({ lag: { p50Ms: 20, p99Ms: 250.4, samples: 400 } })).toContain('| lag p99 ≤ 250 ms under load | 250.4 ms | **missed** | |');
    expect(at({ lag: { p50Ms: 20, p99Ms: 250, samples: 400 } })).toContain('| lag p99 ≤ 250 ms under load | 250 ms | met | |');
    expect(at({ long: { loadMs: 5.004, asOfMs: 2 } })).toContain('| 360-event load ≤ 5 ms | 5.004 ms | **missed** | |');
    expect(at({ catchUp: { events: 100_000, eventsPerSec: 39_999.6 } })).toContain('| catch-up ≥ 40,000 events/s | 39,999.6 | **missed** | 20,000 |');
    const flat = at({ flatness: { ...results.flatness, largeNearEndMsPerPage: 2.4, largeSameStartMsPerPage: 1.9 } });
    expect(flat).toContain('| reading from a position flat, 25,000 vs 401,440 events (within 20 %) | 1.20 × | met | |');
  });

  it('reports each run beside the floor and the peer, the commands\' latency apart from the whole mix\'s, and a busy machine', () => {
    const markdown = lines(results);
    expect(markdown).toEqual(
      expect.arrayContaining([
        '| 16 | 10,000 | 3,000 | 8,500 | 0.85 × | 2.83 × | 10.0 / 10.0 / 10.0 | 0 |',
        '| 16 | 4,000 | 6,000 | 4.3 / 18.3 | 1 / 10 / 50 | 0 | 0.40 × |',
        // The targets read the two-process rows; the projector-inline run is shown, and its errors count.
        '| 16, projector inline | 3,000 | 4,500 | 4.3 / 40.0 | 1 / 10 / 50 | 2 | 0.30 × |',
        '| projection lag under the 16-connection HTTP load, p50 / p99 (of 400 samples) | 20 / 300 ms |',
        '| the same with the projector inside the API process (of 390 samples) | 150 / 600 ms |',
        '| replay into a read model: `rebuild` of billing from 100,000 events into fresh tables | 61,000 events/s |',
        '| the same in the corpus grown to 401,440 events: near the end / from where its head was before it grew | 2.20 / 2.50 ms per page |',
      ]),
    );
    expect(renderMarkdown(results)).toContain('the machine was busy with other work');
    expect(renderMarkdown({ ...results, machine: { ...results.machine, loadAverage: [0.5, 0.4] } })).not.toContain('busy');
  });

  it('sets the issue\'s reference figures beside this run\'s, and ours against them', () => {
    expect(lines(results)).toEqual(
      expect.arrayContaining([
        '| floor: durable single-row INSERTs/s at 16 connections | ~11,000 | 10,000 | 0.91 × |',
        '| peer: Emmett appends/s at 16 | ~3,600 | 3,000 | 0.83 × |',
        '| Nest + Fastify + one INSERT per request, requests/s at 16 | 5,000–7,000 | 5,000 | 0.83 × (of 6,000) |',
        '| raw catch-up: read + one batched upsert per page, events/s | ~95,000 | 47,500 | 0.50 × |',
        '| 64 | 4,500 | 1 / 10 / 50 | 0 | 0.50 × |',
        '| HTTP commands/s ÷ Nest + one INSERT requests/s, at 16 | 0.80 × |',
        '| catch-up of every projection ÷ raw catch-up | 0.87 × |',
        '| slowest rebuild ÷ raw catch-up | 1.01 × |',
        '| replay into memory ÷ raw read | 2.50 × |',
      ]),
    );
  });

  it('replaces only the generated section of the document', () => {
    const first = spliceGenerated('# Performance\n\nNotes by hand.\n', 'run 1');
    expect(first).toBe(`# Performance\n\nNotes by hand.\n\n${GENERATED_BEGIN}\nrun 1\n${GENERATED_END}\n`);
    const second = spliceGenerated(`${first}\n## Before/after\nkept\n`, 'run 2');
    expect(second).toBe(`# Performance\n\nNotes by hand.\n\n${GENERATED_BEGIN}\nrun 2\n${GENERATED_END}\n\n## Before/after\nkept\n`);
  });
});
