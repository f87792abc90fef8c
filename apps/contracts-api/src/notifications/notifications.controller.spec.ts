import { Module } from '@nestjs/common';
import { ManualClock } from '@app/platform';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/database';
import { CONTRACT_ID, CONTRACT_NOW, openOnline } from '../../../../libs/contracts-domain/src/testing/fixtures';
import { History, project } from '../../../../libs/projections/src/testing/harness';
import { SmsDispatcher, migrateOutbox, notificationsProjection } from '@app/notifications';
import { DEV_JWT_SECRET, authProviders, signToken, type TokenClaims } from '../auth';
import { startTinyApp, type TinyApp } from '../http/testing/tiny-app';
import { PG_POOL } from '../runtime';
import { NotificationsController } from './notifications.controller';

const token = (claims: Omit<TokenClaims, 'sub'>) => `Bearer ${signToken({ sub: 'someone', exp: 4_102_444_800, ...claims } as TokenClaims, DEV_JWT_SECRET)}`;
const CONCLUDED =
  'قرارداد بیمه اختیاری ۱۴۰۵۰۰۰۰۰۱ در ۱۴۰۵/۰۹/۱۰ منعقد شد. حق بیمه ماهانه ۳۰٬۰۰۰٬۰۰۰ ریال، مهلت پرداخت اول ۱۴۰۵/۰۹/۳۰. تأمین اجتماعی';

describe('GET /v1/notifications?contractId=', () => {
  let db: TestDatabase;
  let api: TinyApp;
  let position: bigint;

  beforeAll(async () => {
    db = await createTestDatabase();
    @Module({ controllers: [NotificationsController], providers: [...authProviders({}), { provide: PG_POOL, useValue: db.pool }] })
    class NotificationsModule {}
    api = await startTinyApp(NotificationsModule);
  });
  afterAll(async () => {
    await api.close();
    await db.drop();
  });

  const get = (url: string, authorization: string) => api.inject({ method: 'GET', url, headers: { authorization } });
  const url = `/v1/notifications?contractId=${CONTRACT_ID}`;

  it('answers 503 before the outbox exists (first start)', async () => {
    expect((await get(url, token({ role: 'auditor' }))).statusCode).toBe(503);
  });

  it('shows an auditor every message with status, attempts, error, recipient and text', async () => {
    await migrateOutbox(db.pool);
    const history = new History();
    position = history.run(CONTRACT_ID, openOnline(), CONTRACT_NOW)[0]!.position;
    await project(db.pool, notificationsProjection(), history.events);
    const dispatcher = new SmsDispatcher({
      pool: db.pool,
      gateway: { send: async () => ({ kind: 'sent' }) },
      clock: new ManualClock(new Date(CONTRACT_NOW)),
      log: () => undefined,
      reminders: async () => null,
    });
    expect(await dispatcher.runDue()).toBe(1); // the reminder is not due yet

    const res = await get(url, token({ role: 'auditor' }));
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-checkpoint']).toBe(position.toString());
    expect(res.json()).toEqual({
      contractId: CONTRACT_ID,
      checkpoint: position.toString(),
      items: [
        {
          messageId: expect.any(String),
          template: 'contract_concluded',
          status: 'sent',
          attempts: 1,
          lastError: null,
          to: '09121234567',
          text: CONCLUDED,
          createdAt: '2026-12-01T08:00:00.000Z',
          notBefore: '2026-12-01T08:00:00.000Z',
          sentAt: '2026-12-01T08:00:00.000Z',
        },
        expect.objectContaining({ template: 'payment_reminder', status: 'pending', attempts: 0, notBefore: '2026-12-16T05:30:00.000Z', sentAt: null }),
      ],
    });
  });

  it('shows ops the delivery but not personal data: the number masked, no text, a gateway error without its body', async () => {
    const refusal = 'HTTP 400: {"error":"bad text","text":"قرارداد بیمه اختیاری ۱۴۰۵۰۰۰۰۰۱"}';
    await db.pool.query(`UPDATE sms_outbox SET last_error = $1 WHERE template = 'payment_reminder'`, [refusal]);
    // Given up after retries, the last refusal follows the count (a helper's review found its body shown).
    await db.pool.query(`UPDATE sms_outbox SET last_error = $1 WHERE template <> 'payment_reminder'`, [`gave up after 56 attempts: ${refusal.replace('400', '503')}`]);
    const res = await get(url, token({ role: 'ops' }));
    expect(res.statusCode).toBe(200);
    for (const item of res.json().items) expect(item).toMatchObject({ to: '*******4567', text: null });
    expect(res.json().items.map((item: { lastError: string | null }) => item.lastError)).toEqual(['gave up after 56 attempts: HTTP 503', 'HTTP 400']);
    expect(res.body).not.toContain('0912123');
    expect(res.body).not.toContain('۱۴۰۵۰۰۰۰۰۱');
    const audited = await get(url, token({ role: 'auditor' }));
    expect(audited.json().items[1].lastError).toBe(refusal);
  });

  it('answers an empty list for a contract without messages', async () => {
    const res = await get('/v1/notifications?contractId=00000000-0000-4000-8000-000000000000', token({ role: 'ops' }));
    expect(res.json()).toEqual({ contractId: '00000000-0000-4000-8000-000000000000', checkpoint: position.toString(), items: [] });
  });

  it('refuses other roles (403) and a missing or malformed contractId (400)', async () => {
    for (const who of [{ role: 'applicant', nationalCode: '0499370899' }, { role: 'branch_officer', branchId: '1201' }, { role: 'bank', bankId: 'B1' }, { role: 'examiner' }] as const) {
      expect((await get(url, token(who))).statusCode).toBe(403);
    }
    expect((await get('/v1/notifications', token({ role: 'ops' }))).json()).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
    expect((await get('/v1/notifications?contractId=42', token({ role: 'ops' }))).statusCode).toBe(400);
  });
});
