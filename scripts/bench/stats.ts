/**
 * The bench's arithmetic: percentiles, rates and ratios. Pure, so a spec can check it.
 */

/** Nearest-rank percentile (p in 0..100) of unsorted samples; NaN when there are none. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  if (p < 0 || p > 100) throw new RangeError(`percentile must be within 0..100, got ${p}`);
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

/** What one concurrent run measured: operations per second and their latency in milliseconds. */
export interface RunResult {
  connections: number;
  opsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  errors: number;
}

/**
 * An HTTP mix: `opsPerSec` counts the commands (requests that append events); `p50Ms`/`p99Ms`/`maxMs`
 * are over every request of the mix, in autocannon's whole milliseconds.
 */
export interface MixResult extends RunResult {
  requestsPerSec: number;
  /** The commands' own latency (the target's), timed here to the microsecond. */
  commandP50Ms: number;
  commandP99Ms: number;
  /** The first failures' status and body, to say why. */
  errorSamples: string[];
}

/** Summarises the latencies (ms) of `ops` operations finished in `seconds`. */
export function summarise(connections: number, latenciesMs: readonly number[], seconds: number, errors = 0): RunResult {
  if (seconds <= 0) throw new RangeError('a run must last a positive time');
  return {
    connections,
    opsPerSec: latenciesMs.length / seconds,
    p50Ms: percentile(latenciesMs, 50),
    p99Ms: percentile(latenciesMs, 99),
    maxMs: latenciesMs.length === 0 ? Number.NaN : latenciesMs.reduce((a, b) => Math.max(a, b)),
    errors,
  };
}

/** `value / reference`, or NaN when the reference measured nothing (a ratio to 0 means nothing). */
export function ratio(value: number, reference: number): number {
  return reference > 0 && Number.isFinite(value) ? value / reference : Number.NaN;
}

/** One projection rebuilt from position 0 into fresh tables (`rebuild`, as `npm run projections -- rebuild`). */
export interface RebuildResult {
  projection: string;
  events: number;
  eventsPerSec: number;
}

/** Reading from a position as the store grows (issue 7: 25k vs 400k events, within 20 %): pages read each time. */
export const FLATNESS = { smallEvents: 25_000, largeEvents: 400_000, pages: 20, pageSize: 500 } as const;

export interface ReadFlatness {
  smallEvents: number;
  largeEvents: number;
  /** Median ms per page reading `pages` pages after a position `pages × pageSize` events before the head. */
  smallMsPerPage: number;
  /** The same in the large store: from that many events before its head... */
  largeNearEndMsPerPage: number;
  /** ...and from where its head was before it grew, now early in it. */
  largeSameStartMsPerPage: number;
}
