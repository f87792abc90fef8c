/**
 * Preloaded into the service by `PRELOAD=dist/scripts/bench/count-queries.js` (see profile.ts):
 * counts every statement the process sends, by its first 70 characters, and writes the counts,
 * most frequent first, to `QUERY_COUNTS` (default /tmp/query-counts.txt) when the process exits.
 * How many round trips each part makes under load is what a CPU profile cannot show.
 */
import { writeFileSync } from 'node:fs';
import { Client } from 'pg';

const counts = new Map<string, number>();
const query = Client.prototype.query as (...args: unknown[]) => unknown;
Client.prototype.query = function countedQuery(this: Client, ...args: unknown[]) {
  const config = args[0] as string | { text?: string } | undefined;
  const text = typeof config === 'string' ? config : (config?.text ?? '?');
  const key = text.replace(/\s+/g, ' ').trim().slice(0, 70);
  counts.set(key, (counts.get(key) ?? 0) + 1);
  return query.apply(this, args);
} as typeof Client.prototype.query;

process.on('exit', () => {
  const lines = [...counts].sort((a, b) => b[1] - a[1]).map(([key, n]) => `${String(n).padStart(7)} ${key}`);
  writeFileSync(process.env.QUERY_COUNTS ?? '/tmp/query-counts.txt', `${lines.join('\n')}\n`);
});
