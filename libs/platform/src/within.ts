/**
 * `work`, or a rejection once `ms` have passed without its answer (`work` itself goes on). For
 * checks that must answer: a hung database is not ready, and whoever asks must hear so.
 */
export function answeredWithin<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/**
 * How long a readiness check may take before it counts as down, in the API and the projector
 * alike: under the Docker HEALTHCHECK's 3 s, so that its probe hears the 503.
 */
export const READINESS_CHECK_MS = 2_000;
