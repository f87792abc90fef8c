import { FLATNESS, ratio, type MixResult, type ReadFlatness, type RebuildResult, type RunResult } from './stats';

export interface BenchResults {
  date: string;
  commit: string;
  machine: { cpus: number; cpuModel: string; memoryGiB: number; loadAverage: [number, number] };
  quick: boolean;
  /** As production runs it: the API with PROJECTOR=off, apps/projector in a second process. */
  http: MixResult[];
  /** 16 connections with the projector inside the API process, as `npm start` runs it. */
  httpInline: MixResult;
  floor: RunResult[];
  peer: RunResult[];
  ours: RunResult[];
  /** The issue's HTTP reference: Nest + Fastify + one INSERT per request (`POST /floor`), per connection level. */
  nestFloor: RunResult[];
  /** The issue's read-side reference: every event read with plain `pg`, one batched upsert per page. */
  rawCatchUp: { events: number; eventsPerSec: number };
  /** Reading alone with plain `pg`: the floor under any replay. */
  rawRead: { events: number; eventsPerSec: number };
  catchUp: { events: number; eventsPerSec: number };
  lag: { p50Ms: number; p99Ms: number };
  lagInline: { p50Ms: number; p99Ms: number };
  replay: { events: number; eventsPerSec: number };
  long: { loadMs: number; asOfMs: number };
  rebuilds: RebuildResult[];
  flatness: ReadFlatness;
}

/**
 * What issue 7 measured on this kind of box before any code was written, and set its absolute
 * targets from (the Nest figure is the middle of its 5-7k).
 */
export const ISSUE_REFERENCE = { floorInsertsPerSec16: 11_000, peerAppendsPerSec16: 3_600, nestInsertRequestsPerSec16: 6_000, rawCatchUpEventsPerSec: 95_000 } as const;

/** The issue's summary line: figures at 16 connections. */
export function summaryLine(r: BenchResults): Record<string, number> {
  const at16 = (runs: readonly RunResult[]) => runs.find((run) => run.connections === 16);
  return {
    commandsPerSec16: round(at16(r.http)?.opsPerSec),
    p99Ms16: round(at16(r.http)?.p99Ms, 1),
    floorInsertsPerSec16: round(at16(r.floor)?.opsPerSec),
    peerAppendsPerSec16: round(at16(r.peer)?.opsPerSec),
    ourAppendsPerSec16: round(at16(r.ours)?.opsPerSec),
    catchUpEventsPerSec: round(r.catchUp.eventsPerSec),
    lagP99Ms: round(r.lag.p99Ms),
    load360Ms: round(r.long.loadMs, 2),
    replayEventsPerSec: round(r.replay.eventsPerSec),
    replayIntoReadModelEventsPerSec: round(Math.min(...r.rebuilds.map((rebuilt) => rebuilt.eventsPerSec))),
    readAllFlatnessRatio: round(flatnessRatio(r.flatness), 2),
    nestInsertRequestsPerSec16: round(at16(r.nestFloor)?.opsPerSec),
    rawCatchUpEventsPerSec: round(r.rawCatchUp.eventsPerSec),
    rawReadEventsPerSec: round(r.rawRead.eventsPerSec),
  };
}

/** How much slower reading from a position got as the store grew (the worse of the two readings). */
function flatnessRatio(f: ReadFlatness): number {
  return ratio(Math.max(f.largeNearEndMsPerPage, f.largeSameStartMsPerPage), f.smallMsPerPage);
}

function round(value: number | undefined, digits = 0): number {
  if (value === undefined || !Number.isFinite(value)) return Number.NaN;
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

const n = (value: number, digits = 0) =>
  Number.isFinite(value) ? value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : '–';
const x = (value: number) => (Number.isFinite(value) ? `${value.toFixed(2)} ×` : '–');
const met = (ok: boolean) => (ok ? 'met' : '**missed**');

/** The generated part of docs/performance.md, also printed to the terminal. */
export function renderMarkdown(r: BenchResults): string {
  const byConnections = (runs: readonly RunResult[], c: number) => runs.find((run) => run.connections === c);
  const levels = r.floor.map((run) => run.connections);
  const s = summaryLine(r);
  const floor16 = s.floorInsertsPerSec16;
  const busy = r.machine.loadAverage[0] > r.machine.cpus;
  const rawScale = ratio(s.rawCatchUpEventsPerSec, ISSUE_REFERENCE.rawCatchUpEventsPerSec);
  const lines = [
    `Run of ${r.date} (${r.quick ? '`--quick`' : 'full'}), commit \`${r.commit}\`, ${r.machine.cpus} × ${r.machine.cpuModel}, ${n(r.machine.memoryGiB)} GiB;`,
    `load average ${r.machine.loadAverage.map((l) => l.toFixed(1)).join(' / ')} (1/5 min) when it started${busy ? ': **the machine was busy with other work; absolute figures are low and noisy, the ratios measured in this same run are what to compare**' : ''}.`,
    '',
    '### Appends: one event per call, each to a new stream, same PostgreSQL (fsync on)',
    '',
    '| connections | floor: INSERT/s | peer: Emmett appends/s | ours: appends/s | ours ÷ floor | ours ÷ peer | p99 floor / peer / ours (ms) | errors |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...levels.map((c) => {
      const [f, p, o] = [byConnections(r.floor, c), byConnections(r.peer, c), byConnections(r.ours, c)];
      return `| ${c} | ${n(f?.opsPerSec ?? NaN)} | ${n(p?.opsPerSec ?? NaN)} | ${n(o?.opsPerSec ?? NaN)} | ${x(ratio(o?.opsPerSec ?? NaN, f?.opsPerSec ?? 0))} | ${x(ratio(o?.opsPerSec ?? NaN, p?.opsPerSec ?? 0))} | ${[f, p, o].map((run) => n(run?.p99Ms ?? NaN, 1)).join(' / ')} | ${[f, p, o].reduce((sum, run) => sum + (run?.errors ?? 0), 0)} |`;
    }),
    '',
    '### HTTP: quote → open → wage change → first payment → read, new applicant per loop',
    '',
    'The API and the projector as two processes, as `docker-compose.yml` runs them (the targets are judged on these rows); the last row, the projector inside the API process, as `npm start` runs it.',
    '',
    '| connections | commands/s | requests/s | p50 / p99 / max (ms, all requests) | errors | commands ÷ floor |',
    '|---:|---:|---:|---:|---:|---:|',
    ...[...r.http, r.httpInline].map((h, index) => {
      const f = byConnections(r.floor, h.connections);
      const label = index < r.http.length ? String(h.connections) : `${h.connections}, projector inline`;
      return `| ${label} | ${n(h.opsPerSec)} | ${n(h.requestsPerSec)} | ${n(h.p50Ms, 1)} / ${n(h.p99Ms, 1)} / ${n(h.maxMs, 1)} | ${h.errors} | ${x(ratio(h.opsPerSec, f?.opsPerSec ?? 0))} |`;
    }),
    '',
    '### Read side',
    '',
    '| measure | value |',
    '|---|---:|',
    `| catch-up of every projection from position 0 over ${n(r.catchUp.events)} events | ${n(r.catchUp.eventsPerSec)} events/s |`,
    `| projection lag under the 16-connection HTTP load, p50 / p99 | ${n(r.lag.p50Ms)} / ${n(r.lag.p99Ms)} ms |`,
    `| the same with the projector inside the API process | ${n(r.lagInline.p50Ms)} / ${n(r.lagInline.p99Ms)} ms |`,
    `| replay of ${n(r.replay.events)} events into memory (read in order, fold per contract) | ${n(r.replay.eventsPerSec)} events/s |`,
    `| load a 360-event contract in a process that does not remember it (its snapshot, the events after it, fold), median | ${n(r.long.loadMs, 2)} ms |`,
    `| auditor \`asOf\` halfway through it (read + fold + view), median | ${n(r.long.asOfMs, 2)} ms |`,
    ...r.rebuilds.map((rebuilt) => `| replay into a read model: \`rebuild\` of ${rebuilt.projection} from ${n(rebuilt.events)} events into fresh tables | ${n(rebuilt.eventsPerSec)} events/s |`),
    `| ${FLATNESS.pages} pages of ${FLATNESS.pageSize} read after a position, ${n(r.flatness.smallEvents)}-event store, median | ${n(r.flatness.smallMsPerPage, 2)} ms per page |`,
    `| the same in the corpus grown to ${n(r.flatness.largeEvents)} events: near the end / from where its head was before it grew | ${n(r.flatness.largeNearEndMsPerPage, 2)} / ${n(r.flatness.largeSameStartMsPerPage, 2)} ms per page |`,
    '',
    '### The issue\'s reference figures, re-measured in this run',
    '',
    'Issue 7 set its absolute targets from figures measured on this kind of box before any code was written. The same things measured again, in this run, on the same server: the floor and the peer above, a bare Nest + Fastify app whose one route does the floor\'s INSERT (no auth, validation or logging; `scripts/bench/nest-floor.ts`), and the corpus read with plain `pg` in pages of 5,000, with one batched upsert per page (a row per stream) or with nothing else.',
    '',
    '| reference | issue 7 | this run | this run ÷ issue 7 |',
    '|---|---:|---:|---:|',
    `| floor: durable single-row INSERTs/s at 16 connections | ~${n(ISSUE_REFERENCE.floorInsertsPerSec16)} | ${n(floor16)} | ${x(ratio(floor16, ISSUE_REFERENCE.floorInsertsPerSec16))} |`,
    `| peer: Emmett appends/s at 16 | ~${n(ISSUE_REFERENCE.peerAppendsPerSec16)} | ${n(s.peerAppendsPerSec16)} | ${x(ratio(s.peerAppendsPerSec16, ISSUE_REFERENCE.peerAppendsPerSec16))} |`,
    `| Nest + Fastify + one INSERT per request, requests/s at 16 | 5,000–7,000 | ${n(s.nestInsertRequestsPerSec16)} | ${x(ratio(s.nestInsertRequestsPerSec16, ISSUE_REFERENCE.nestInsertRequestsPerSec16))} (of 6,000) |`,
    `| raw catch-up: read + one batched upsert per page, events/s | ~${n(ISSUE_REFERENCE.rawCatchUpEventsPerSec)} | ${n(s.rawCatchUpEventsPerSec)} | ${x(rawScale)} |`,
    `| raw read: every event read and parsed, nothing else, events/s | – | ${n(s.rawReadEventsPerSec)} | |`,
    '',
    '| Nest + one INSERT: connections | requests/s | p50 / p99 / max (ms) | errors | ÷ floor |',
    '|---:|---:|---:|---:|---:|',
    ...r.nestFloor.map((h) => `| ${h.connections} | ${n(h.opsPerSec)} | ${n(h.p50Ms, 1)} / ${n(h.p99Ms, 1)} / ${n(h.maxMs, 1)} | ${h.errors} | ${x(ratio(h.opsPerSec, byConnections(r.floor, h.connections)?.opsPerSec ?? 0))} |`),
    '',
    '| ours against the reference of this run | ratio |',
    '|---|---:|',
    `| HTTP commands/s ÷ Nest + one INSERT requests/s, at 16 | ${x(ratio(s.commandsPerSec16, s.nestInsertRequestsPerSec16))} |`,
    `| catch-up of every projection ÷ raw catch-up | ${x(ratio(s.catchUpEventsPerSec, s.rawCatchUpEventsPerSec))} |`,
    `| slowest rebuild ÷ raw catch-up | ${x(ratio(s.replayIntoReadModelEventsPerSec, s.rawCatchUpEventsPerSec))} |`,
    `| replay into memory ÷ raw read | ${x(ratio(s.replayEventsPerSec, s.rawReadEventsPerSec))} |`,
    '',
    '### Against the targets (issue 7)',
    '',
    'The verdict is on each target as written. For the absolute throughput targets the last column scales the target by this run\'s raw catch-up ÷ the issue\'s (above), for information: what the same target would ask of this box as it measured today.',
    '',
    '| target | measured | | scaled target |',
    '|---|---:|---|---:|',
    `| our append ≥ 0.8 × floor at 16 | ${x(ratio(s.ourAppendsPerSec16, floor16))} | ${met(ratio(s.ourAppendsPerSec16, floor16) >= 0.8)} | |`,
    `| our append ≥ 2 × peer at 16 | ${x(ratio(s.ourAppendsPerSec16, s.peerAppendsPerSec16))} | ${met(ratio(s.ourAppendsPerSec16, s.peerAppendsPerSec16) >= 2)} | |`,
    `| HTTP commands ≥ 0.4 × floor at 16 | ${x(ratio(s.commandsPerSec16, floor16))} | ${met(ratio(s.commandsPerSec16, floor16) >= 0.4)} | |`,
    `| HTTP p99 ≤ 20 ms at 16 | ${n(s.p99Ms16, 1)} ms | ${met(s.p99Ms16 <= 20)} | |`,
    `| HTTP zero errors (every run) | ${[...r.http, r.httpInline].reduce((sum, h) => sum + h.errors, 0)} | ${met([...r.http, r.httpInline].every((h) => h.errors === 0))} | |`,
    `| catch-up ≥ 40,000 events/s | ${n(s.catchUpEventsPerSec)} | ${met(s.catchUpEventsPerSec >= 40_000)} | ${n(40_000 * rawScale)} |`,
    `| replay into memory ≥ 150,000 events/s | ${n(s.replayEventsPerSec)} | ${met(s.replayEventsPerSec >= 150_000)} | ${n(150_000 * rawScale)} |`,
    `| replay into a read model ≥ 50,000 events/s (slowest rebuild) | ${n(s.replayIntoReadModelEventsPerSec)} | ${met(s.replayIntoReadModelEventsPerSec >= 50_000)} | ${n(50_000 * rawScale)} |`,
    `| reading from a position flat, ${n(r.flatness.smallEvents)} vs ${n(r.flatness.largeEvents)} events (within 20 %) | ${x(s.readAllFlatnessRatio)} | ${met(s.readAllFlatnessRatio <= 1.2)} | |`,
    `| lag p99 ≤ 250 ms under load | ${n(s.lagP99Ms)} ms | ${met(s.lagP99Ms <= 250)} | |`,
    `| 360-event load ≤ 5 ms | ${n(s.load360Ms, 2)} ms | ${met(s.load360Ms <= 5)} | |`,
  ];
  return lines.join('\n');
}

export const GENERATED_BEGIN = '<!-- bench:begin (written by npm run bench; edit outside these markers) -->';
export const GENERATED_END = '<!-- bench:end -->';

/** Puts the generated section into the document, keeping everything written around it by hand. */
export function spliceGenerated(document: string, generated: string): string {
  const block = `${GENERATED_BEGIN}\n${generated}\n${GENERATED_END}`;
  const begin = document.indexOf(GENERATED_BEGIN);
  const end = document.indexOf(GENERATED_END);
  if (begin === -1 || end < begin) return `${document.trimEnd()}${document.trim() ? '\n\n' : ''}${block}\n`;
  return document.slice(0, begin) + block + document.slice(end + GENERATED_END.length);
}
