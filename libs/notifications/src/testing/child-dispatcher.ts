/**
 * A dispatcher process for the crash spec (compiled with `compileLibs` from the projections'
 * testing support). Env: DATABASE_URL, SMS_GATEWAY_URL, BUSINESS_NOW (ISO), LEASE_MS. Prints
 * `{"started":pid}` and then its log entries, one JSON object per line.
 */
import { ManualClock, createPool } from '@app/platform';
import { SmsDispatcher } from '../dispatcher';
import { HttpSmsGateway } from '../gateway/http-gateway';

const say = (line: object) => process.stdout.write(`${JSON.stringify(line)}\n`);

async function main() {
  const pool = createPool(process.env.DATABASE_URL!, { max: 2 });
  const dispatcher = await SmsDispatcher.create({
    pool,
    gateway: new HttpSmsGateway({ url: process.env.SMS_GATEWAY_URL!, timeoutMs: 30_000 }),
    clock: new ManualClock(new Date(process.env.BUSINESS_NOW!)),
    log: (entry) => say({ log: entry }),
    reminders: async () => null,
    leaseMs: Number(process.env.LEASE_MS),
    ratePerSecond: 1_000,
    pollMs: 50,
  });
  dispatcher.start();
  say({ started: process.pid });
}

main().catch((error) => {
  say({ failed: String(error) });
  process.exit(1);
});
