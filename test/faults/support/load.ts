import { bankReferenceScope, idempotencyScope } from '../../../apps/contracts-api/src/contracts/idempotency-scope';
import { openCommandId, openedContractId } from '../../../apps/contracts-api/src/contracts/open-contract/open-ids';
import { deterministicId } from '../../../libs/event-store/src/ids';
import { call, tokenFor, type Answer } from './http';
import { REFERENCE_INSTANT, sleep } from './service';

export type CommandKind = 'open' | 'wage' | 'payment';

/** One command the generator sent, with the ids its events must carry. */
export interface CommandRecord {
  kind: CommandKind;
  /** `metadata.commandId` of its events: derived from the idempotency key (or bank reference) and scope. */
  commandId: string;
  contractId: string;
  bankReference?: string;
  /** The final answer's status and problem code (absent while unresolved). */
  status?: number;
  code?: string;
  attempts: number;
  /** Why the last attempt was not final ("network", "503 SERVICE_UNAVAILABLE", …): kept for unresolved ones. */
  lastFailure?: string;
}

export interface LoadOptions {
  baseUrl: string;
  /** National codes; each is used for one contract, in order. */
  people: readonly string[];
  concurrency: number;
  /** After stop(), how long a command already sent keeps being retried before it is left unresolved. */
  drainMs?: number;
  /** Every n-th person also gets two commands that must be refused (a late wage change, a wrong amount). */
  refuseEvery?: number;
}

const BANK = 'mellat';
const BANK_SCOPE = bankReferenceScope(BANK);
/** Answers that mean "try again": the service is restarting or a first attempt still holds the key. */
const RETRY_CODES = new Set(['CONCURRENCY_CONFLICT']);

/**
 * Drives the command side like well-behaved clients: each person is quoted, opens a contract with
 * an Idempotency-Key, changes the wage, is paid by the bank (bankReference as the key), and every
 * `refuseEvery`-th person also sends two commands the domain must refuse. A command without a
 * final answer (network error, 5xx, a key still in progress) is retried with the same key, as a
 * client would. Every final answer is recorded: 2xx in `acked`, 4xx in `rejected`.
 */
export class LoadGenerator {
  readonly acked: CommandRecord[] = [];
  readonly rejected: CommandRecord[] = [];
  readonly unresolved: CommandRecord[] = [];
  requests = 0;
  networkErrors = 0;
  /** Retried 5xx answers by "status code route" (a body that is no problem is shown instead of its code). */
  readonly serverErrors: Record<string, number> = {};
  private next = 0;
  private stopping = false;
  private giveUpAt = Infinity;
  private workers: Promise<void>[] = [];
  private readonly bankToken = tokenFor({ sub: 'bank-load', role: 'bank', bankId: BANK });
  private termsVersion: string | undefined;

  constructor(private readonly options: LoadOptions) {}

  get peopleUsed(): number {
    return this.next;
  }

  start(): void {
    this.workers = Array.from({ length: this.options.concurrency }, () => this.work());
  }

  /** No new commands; commands already sent are retried for `drainMs` at most. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.giveUpAt = Date.now() + (this.options.drainMs ?? 45_000);
    await Promise.all(this.workers);
  }

  private async work(): Promise<void> {
    while (!this.stopping && this.next < this.options.people.length) {
      await this.person(this.options.people[this.next++]!, this.next);
    }
  }

  private async person(nationalCode: string, serial: number): Promise<void> {
    const sub = `load-${nationalCode}`;
    const token = tokenFor({ sub, role: 'applicant', nationalCode });
    const scope = idempotencyScope({ role: 'applicant', sub, nationalCode });
    const requestedMonthlyPremium = 30_000_000;

    this.termsVersion ??= (await this.read(() => this.get('/v1/terms', token)))?.body.version;
    const quote = await this.read(() => this.send('POST', '/v1/quotes', token, { requestedMonthlyPremium }));
    if (!quote || !this.termsVersion) return;

    const openKey = `open-${nationalCode}`;
    const openId = openCommandId(deterministicId('command', scope, openKey), nationalCode);
    const contractId = openedContractId(openId);
    const opened = await this.command({ kind: 'open', commandId: openId, contractId, attempts: 0 }, () =>
      this.send('POST', '/v1/contracts', token, {
        requestedMonthlyPremium,
        acceptTerms: { version: this.termsVersion },
        confirm: { premiumRate: quote.body.premiumRate, wageBasis: quote.body.wageBasis, startDate: quote.body.startDate },
      }, { 'idempotency-key': openKey }),
    );
    if (!opened || opened.status >= 300 || this.stopping) return;

    const wageKey = `wage-${nationalCode}`;
    await this.command({ kind: 'wage', commandId: deterministicId('command', scope, wageKey), contractId, attempts: 0 }, () =>
      this.send('PUT', `/v1/contracts/${contractId}/wage`, token, { requestedMonthlyPremium: 35_000_000 }, { 'idempotency-key': wageKey }),
    );
    if (this.stopping) return;
    // The premium as the service has it now (the wage change may have been refused or left unresolved).
    const view = await this.read(() => this.get(`/v1/contracts/${contractId}`, token));
    if (!view || this.stopping) return;
    const premium = view.body.monthlyPremium as number;
    await this.payment(contractId, `LOAD-${nationalCode}`, premium);

    if (serial % (this.options.refuseEvery ?? 5) !== 0 || this.stopping) return;
    // Both must be refused: the wage may not change after the first payment, and the amount is off by one.
    const lateKey = `late-wage-${nationalCode}`;
    await this.command({ kind: 'wage', commandId: deterministicId('command', scope, lateKey), contractId, attempts: 0 }, () =>
      this.send('PUT', `/v1/contracts/${contractId}/wage`, token, { requestedMonthlyPremium: 40_000_000 }, { 'idempotency-key': lateKey }),
    );
    if (!this.stopping) await this.payment(contractId, `BAD-${nationalCode}`, premium + 1);
  }

  private payment(contractId: string, bankReference: string, amount: number) {
    const record: CommandRecord = { kind: 'payment', commandId: deterministicId('command', BANK_SCOPE, bankReference), contractId, bankReference, attempts: 0 };
    return this.command(record, () =>
      this.send('POST', '/v1/payments', this.bankToken, { contractId, periods: 1, amount, bankReference, paidAt: REFERENCE_INSTANT }),
    );
  }

  /** Retries until a final answer (2xx or a 4xx other than a retry code) or until giving up after stop(). */
  private async command(record: CommandRecord, request: () => Promise<Answer>): Promise<Answer | undefined> {
    const answer = await this.retrying(request, (failure) => {
      record.attempts += 1;
      record.lastFailure = failure;
    });
    if (!answer) {
      this.unresolved.push(record);
      return undefined;
    }
    record.status = answer.status;
    if (answer.status < 300) this.acked.push(record);
    else {
      record.code = answer.body?.code;
      this.rejected.push(record);
    }
    return answer;
  }

  /** A read the flow depends on: retried like a command, not recorded. */
  private read(request: () => Promise<Answer>): Promise<Answer | undefined> {
    return this.retrying(request, () => undefined).then((a) => (a && a.status < 300 ? a : undefined));
  }

  private async retrying(request: () => Promise<Answer>, failed: (why: string) => void): Promise<Answer | undefined> {
    for (let attempt = 0; Date.now() < this.giveUpAt; attempt++) {
      if (attempt > 0) await sleep(Math.min(50 * 2 ** attempt, 1_000));
      let answer: Answer;
      try {
        this.requests += 1;
        answer = await request();
      } catch {
        this.networkErrors += 1;
        failed('network');
        continue;
      }
      if (answer.status >= 500) {
        const what = answer.body?.code ?? JSON.stringify(answer.body)?.slice(0, 120);
        const key = `${answer.status} ${what} ${answer.route}`;
        this.serverErrors[key] = (this.serverErrors[key] ?? 0) + 1;
        failed(key);
        continue;
      }
      if (RETRY_CODES.has(answer.body?.code)) {
        failed(`${answer.status} ${answer.body.code}`);
        continue;
      }
      return answer;
    }
    return undefined;
  }

  private get(path: string, token: string): Promise<Answer> {
    return call(this.options.baseUrl, 'GET', path, { token });
  }

  private send(method: string, path: string, token: string, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
    return call(this.options.baseUrl, method, path, { token, body, headers });
  }
}
