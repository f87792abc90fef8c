import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Response } from 'supertest';
import type { PostgresEventStore } from '@app/event-store';
import { assess, policyAt, type ApplicantFacts } from '../../../libs/contracts-domain/src';
import { ERROR_CATALOG } from '../../../apps/contracts-api/src/http/error-catalog';
import { REFERENCE_INSTANT, type TestApp } from './test-app';

/** Contract views and quotes as the API answers them (only the fields the specs read). */
export interface ContractView {
  id: string;
  contractNumber: string;
  nationalCode: string;
  branchId: string;
  status: string;
  monthlyPremium: number;
  wageBasis: number;
  revision: number;
  exam: { requirement: string; status: string; deadline: string | null; deadlineJalali: string | null; referralNumber: string | null };
  [field: string]: unknown;
}

export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

/**
 * Fresh people for each fixture, picked from the sample registry by the domain's own assessment on
 * the reference date, so a spec never reuses someone who already has a contract in its database.
 */
export class People {
  private readonly used = new Set<string>();
  private readonly all: Array<{ facts: ApplicantFacts; exam: string; online: boolean }>;

  constructor(reserved: readonly string[] = []) {
    reserved.forEach((code) => this.used.add(code));
    const facts = JSON.parse(readFileSync(join(__dirname, '../../../libs/registry/sample/registry.json'), 'utf8')) as ApplicantFacts[];
    const date = REFERENCE_INSTANT.slice(0, 10);
    const policy = policyAt(date);
    this.all = facts
      .map((f) => ({ f, a: assess(f, date, policy) }))
      .filter(({ a }) => a.reasons.length === 0)
      .map(({ f, a }) => ({ facts: f, exam: a.examRequirement, online: a.branchVisitReasons.length === 0 }));
  }

  /** An eligible person who may conclude online, exempt from the exam unless asked otherwise. */
  next(exam: 'exempt' | 'required' = 'exempt'): ApplicantFacts {
    const found = this.all.find((p) => p.online && p.exam === exam && !this.used.has(p.facts.nationalCode));
    if (!found) throw new Error(`no unused ${exam} person left in the sample registry`);
    this.used.add(found.facts.nationalCode);
    return found.facts;
  }

  /** Someone in another branch than `branchId`. */
  nextOutside(branchId: string): ApplicantFacts {
    const found = this.all.find((p) => p.online && p.exam === 'exempt' && p.facts.branchId !== branchId && !this.used.has(p.facts.nationalCode));
    if (!found) throw new Error('no unused person in another branch');
    this.used.add(found.facts.nationalCode);
    return found.facts;
  }
}

/** Asserts an RFC 9457 answer: status, code, both details, and the problem media type. */
export function expectProblem(res: Pick<Response, 'status' | 'headers' | 'body'>, status: number, code: string): Record<string, unknown> {
  if (res.status !== status || res.body?.code !== code) {
    throw new Error(`expected ${status} ${code}, got ${res.status} ${JSON.stringify(res.body)}`);
  }
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ status, code, type: expect.any(String), title: expect.any(String) });
  const entry = ERROR_CATALOG[code as keyof typeof ERROR_CATALOG];
  expect(entry).toBeDefined();
  expect(res.body.detail).toEqual(expect.any(String));
  expect(res.body.detail.length).toBeGreaterThan(0);
  // The Persian detail is Persian: it carries Arabic-script letters.
  expect(res.body.detailFa).toMatch(/[\u0600-\u06FF]/);
  return res.body;
}

export interface OpenOptions {
  requestedMonthlyPremium?: number;
  startNextMonth?: boolean;
  idempotencyKey?: string;
}

/** What a well-formed open body looks like for a person: quote as them, then confirm the quote. */
export async function openBody(t: TestApp, nationalCode: string, options: OpenOptions = {}) {
  const token = t.token({ role: 'applicant', nationalCode });
  const requestedMonthlyPremium = options.requestedMonthlyPremium ?? 30_000_000;
  const terms = await t.http().get('/v1/terms').set(bearer(token)).expect(200);
  const quote = await t
    .http()
    .post('/v1/quotes')
    .set(bearer(token))
    .send({ requestedMonthlyPremium, ...(options.startNextMonth ? { startNextMonth: true } : {}) })
    .expect(200);
  return {
    token,
    quote: quote.body,
    body: {
      requestedMonthlyPremium,
      ...(options.startNextMonth ? { startNextMonth: true } : {}),
      acceptTerms: { version: terms.body.version as string },
      confirm: { premiumRate: quote.body.premiumRate, wageBasis: quote.body.wageBasis, startDate: quote.body.startDate },
      ...(quote.body.examRequirement === 'required' ? { examUndertaking: true } : {}),
    },
  };
}

/** Concludes a contract online for the person and returns it with the owner's token. */
export async function openOnline(t: TestApp, nationalCode: string, options: OpenOptions = {}) {
  const { token, body } = await openBody(t, nationalCode, options);
  const res = await t.http().post('/v1/contracts').set(bearer(token)).send(body);
  if (res.status !== 201) throw new Error(`open for ${nationalCode}: ${res.status} ${JSON.stringify(res.body)}`);
  return { token, contract: res.body as ContractView };
}

let bankRefs = 0;
/** The bank confirms `periods` periods of the contract's premium, paid at the manual clock's now. */
export function pay(t: TestApp, contract: ContractView, periods = 1, bankReference = `REF-${++bankRefs}-${contract.id.slice(0, 8)}`) {
  return t
    .http()
    .post('/v1/payments')
    .set(bearer(t.token({ role: 'bank', bankId: 'mellat' })))
    .send({ contractId: contract.id, periods, amount: periods * contract.monthlyPremium, bankReference, paidAt: t.clock.now().toISOString() });
}

/** An exam-required contract taken as far as `step`: paid, referred, then the exam failed. */
export async function examContract(t: TestApp, people: People, step: 'paid' | 'referred' | 'failed') {
  const { token, contract } = await openOnline(t, people.next('required').nationalCode);
  expect((await pay(t, contract)).status).toBe(201);
  if (step === 'paid') return { token, contract };
  await t.http().post(`/v1/contracts/${contract.id}/exam/referral`).set(bearer(token)).expect(201);
  if (step === 'referred') return { token, contract };
  await t
    .http()
    .post(`/v1/contracts/${contract.id}/exam/result`)
    .set(bearer(t.token({ role: 'examiner' })))
    .send({ result: 'failed' })
    .expect(200);
  return { token, contract };
}

/**
 * Every committed event of a type, read from the events table itself. The store's `readAll` only
 * shows positions below the oldest transaction still running on the server, and the test files
 * share one PostgreSQL server, so another file's open transaction can hide fresh events for a while.
 */
export async function eventsOfType(t: TestApp, type: string): Promise<Array<{ streamId: string; data: Record<string, unknown> }>> {
  const { rows } = await t.db.pool.query<{ stream_id: string; data: Record<string, unknown> }>('SELECT stream_id, data FROM events WHERE type = $1 ORDER BY position', [type]);
  return rows.map((row) => ({ streamId: row.stream_id, data: row.data }));
}

/** How many events are committed, whether or not the store's global reads show them yet. */
export async function storedEventCount(t: TestApp): Promise<number> {
  const { rows } = await t.db.pool.query<{ count: string }>('SELECT count(*) AS count FROM events');
  return Number(rows[0].count);
}

/**
 * The store's head once every committed event is visible to it (see `eventsOfType`), so a later
 * equal head means nothing was appended, not that something is still hidden.
 */
export async function settledHead(t: TestApp): Promise<bigint> {
  for (let waited = 0; ; waited += 50) {
    const appended = await (t.runtime.eventStore as PostgresEventStore).appendedHeadPosition();
    const head = await t.runtime.eventStore.headPosition();
    if (head === appended) return head;
    if (waited > 10_000) throw new Error(`the event store's head ${head} did not reach the stored ${appended}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
