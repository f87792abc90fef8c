/**
 * `npm run audit -- verify [--from N]` recomputes the audit hash chain from the stored events,
 * with a progress line on stderr, and exits 1 naming the first position where the chain breaks
 * (an altered, deleted or inserted event, or a rewritten link). Give `--head <position>:<hash>`
 * (the copy of `GET /v1/audit/head` kept elsewhere) to also check that the chain still ends there.
 * The read-model database as `openReadModelDatabase` (./cli.ts) finds it.
 *
 * Exit status: 0 the chain is intact; 1 it is broken (the first bad position on stdout), or the
 * check failed (the reason on stderr); 2 and `--help` as every CLI here (./cli.ts).
 */
import type { Pool } from 'pg';
import { openEventStore, type EventStore } from '@app/event-store';
import { loadConfig } from '@app/platform';
import { linkAtOrBefore, readAuditHead, verifyChain } from '@app/projections';
import { UsageError, openReadModelDatabase, progressLine, runCli } from './cli';

export interface AuditIo {
  pool: Pool;
  eventStore: EventStore;
  out: (line: string) => void;
  progress: (line: string) => void;
}

export const USAGE = 'usage: audit verify [--from <position>] [--head <position>:<hash>]';

/** What to verify, or a `UsageError` before anything is read or opened. */
export function parseAuditArgs(argv: string[]): { from: bigint; head?: string } {
  const [command, ...rest] = argv;
  if (command !== 'verify') throw new UsageError(command === undefined ? 'audit: no command' : `audit: unknown command "${command}"`);
  const options = new Map<string, string>();
  for (let i = 0; i < rest.length; i += 2) options.set(rest[i]!, rest[i + 1] ?? '');
  const unknown = [...options.keys()].filter((k) => k !== '--from' && k !== '--head');
  if (unknown.length > 0) throw new UsageError(`audit verify: unknown option ${unknown.map((k) => `"${k}"`).join(' ')}`);
  const from = options.get('--from') ?? '0';
  if (!/^\d{1,19}$/.test(from)) throw new UsageError(`audit verify: --from needs a position, got "${from}"`);
  // Hex in either case (a copy kept elsewhere may have been upper-cased); compared as stored, lowercase.
  const head = options.get('--head')?.toLowerCase();
  if (head !== undefined && !/^\d{1,19}:[0-9a-f]{64}$/.test(head)) throw new UsageError(`audit verify: --head needs <position>:<64 hex digits>, got "${options.get('--head')}"`);
  return head === undefined ? { from: BigInt(from) } : { from: BigInt(from), head };
}

/** Verifies what `parseAuditArgs` asked for; returns the exit code. */
export async function runAudit({ from, head }: ReturnType<typeof parseAuditArgs>, io: AuditIo): Promise<number> {
  const { checkpoint } = await readAuditHead(io.pool);
  if (from > checkpoint) {
    // Not "OK: 0 events": nothing past the chain's checkpoint has been hashed, so nothing was verified.
    io.out(`audit verify: --from ${from} is past the chain's checkpoint (${checkpoint}): nothing there has been hashed yet to verify`);
    return 1;
  }
  const result = await verifyChain({ pool: io.pool, eventStore: io.eventStore, from, onProgress: (p) => io.progress(progressLine(p)) });
  if (!result.ok) {
    io.out(`audit chain BROKEN at position ${result.position}: ${result.reason} (${result.events} events verified before it)`);
    return 1;
  }
  if (head) {
    const [position, hash] = head.split(':') as [string, string];
    const link = await linkAtOrBefore(io.pool, BigInt(position));
    if (link.position !== BigInt(position) || link.hash !== hash) {
      io.out(`audit chain BROKEN at position ${position}: the stored chain does not hold the head kept elsewhere (stored ${link.position}:${link.hash})`);
      return 1;
    }
  }
  io.out(`audit chain OK: ${result.events} events verified up to position ${result.position}, head hash ${result.hash}`);
  return 0;
}

export async function main(argv: string[]): Promise<number> {
  const args = parseAuditArgs(argv); // a typo must not start (or initialise) the embedded PostgreSQL
  const config = loadConfig();
  const database = await openReadModelDatabase(config, 'audit', { max: 4, applicationName: 'audit-cli' });
  const pool = database.pool;
  // No upcasters: the chain covers events as stored.
  const eventStore = await openEventStore({ kind: config.eventStore, pool, kurrentDbUrl: config.kurrentDbUrl, readOnly: true });
  let progressOpen = false;
  try {
    return await runAudit(args, {
      pool,
      eventStore,
      out: (line) => {
        // End an open progress line first, so the verdict starts on a line of its own.
        if (progressOpen) process.stderr.write('\n');
        progressOpen = false;
        process.stdout.write(`${line}\n`);
      },
      progress: (line) => {
        progressOpen = true;
        process.stderr.write(`\r${line}`);
      },
    });
  } finally {
    if (progressOpen) process.stderr.write('\n');
    await eventStore.close();
    await database.close();
  }
}

if (require.main === module) {
  void runCli(USAGE, main, process.argv.slice(2)).then((code) => process.exit(code));
}
