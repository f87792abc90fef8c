/**
 * `npm run sms -- failed [--since <instant>]` lists the messages the gateway never took (given up
 * after `SMS_MAX_ATTEMPTS`, or refused with a 4xx), without recipient or text;
 * `npm run sms -- resend <messageId>… | --since <instant>` puts them back in the queue, for the
 * running service or projector to send. The read-model database as `openReadModelDatabase`
 * (./cli.ts) finds it.
 *
 * Exit status: 0 done; 1 a message named was not failed (nothing else changed for it), or the
 * command failed (the reason on stderr); 2 and `--help` as every CLI here (./cli.ts).
 */
import { isUUID } from 'class-validator';
import type { Pool } from 'pg';
import { failedMessages, resendFailed, withoutGatewayBody } from '@app/notifications';
import { isIsoInstant } from '@app/contracts-domain';
import { loadConfig } from '@app/platform';
import { UsageError, openReadModelDatabase, runCli } from './cli';

export const USAGE = 'usage: sms failed [--since <ISO-8601 instant>] | sms resend (<messageId>... | --since <ISO-8601 instant>)';

export type SmsCommand = { command: 'failed' | 'resend'; since: Date } | { command: 'failed' } | { command: 'resend'; messageIds: string[] };

/** What to do, or a `UsageError` before anything is read or opened. */
export function parseSmsArgs(argv: string[]): SmsCommand {
  const [command, ...rest] = argv;
  if (command !== 'failed' && command !== 'resend') throw new UsageError(command === undefined ? 'sms: no command' : `sms: unknown command "${command}"`);
  const since = (value: string | undefined): Date => {
    if (value === undefined || !isIsoInstant(value)) throw new UsageError(`sms ${command}: --since needs an ISO-8601 instant with its offset, got "${value ?? ''}"`);
    return new Date(value);
  };
  if (rest[0] === '--since') {
    if (rest.length > 2) throw new UsageError(`sms ${command}: unexpected "${rest[2]}"`);
    return { command, since: since(rest[1]) };
  }
  if (command === 'failed') {
    if (rest.length > 0) throw new UsageError(`sms failed: unexpected "${rest[0]}"`);
    return { command };
  }
  if (rest.length === 0) throw new UsageError('sms resend: name the messages (their messageId) or --since <instant>');
  const bad = rest.find((id) => !isUUID(id));
  if (bad !== undefined) throw new UsageError(`sms resend: "${bad}" is not a messageId (a UUID)`);
  return { command, messageIds: rest.map((id) => id.toLowerCase()) };
}

/** Runs what `parseSmsArgs` asked for; returns the exit code. */
export async function runSms(command: SmsCommand, io: { pool: Pool; out: (line: string) => void }): Promise<number> {
  if (command.command === 'failed') {
    const failed = await failedMessages(io.pool, 'since' in command ? command.since : undefined);
    for (const m of failed) {
      // The status alone (a gateway's body may echo the text); the count is said once.
      const why = m.lastError === null ? '' : `, last: ${withoutGatewayBody(m.lastError).replace(/^gave up after \d+ attempts: /, '')}`;
      io.out(`${m.messageId}  contract ${m.contractId}  ${m.template}  failed ${m.failedAt.toISOString()} after ${plural(m.attempts, 'attempt')}${why}`);
    }
    io.out(`${plural(failed.length, 'failed message')}`);
    return 0;
  }
  const resent = await resendFailed(io.pool, 'since' in command ? { since: command.since } : { messageIds: command.messageIds });
  // What each was and since when it is due, so a stale one sent again is the operator's choice, seen.
  for (const m of resent) io.out(`${m.messageId}  ${m.template}  due since ${m.dueSince.toISOString()}  queued again`);
  io.out(`${plural(resent.length, 'message')} queued again: the running service (or projector) sends them`);
  if ('messageIds' in command) {
    const notFailed = command.messageIds.filter((id) => !resent.some((m) => m.messageId === id));
    for (const id of notFailed) io.out(`${id}  not queued: no failed message has this id`);
    if (notFailed.length > 0) return 1;
  }
  return 0;
}

const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

export async function main(argv: string[]): Promise<number> {
  const command = parseSmsArgs(argv); // a typo must not start (or initialise) the embedded PostgreSQL
  const database = await openReadModelDatabase(loadConfig(), 'sms', { max: 2, applicationName: 'sms-cli' });
  try {
    return await runSms(command, { pool: database.pool, out: (line) => process.stdout.write(`${line}\n`) });
  } finally {
    await database.close();
  }
}

if (require.main === module) {
  void runCli(USAGE, main, process.argv.slice(2)).then((code) => process.exit(code));
}
