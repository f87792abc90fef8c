/** Least-squares slope of y over x (0 with fewer than two distinct x). */
export function slope(points: ReadonlyArray<{ x: number; y: number }>): number {
  const n = points.length;
  if (n < 2) return 0;
  const meanX = points.reduce((s, p) => s + p.x, 0) / n;
  const meanY = points.reduce((s, p) => s + p.y, 0) / n;
  const sxx = points.reduce((s, p) => s + (p.x - meanX) ** 2, 0);
  if (sxx === 0) return 0;
  return points.reduce((s, p) => s + (p.x - meanX) * (p.y - meanY), 0) / sxx;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Values of a Prometheus text exposition's samples named `name` (any labels). */
export function metricValues(exposition: string, name: string): number[] {
  const pattern = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)`, 'gm');
  return [...exposition.matchAll(pattern)].map((m) => Number(m[1]));
}
