import type { FastifyRequest } from 'fastify';
import { migrate } from '@app/platform';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/database';
import type { Actor } from '../auth';
import { ProblemException, TransientRefusal } from '../http/problem';
import { PostgresIdempotencyStore, requestHash } from '../infrastructure/idempotency';
import { apiMigrations } from '../infrastructure/migrations';
import { CommandResponder, type HttpResult, type IdempotencyOptions } from './command-response';
import { idempotencyScope } from './idempotency-scope';

/** One key's layer of idempotency: what it keeps after a refusal or a 5xx (whose append may or may not have happened). */
describe('CommandResponder: what a key keeps', () => {
  let db: TestDatabase;
  let responder: CommandResponder;
  const bank: Actor = { sub: 'gateway', role: 'bank', bankId: 'mellat' };
  beforeAll(async () => {
    db = await createTestDatabase();
    await migrate(db.pool, 'contracts-api', apiMigrations);
    responder = new CommandResponder(new PostgresIdempotencyStore(db.pool));
  });
  afterAll(() => db?.drop());

  const payment = (key: string, bankReference: string) =>
    ({ method: 'POST', url: '/v1/payments', headers: { 'idempotency-key': key }, body: { bankReference } }) as unknown as FastifyRequest;
  const paid = async (): Promise<HttpResult> => ({ status: 201, body: { paid: true } });
  const failing = async (): Promise<HttpResult> => {
    throw new ProblemException('SERVICE_UNAVAILABLE');
  };
  const codeOf = (answer: Promise<unknown>) => answer.then(() => 'answered', (error: ProblemException) => error.problem().code);

  it('frees a key that names its command at once: the retry runs again and appends nothing new', async () => {
    expect(await codeOf(responder.answer(payment('K1', 'REF-1'), bank, failing))).toBe('SERVICE_UNAVAILABLE');
    expect(await responder.answer(payment('K1', 'REF-1'), bank, paid)).toEqual({ status: 201, body: { paid: true } });
  });

  it('holds a key around another that names the command: another request under it is refused, never run', async () => {
    const outer: IdempotencyOptions = { keyNamesCommand: false };
    expect(await codeOf(responder.answer(payment('K2', 'REF-1'), bank, failing, outer))).toBe('SERVICE_UNAVAILABLE');
    // A new reference per attempt under the same key: refused at once, and for good.
    expect(await codeOf(responder.answer(payment('K2', 'REF-2'), bank, paid, outer))).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await codeOf(responder.answer(payment('K2', 'REF-2'), bank, paid, outer))).toBe('IDEMPOTENCY_KEY_REUSED');
    // The same request takes the key over (its reference's own layer then finds what the first did).
    expect(await responder.answer(payment('K2', 'REF-1'), bank, paid, outer)).toEqual({ status: 201, body: { paid: true } });
  });

  it('keeps a refusal as the key\'s answer, but not a transient one: its retry is decided again', async () => {
    const applicant: Actor = { sub: 'portal', role: 'applicant', nationalCode: '0089216091' };
    const open = (key: string) => ({ method: 'POST', url: '/v1/contracts', headers: { 'idempotency-key': key }, body: { n: 1 } }) as unknown as FastifyRequest;
    const opened = async (): Promise<HttpResult> => ({ status: 201, body: { id: 'c-2' } });
    const refuse = (error: ProblemException) => async (): Promise<HttpResult> => {
      throw error;
    };
    // A contract still being opened (or crashed) holds the person: refused now, decided again later.
    expect(await codeOf(responder.answer(open('T1'), applicant, refuse(new TransientRefusal('ACTIVE_CONTRACT_EXISTS', { contractId: 'c-1' }))))).toBe('ACTIVE_CONTRACT_EXISTS');
    expect(await responder.answer(open('T1'), applicant, opened)).toEqual({ status: 201, body: { id: 'c-2' } });
    // A contract that exists holds the person: the refusal is the key's answer.
    expect(await codeOf(responder.answer(open('T2'), applicant, refuse(new ProblemException('ACTIVE_CONTRACT_EXISTS', { contractId: 'c-1' }))))).toBe('ACTIVE_CONTRACT_EXISTS');
    const replayed = await responder.answer(open('T2'), applicant, opened);
    expect([replayed.status, replayed.headers?.['Idempotent-Replayed']]).toEqual([409, 'true']);
  });

  it('replays an answer a version up to 21059bf kept under the identity hashed with its If-Match', async () => {
    const identity = { bankReference: 'REF-3', paidAt: '2026-11-28T08:00:00.000Z' };
    await db.pool.query(
      `INSERT INTO idempotency_keys (scope, key, request_hash, identity_hash, response, completed_at) VALUES ($1, 'K3', 'as-sent', $2, $3, now())`,
      [idempotencyScope(bank), requestHash('POST', '/v1/payments', identity, '"3"'), JSON.stringify({ status: 201, body: { paid: true } })],
    );
    // The same payment, its instant written another way, with the same If-Match.
    const retry = { method: 'POST', url: '/v1/payments', headers: { 'idempotency-key': 'K3', 'if-match': '"3"' }, body: { bankReference: 'REF-3', paidAt: '2026-11-28T11:30:00+03:30' } };
    const answer = await responder.answer(retry as unknown as FastifyRequest, bank, failing, { identity, replayStatus: 200 });
    expect(answer).toMatchObject({ status: 200, body: { paid: true }, headers: { 'Idempotent-Replayed': 'true' } });
  });
});
