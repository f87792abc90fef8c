import autocannon from 'autocannon';
import type { ApplicantFacts } from '@app/contracts-domain';
import { tokenFor } from '../token';
import { percentile, type MixResult, type RunResult } from './stats';

interface Flow {
  /** When this connection's request in flight was set up (one at a time: autocannon does not pipeline here). */
  sentAt?: number;
  applicant: string;
  quote?: { requestedMonthlyPremium: number; premiumRate: number; wageBasis: number; startDate: string; termsVersion: string };
  contractId?: string;
  monthlyPremium?: number;
}

const COMMAND_STEPS = new Set(['open', 'wage', 'pay']);

/**
 * What applicants and banks do, per connection in a loop: quote → open → change the wage (allowed
 * before the first payment) → the bank confirms the first month → read the contract view. Every
 * loop is a new person from `people` (one active contract each), shared by all connections.
 * Commands are the three that append events; latency covers every request of the mix.
 */
export async function runMix(options: {
  baseUrl: string;
  connections: number;
  seconds: number;
  people: readonly ApplicantFacts[];
  nextPerson: () => number;
  env: NodeJS.ProcessEnv;
}): Promise<MixResult> {
  const { people, env } = options;
  const bank = tokenFor(['--role', 'bank', '--bankId', 'mellat', '--ttl', '86400'], env, new Date());
  const json = (token: string) => ({ 'content-type': 'application/json', authorization: `Bearer ${token}` });
  let commands = 0;
  let failures = 0;
  const commandLatencies: number[] = [];
  const errorSamples: string[] = [];
  // autocannon's context is an untyped object; one Flow per connection and loop.
  const flow = (context: object) => context as Flow;
  const step = (name: string, setup: (f: Flow) => autocannon.Request | undefined, after?: (f: Flow, body: Record<string, unknown>) => void): autocannon.Request => ({
    // A falsy request restarts the loop: a step whose predecessor failed is not sent.
    setupRequest: (request, context) => {
      const next = setup(flow(context));
      flow(context).sentAt = performance.now();
      return (next ? { ...request, ...next } : undefined) as autocannon.Request;
    },
    onResponse: (status, body, context) => {
      if (COMMAND_STEPS.has(name)) commandLatencies.push(performance.now() - flow(context).sentAt!);
      if (status >= 200 && status < 300) {
        if (COMMAND_STEPS.has(name)) commands++;
        after?.(flow(context), JSON.parse(body) as Record<string, unknown>);
        return;
      }
      failures++;
      if (errorSamples.length < 5) errorSamples.push(`${name}: ${status} ${body.slice(0, 300)}`);
      // The rest of this loop would fail for the same reason.
      Object.assign(context, { contractId: undefined, quote: undefined });
    },
  });

  const requests: autocannon.Request[] = [
    step(
      'quote',
      (f) => {
        const person = people[options.nextPerson()];
        if (!person) throw new Error('the bench ran out of registry people: generate more');
        Object.assign(f, { applicant: tokenFor(['--role', 'applicant', '--nationalCode', person.nationalCode, '--ttl', '86400'], env, new Date()), quote: undefined, contractId: undefined });
        return { method: 'POST', path: '/v1/quotes', headers: json(f.applicant), body: JSON.stringify({ requestedMonthlyPremium: 30_000_000 }) };
      },
      (f, body) => (f.quote = { ...(body as unknown as NonNullable<Flow['quote']>), requestedMonthlyPremium: 30_000_000 }),
    ),
    step(
      'open',
      (f) =>
        f.quote === undefined ? undefined : {
          method: 'POST',
          path: '/v1/contracts',
          headers: json(f.applicant),
          body: JSON.stringify({
            requestedMonthlyPremium: f.quote.requestedMonthlyPremium,
            acceptTerms: { version: f.quote.termsVersion },
            confirm: { premiumRate: f.quote.premiumRate, wageBasis: f.quote.wageBasis, startDate: f.quote.startDate },
          }),
        },
      (f, body) => (f.contractId = body.id as string),
    ),
    step(
      'wage',
      (f) => f.contractId === undefined ? undefined : { method: 'PUT', path: `/v1/contracts/${f.contractId}/wage`, headers: json(f.applicant), body: JSON.stringify({ requestedMonthlyPremium: 32_000_000 }) },
      (f, body) => (f.monthlyPremium = body.monthlyPremium as number),
    ),
    step(
      'pay',
      (f) =>
        f.contractId === undefined ? undefined : {
          method: 'POST',
          path: '/v1/payments',
          headers: json(bank),
          body: JSON.stringify({ contractId: f.contractId, periods: 1, amount: f.monthlyPremium, bankReference: `BENCH-${f.contractId}`, paidAt: new Date().toISOString() }),
        },
    ),
    step('read', (f) => f.contractId === undefined ? undefined : { method: 'GET', path: `/v1/contracts/${f.contractId}`, headers: json(f.applicant) }),
  ];

  const result = await autocannon({ url: options.baseUrl, connections: options.connections, duration: options.seconds, requests });
  // autocannon's errors include its timeouts.
  const errors = failures + result.errors;
  return {
    connections: options.connections,
    opsPerSec: commands / result.duration,
    requestsPerSec: result.requests.total / result.duration,
    commandP50Ms: percentile(commandLatencies, 50),
    commandP99Ms: percentile(commandLatencies, 99),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    maxMs: result.latency.max,
    errors,
    errorSamples,
  };
}

/** `POST /floor` against the Nest floor (nest-floor.ts) at `connections`, after a warm-up run that is not counted. */
export async function runFloorRequests(options: { baseUrl: string; connections: number; seconds: number; warmupSeconds: number }): Promise<RunResult> {
  const run = (duration: number) => autocannon({ url: `${options.baseUrl}/floor`, method: 'POST', connections: options.connections, duration });
  await run(options.warmupSeconds);
  const result = await run(options.seconds);
  return {
    connections: options.connections,
    opsPerSec: result['2xx'] / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    maxMs: result.latency.max,
    errors: result.non2xx + result.errors, // autocannon's errors include its timeouts
  };
}
