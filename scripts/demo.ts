/**
 * Brings a running service to life for a newcomer: a few hundred applicants of the registry go
 * through a compressed few weeks on the manual clock, over HTTP only.
 *
 *   DATA_DIR=.data/demo CLOCK_MODE=manual CLOCK_START=2026-12-01T06:00:00Z npm start   (another terminal)
 *   npm run demo -- [--url http://localhost:3000] [--people 300] [--seed 1] [--concurrency 8]
 *
 * It mints dev tokens with the service's secret (AUTH_JWT_SECRET or the dev default) and moves
 * the clock, so it only talks to a service on this machine. The plan is fixed by the seed, the
 * registry and the clock's first day (scripts/demo/plan.ts); the outcomes are the service's.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { iranDate, jalaliOfIso, type ApplicantFacts } from '@app/contracts-domain';
import { buildPlan, type Action, type DemoPlan, type Scene } from './demo/plan';
import { tokenFor } from './token';

const DEFAULT_REGISTRY = 'libs/registry/sample/registry.json';
const TOKEN_TTL_SECONDS = 12 * 3600;
const REQUEST_TIMEOUT_MS = 30_000;
const ATTEMPTS = 3;
const CATCH_UP_WAIT_MS = 30_000;
const STATUSES = ['awaiting_payment', 'active', 'payments_blocked', 'lapsed', 'cancelled', 'terminated'] as const;

class DemoError extends Error {}

export const USAGE = 'usage: demo [--url http://localhost:3000] [--people 300] [--seed 1] [--concurrency 8]';

interface Options {
  url: URL;
  people: number;
  seed: number;
  concurrency: number;
}

export function parseOptions(args: string[]): Options {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        url: { type: 'string', default: 'http://localhost:3000' },
        people: { type: 'string', default: '300' },
        seed: { type: 'string', default: '1' },
        concurrency: { type: 'string', default: '8' },
      },
      strict: true,
    }));
  } catch (error) {
    // node:util's refusal (an unknown option, a missing value), with what the demo takes.
    throw new DemoError(`${(error as Error).message}\n${USAGE}`);
  }
  const url = new URL(values.url);
  if (!isLoopback(url.hostname)) {
    throw new DemoError(`--url ${values.url}: the demo mints dev tokens and moves the clock, so it only talks to a service on this machine (localhost)`);
  }
  const positive = (name: string, value: string) => {
    const n = Number(value);
    if (!Number.isSafeInteger(n) || n <= 0) throw new DemoError(`--${name} must be a positive integer`);
    return n;
  };
  return { url, people: positive('people', values.people), seed: positive('seed', values.seed), concurrency: positive('concurrency', values.concurrency) };
}

export function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || hostname === '::1' || /^127(\.\d{1,3}){3}$/.test(hostname);
}

// ---------------------------------------------------------------------------------------------
// HTTP

interface Answer {
  status: number;
  /** Parsed JSON, read field by field with optional chaining (the demo checks what it uses). */
  body: any;
}

class Service {
  requests = 0;
  private readonly tokens = new Map<string, string>();

  constructor(private readonly base: URL) {}

  token(role: string, scope?: [claim: string, value: string]): string {
    const key = `${role}|${scope?.join('=') ?? ''}`;
    let token = this.tokens.get(key);
    if (!token) {
      const args = ['--role', role, '--ttl', String(TOKEN_TTL_SECONDS), ...(scope ? [`--${scope[0]}`, scope[1]] : [])];
      token = tokenFor(args, process.env, new Date());
      this.tokens.set(key, token);
    }
    return token;
  }

  /** One request; network failures, 5xx and concurrency conflicts are retried with the same Idempotency-Key. */
  async call(method: string, path: string, token: string | null, body?: unknown, idempotencyKey?: string): Promise<Answer> {
    for (let attempt = 1; ; attempt++) {
      this.requests++;
      try {
        const res = await fetch(new URL(path, this.base), {
          method,
          headers: {
            ...(token ? { authorization: `Bearer ${token}` } : {}),
            ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
            ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        });
        const text = await res.text();
        const answer = { status: res.status, body: parse(text) };
        const retryable = res.status >= 500 || answer.body?.code === 'CONCURRENCY_CONFLICT';
        if (!retryable || attempt === ATTEMPTS) return answer;
      } catch (error) {
        if (attempt === ATTEMPTS) throw error;
      }
      await new Promise((done) => setTimeout(done, 200 * attempt));
    }
  }
}

function parse(text: string): any {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

// ---------------------------------------------------------------------------------------------
// Running the plan

interface Held {
  id: string;
  monthlyPremium: number;
  branchId: string;
}

class Tally {
  readonly counts = new Map<string, number>();

  add(label: string, n = 1): void {
    this.counts.set(label, (this.counts.get(label) ?? 0) + n);
  }

  get(label: string): number {
    return this.counts.get(label) ?? 0;
  }

  /** Labels that mean a bug (ours or the service's), not a domain refusal. */
  unexpected(): Array<[string, number]> {
    return [...this.counts].filter(([label]) => label.startsWith('UNEXPECTED'));
  }
}

const LABEL: Record<Action['kind'], { ok: string; refused: string }> = {
  apply: { ok: 'concluded online', refused: 'online conclusion refused' },
  branchOpen: { ok: 'concluded at a branch', refused: 'branch conclusion refused' },
  changeWage: { ok: 'wage changed before the first payment', refused: 'wage change refused' },
  pay: { ok: 'first payment confirmed by a bank', refused: 'payment refused' },
  referral: { ok: 'exam referral issued', refused: 'referral refused' },
  examResult: { ok: 'exam result recorded', refused: 'exam result refused' },
  determination: { ok: 'branch determination made', refused: 'determination refused' },
};

class Runner {
  readonly tally = new Tally();
  readonly reasons = new Tally();
  readonly held = new Map<string, Held>();

  constructor(
    private readonly service: Service,
    private readonly plan: DemoPlan,
    private readonly facts: Map<string, ApplicantFacts>,
  ) {}

  /** Fixed by the plan, so a retried request (or a rerun of the same plan) appends nothing twice. */
  private key(action: Action, at: string, step: string): string {
    return `demo-${this.plan.seed}-${action.person}-${at}-${action.kind}-${step}`;
  }

  /** Records a non-success answer: a domain refusal by its code, anything else as unexpected. */
  private refused(action: Action, answer: Answer, step: string = action.kind): void {
    const code = answer.body?.code ?? 'no code';
    const domainRefusal = answer.status === 409 || answer.status === 422;
    this.tally.add(domainRefusal ? `${LABEL[action.kind].refused}: ${code}` : `UNEXPECTED ${step} → ${answer.status} ${code}`);
    if (code === 'NOT_ELIGIBLE') for (const reason of answer.body.reasons ?? []) this.reasons.add(reason);
  }

  async run(action: Action, at: string): Promise<void> {
    if (action.kind !== 'apply' && action.kind !== 'branchOpen' && !this.held.has(action.person)) {
      this.tally.add(`skipped (no contract): ${action.kind}`);
      return;
    }
    switch (action.kind) {
      case 'apply':
        return this.apply(action, at);
      case 'branchOpen':
        return this.branchOpen(action, at);
      case 'changeWage':
        return this.contractCommand(action, at, 'PUT', 'wage', this.applicant(action.person), { requestedMonthlyPremium: action.premium });
      case 'pay': {
        const held = this.held.get(action.person)!;
        const body = {
          contractId: held.id,
          periods: action.periods,
          amount: action.periods * held.monthlyPremium,
          bankReference: `${action.bankId.toUpperCase()}-${this.plan.seed}-${held.id.slice(0, 8)}`,
          paidAt: at,
        };
        const answer = await this.service.call('POST', '/v1/payments', this.service.token('bank', ['bankId', action.bankId]), body, this.key(action, at, 'pay'));
        if (answer.status === 201) this.tally.add(LABEL.pay.ok);
        else this.refused(action, answer);
        return;
      }
      case 'referral':
        return this.contractCommand(action, at, 'POST', 'exam/referral', this.applicant(action.person), undefined);
      case 'examResult':
        return this.contractCommand(action, at, 'POST', 'exam/result', this.service.token('examiner'), { result: action.result }, `exam ${action.result}`);
      case 'determination': {
        const officer = this.service.token('branch_officer', ['branchId', this.held.get(action.person)!.branchId]);
        const note = action.outcome === 'cleared' ? 'Examined at the branch; cover continues.' : 'Exam not taken in time; contract ended.';
        return this.contractCommand(action, at, 'POST', 'exam/determination', officer, { outcome: action.outcome, note }, `determination: ${action.outcome}`);
      }
    }
  }

  private applicant(nationalCode: string): string {
    return this.service.token('applicant', ['nationalCode', nationalCode]);
  }

  private async contractCommand(action: Action, at: string, method: string, path: string, token: string, body: unknown, okLabel = LABEL[action.kind].ok): Promise<void> {
    const held = this.held.get(action.person)!;
    const answer = await this.service.call(method, `/v1/contracts/${held.id}/${path}`, token, body ?? {}, this.key(action, at, path));
    if (answer.status !== 200 && answer.status !== 201) return this.refused(action, answer);
    this.tally.add(okLabel);
    if (typeof answer.body?.monthlyPremium === 'number') held.monthlyPremium = answer.body.monthlyPremium;
  }

  /** Terms, quote and the confirmation body, as the portal builds them. */
  private async quoted(action: Extract<Action, { kind: 'apply' | 'branchOpen' }>): Promise<Record<string, unknown> | null> {
    const token = this.applicant(action.person);
    const terms = await this.service.call('GET', '/v1/terms', token);
    if (terms.status !== 200) {
      this.refused(action, terms, 'terms');
      return null;
    }
    if (action.kind === 'apply' && action.overAskFirst) {
      const tooMuch = await this.service.call('POST', '/v1/quotes', token, { requestedMonthlyPremium: 10 * action.premium + 1_000_000_000 });
      // Any other refusal (NOT_ELIGIBLE) comes again with the real quote and is counted there.
      if (tooMuch.body?.code === 'WAGE_OUT_OF_RANGE') this.tally.add('quote refused: WAGE_OUT_OF_RANGE (asked again within the range)');
      else if (tooMuch.status !== 422) this.refused(action, tooMuch, 'quote');
    }
    const quote = await this.service.call('POST', '/v1/quotes', token, { requestedMonthlyPremium: action.premium });
    if (quote.status !== 200) {
      if (quote.status === 422) this.tally.add(`quote refused: ${quote.body?.code}`);
      else this.refused(action, quote, 'quote');
      if (quote.body?.code === 'NOT_ELIGIBLE') for (const reason of quote.body.reasons ?? []) this.reasons.add(reason);
      return null;
    }
    this.tally.add('quoted');
    const q = quote.body;
    return {
      requestedMonthlyPremium: action.premium,
      acceptTerms: { version: terms.body.version },
      confirm: { premiumRate: q.premiumRate, wageBasis: q.wageBasis, startDate: q.startDate },
      ...(q.examRequirement === 'required' ? { examUndertaking: true } : {}),
    };
  }

  private async apply(action: Extract<Action, { kind: 'apply' }>, at: string): Promise<void> {
    const body = await this.quoted(action);
    if (!body) return;
    const key = this.key(action, at, 'open');
    const answer = await this.service.call('POST', '/v1/contracts', this.applicant(action.person), body, key);
    if (answer.status !== 201) return this.refused(action, answer);
    this.concluded(action.person, answer, LABEL.apply.ok);
    if (action.retryOpen) {
      // A portal retrying after a lost answer: the same key gives the same contract, nothing new.
      const again = await this.service.call('POST', '/v1/contracts', this.applicant(action.person), body, key);
      const same = again.status === 201 && again.body?.id === answer.body.id;
      this.tally.add(same ? 'open retried with the same Idempotency-Key: same contract' : `UNEXPECTED idempotent retry → ${again.status} ${again.body?.code ?? again.body?.id}`);
    }
  }

  private async branchOpen(action: Extract<Action, { kind: 'branchOpen' }>, at: string): Promise<void> {
    const body = await this.quoted(action);
    if (!body) return;
    const documents = action.documents.map((kind, i) => ({ kind, reference: `DOC-${action.person.slice(-4)}-${i + 1}` }));
    const officer = this.service.token('branch_officer', ['branchId', action.branchId]);
    const answer = await this.service.call('POST', '/v1/branch/contracts', officer, { ...body, nationalCode: action.person, documents }, this.key(action, at, 'open'));
    if (answer.status !== 201) return this.refused(action, answer);
    this.concluded(action.person, answer, LABEL.branchOpen.ok);
  }

  private concluded(person: string, answer: Answer, label: string): void {
    this.tally.add(label);
    const { id, monthlyPremium, branchId } = answer.body;
    this.held.set(person, { id, monthlyPremium, branchId: branchId ?? this.facts.get(person)?.branchId });
  }
}

/** Runs `work` for every item, at most `limit` at a time. */
async function inParallel<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await work(items[next++]);
  });
  await Promise.all(lanes);
}

/** A scene's actions: one person's in order, different people side by side. */
async function playScene(runner: Runner, scene: Scene, concurrency: number): Promise<void> {
  const byPerson = new Map<string, Action[]>();
  for (const action of scene.actions) byPerson.set(action.person, [...(byPerson.get(action.person) ?? []), action]);
  await inParallel([...byPerson.values()], concurrency, async (actions) => {
    for (const action of actions) await runner.run(action, scene.at);
  });
}

async function setClock(service: Service, now: string): Promise<void> {
  const answer = await service.call('PUT', '/v1/_test/clock', service.token('ops'), { now });
  if (answer.status === 404) throw new DemoError(notManual());
  if (answer.status !== 200) throw new DemoError(`PUT /v1/_test/clock answered ${answer.status} ${JSON.stringify(answer.body)}`);
}

function notManual(): string {
  return (
    'the service is not on the manual clock (PUT /v1/_test/clock answers 404). The demo moves time by weeks, so start it with\n' +
    '  DATA_DIR=.data/demo CLOCK_MODE=manual CLOCK_START=2026-12-01T06:00:00Z npm start'
  );
}

// ---------------------------------------------------------------------------------------------
// Main

const say = (line: string) => process.stdout.write(`${line}\n`);

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const service = new Service(options.url);
  const registryFile = resolve(process.env.REGISTRY_FILE || DEFAULT_REGISTRY);
  const registry = JSON.parse(readFileSync(registryFile, 'utf8')) as ApplicantFacts[];

  try {
    await service.call('GET', '/health/live', null);
  } catch {
    throw new DemoError(`no service answers at ${options.url.origin}; start it first with\n  DATA_DIR=.data/demo CLOCK_MODE=manual CLOCK_START=2026-12-01T06:00:00Z npm start`);
  }
  const clock = await service.call('GET', '/v1/_test/clock', service.token('ops'));
  if (clock.status === 404) throw new DemoError(notManual());
  if (clock.status !== 200) throw new DemoError(`GET /v1/_test/clock answered ${clock.status} ${JSON.stringify(clock.body)} (same AUTH_JWT_SECRET, AUTH_JWT_ISSUER and AUTH_JWT_AUDIENCE as the service?)`);
  const start = new Date(clock.body.now);
  const firstDay = iranDate(start);

  const before = await service.call('GET', '/v1/dashboard/branches', service.token('ops'));
  const preexisting = Number(before.body?.totals?.contracts ?? 0);
  if (preexisting > 0) say(`note: the service already holds ${preexisting} contracts; with a fresh DATA_DIR the numbers below add up exactly.`);

  const plan = buildPlan(registry, { seed: options.seed, people: options.people, firstDay });
  const paths = (p: string) => plan.people.filter((person) => person.path === p).length;
  say(
    `demo: seed ${plan.seed}, ${plan.people.length} people of ${registryFile}, ` +
      `${plan.scenes.length} clock steps from ${firstDay} (${jalaliOfIso(firstDay)}) over ${plan.lastDay + 1} days, ${options.concurrency} requests in flight`,
  );
  say(`      planned: ${paths('online')} online, ${paths('branch')} at a branch, ${paths('refused')} not eligible (as the rules stand on their day)`);

  const runner = new Runner(service, plan, new Map(registry.map((f) => [f.nationalCode, f])));
  const began = Date.now();
  const days = [...new Set(plan.scenes.map((s) => s.day))];
  let done = 0;
  const total = plan.scenes.reduce((n, s) => n + s.actions.length, 0);
  for (const day of days) {
    const dayStart = new Map(runner.tally.counts);
    for (const scene of plan.scenes.filter((s) => s.day === day)) {
      // Moving the clock fires what fell due (lapses, overdue exams) before anyone acts.
      await setClock(service, scene.at);
      await playScene(runner, scene, options.concurrency);
      done += scene.actions.length;
    }
    const date = iranDate(new Date(plan.scenes.find((s) => s.day === day)!.at));
    const delta = [...runner.tally.counts]
      .map(([label, n]) => [label, n - (dayStart.get(label) ?? 0)] as const)
      .filter(([label, n]) => n > 0 && label !== 'quoted')
      .map(([label, n]) => `${n} ${label}`);
    say(`[${String(done).padStart(String(total).length)}/${total}] day ${String(day).padStart(2)} ${date} (${jalaliOfIso(date)}): ${delta.join(', ') || 'deadlines only'}`);
  }
  const seconds = (Date.now() - began) / 1000;

  await summary(service, runner, plan, options, seconds, preexisting);
}

/** Waits until the dashboard has caught up with every event, then prints what happened and where to look. */
async function summary(service: Service, runner: Runner, plan: DemoPlan, options: Options, seconds: number, preexisting: number): Promise<void> {
  const ops = service.token('ops');
  const auditor = service.token('auditor');
  let dashboard: Answer;
  let head: Answer;
  for (let waited = 0; ; waited += 250) {
    head = await service.call('GET', '/v1/audit/head', auditor);
    dashboard = await service.call('GET', '/v1/dashboard/branches', ops);
    if (dashboard.status === 200 && BigInt(dashboard.body.checkpoint) >= BigInt(head.body.eventStoreHead)) break;
    if (waited > CATCH_UP_WAIT_MS) {
      runner.tally.add('UNEXPECTED dashboard did not catch up with the event store within 30 s');
      break;
    }
    await new Promise((done) => setTimeout(done, 250));
  }

  // Each contract as its own event stream says it is now (always current), beside the dashboard.
  const streams = new Tally();
  await inParallel([...runner.held.values()], options.concurrency, async ({ id }) => {
    const view = (await service.call('GET', `/v1/contracts/${id}`, auditor)).body;
    streams.add('contracts');
    streams.add(view?.status ?? 'UNEXPECTED unreadable contract');
    streams.add(view?.channel);
    if (['lapsed', 'cancelled', 'terminated'].includes(view?.status)) return;
    if (['pending', 'referred', 'failed'].includes(view?.exam?.status)) streams.add('examsPending');
    if (view?.exam?.status === 'overdue') streams.add('examsOverdue');
  });

  const metrics = await service.call('GET', '/metrics', null);
  const sms = [...String(metrics.body).matchAll(/^sms_messages\{status="([^"]+)"\} (\d+)/gm)].map(([, status, n]) => `${n} ${status}`);

  const totals = dashboard.body?.totals;
  const width = Math.max(...[...runner.tally.counts.keys()].map((l) => l.length), 40);
  const row = (label: string, n: number | string) => say(`  ${label.padEnd(width)} ${String(n).padStart(5)}`);
  const lastDate = iranDate(new Date(plan.scenes[plan.scenes.length - 1].at));

  say('');
  say(`Demo done: seed ${plan.seed}, ${plan.people.length} people, ${plan.firstDay} → ${lastDate} (${jalaliOfIso(plan.firstDay)} → ${jalaliOfIso(lastDate)}), ${service.requests} requests in ${seconds.toFixed(1)} s`);
  say('');
  say('Outcomes (by what the service answered)');
  for (const [label, n] of [...runner.tally.counts].sort(([a], [b]) => a.localeCompare(b))) row(label, n);
  if (runner.reasons.counts.size > 0) {
    say('  NOT_ELIGIBLE reasons: ' + [...runner.reasons.counts].sort(([a], [b]) => a.localeCompare(b)).map(([r, n]) => `${r} ${n}`).join(', '));
  }
  say('');
  say(`Contracts now${' '.repeat(width - 11)}streams  dashboard`);
  const compared: Array<[string, number, unknown]> = [
    ['contracts', streams.get('contracts'), totals?.contracts],
    ...STATUSES.map((status): [string, number, unknown] => [`  ${status}`, streams.get(status), totals?.byStatus?.[status]]),
    ['online', streams.get('online'), totals?.byChannel?.online],
    ['at a branch', streams.get('branch'), totals?.byChannel?.branch],
    ['exams pending (in force)', streams.get('examsPending'), totals?.examsPending],
    ['exams overdue (in force)', streams.get('examsOverdue'), totals?.examsOverdue],
  ];
  for (const [label, mine, theirs] of compared) say(`  ${label.padEnd(width)} ${String(mine).padStart(5)}  ${String(theirs ?? '?').padStart(9)}`);
  if (totals) say(`  dashboard only: ${totals.openedToday} opened today, ${totals.firstPaymentsDueSoon} first payments due within 5 days, ${totals.lapses} lapses`);
  if (compared.some(([, mine, theirs]) => mine !== theirs)) {
    if (preexisting > 0) say(`  (the dashboard also counts the ${preexisting} contracts from before this run)`);
    else runner.tally.add('UNEXPECTED the dashboard disagrees with the event streams');
  }
  say('');
  const origin = options.url.origin;
  say('Where to look');
  say(`  dashboard page   ${origin}/dashboard   (paste the ops token; valid ${TOKEN_TTL_SECONDS / 3600} h)`);
  say(`  ops token        ${ops}`);
  say(`  dashboard API    curl -s ${origin}/v1/dashboard/branches -H "Authorization: Bearer <ops token>"`);
  say(`  SMS sink         $DATA_DIR/sms.ndjson of the service (.data/demo/sms.ndjson with the README's command)`);
  say(`  SMS outbox       ${sms.join(', ') || 'see /metrics'} (sent at SMS_RATE_PER_SECOND, default 10/s: pending ones follow)`);
  say(`  audit export     curl -s "${origin}/v1/audit/events?limit=20" -H "Authorization: Bearer <auditor token>"`);
  say(`  auditor token    ${auditor}`);
  say(`  audit head       position ${head.body?.position} hash ${head.body?.hash}`);
  say(`  the clock        ${dashboard.body?.asOf} (manual; the demo left it on its last day)`);

  const unexpected = runner.tally.unexpected();
  if (unexpected.length > 0) {
    say('');
    say(`${unexpected.reduce((n, [, c]) => n + c, 0)} unexpected answers (see the UNEXPECTED lines above)`);
    process.exitCode = 1;
  }
}

if (require.main === module && (process.argv.includes('--help') || process.argv.includes('-h'))) {
  process.stdout.write(`${USAGE}\n`);
} else if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`demo: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  });
}
