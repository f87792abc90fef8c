/** Test support: outbox rows written as the projection would, without running it. */
import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { enqueue, type OutboxMessage } from '../outbox';
import type { Template } from '../templates';

export const MOBILE = '09121234567';

export function outboxMessage(overrides: Partial<OutboxMessage> = {}): OutboxMessage {
  return {
    messageId: randomUUID(),
    eventId: randomUUID(),
    contractId: randomUUID(),
    branchId: '1201',
    provinceCode: '23',
    template: 'contract_concluded' satisfies Template,
    recipient: MOBILE,
    text: 'قرارداد بیمه اختیاری ۱۴۰۵۰۰۰۰۰۱ در ۱۴۰۵/۰۹/۱۰ منعقد شد.',
    createdAt: new Date('2026-12-01T08:00:00Z'),
    notBefore: new Date('2026-12-01T08:00:00Z'),
    ...overrides,
  };
}

/** Queues `count` messages (or the given ones) and returns them. */
export async function seedOutbox(pool: Pool, messages: OutboxMessage[]): Promise<OutboxMessage[]> {
  const client = await pool.connect();
  try {
    await enqueue(client, messages);
  } finally {
    client.release();
  }
  return messages;
}

export interface OutboxRow {
  message_id: string;
  status: string;
  attempts: number;
  last_error: string | null;
  sent_at: Date | null;
  available_at: Date;
}

export async function outboxRow(pool: Pool, messageId: string): Promise<OutboxRow> {
  const { rows } = await pool.query<OutboxRow>('SELECT message_id, status, attempts, last_error, sent_at, available_at FROM sms_outbox WHERE message_id = $1', [
    messageId,
  ]);
  return rows[0]!;
}

export async function pendingCount(pool: Pool): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM sms_outbox WHERE status = 'pending'`);
  return rows[0]!.n;
}
