import { summarise, type RunResult } from './stats';

export interface ClosedLoop {
  connections: number;
  /** Measured window; operations started during the warm-up before it are not counted. */
  seconds: number;
  warmupSeconds: number;
  /** One operation by worker `worker` (0..connections-1); `n` counts that worker's operations. */
  op: (worker: number, n: number) => Promise<void>;
}

/**
 * `connections` workers, each running `op` back to back (a closed loop, as autocannon does for
 * HTTP): throughput is what the system sustains at that concurrency, latency what each caller waits.
 * A failed operation counts as an error and the worker goes on.
 */
export async function closedLoop({ connections, seconds, warmupSeconds, op }: ClosedLoop): Promise<RunResult & { firstError?: string }> {
  const measureFrom = performance.now() + warmupSeconds * 1000;
  const end = measureFrom + seconds * 1000;
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  await Promise.all(
    Array.from({ length: connections }, async (_, worker) => {
      for (let n = 0; performance.now() < end; n++) {
        const started = performance.now();
        try {
          await op(worker, n);
          if (started >= measureFrom) latencies.push(performance.now() - started);
        } catch (error) {
          if (started >= measureFrom) errors++;
          firstError ??= error instanceof Error ? error.message : String(error);
        }
      }
    }),
  );
  const measured = Math.max(performance.now(), end) - measureFrom;
  return { ...summarise(connections, latencies, measured / 1000, errors), ...(firstError ? { firstError } : {}) };
}
