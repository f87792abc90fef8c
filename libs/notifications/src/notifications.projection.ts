import type { PoolClient } from 'pg';
import { isContractEventType, type ContractOpened } from '@app/contracts-domain';
import { toDomainEvent } from '@app/contracts-app';
import { deterministicId, type RecordedEvent } from '@app/event-store';
import type { Clock } from '@app/platform';
import type { Projection } from '@app/projections';
import { DEFAULT_MAX_AGE_MS, DEFAULT_REMINDERS, messagesFor, type MessageDraft, type ReminderSettings } from './messages';
import { enqueue, queuedAmong, type OutboxMessage } from './outbox';
import type { Template } from './templates';

/** One id per (event, template): the same on every replay, and what the gateway sees on every retry. */
export function messageId(eventId: string, template: Template): string {
  return deterministicId('sms', eventId, template);
}

interface Recipient {
  contract_number: string;
  mobile: string;
  branch_id: string;
  province_code: string;
}

const CONTRACT_STREAM = 'contract-';

export const NOTIFICATIONS_PROJECTION = 'notifications';

export interface NotificationSettings {
  reminders: ReminderSettings;
  /** A message queued more than this after its time (`notBefore`) is queued cancelled, never sent. */
  maxAgeMs: number;
  /** The business clock; without one (a process that does not own it) no message is judged late. */
  clock: Clock;
}

/**
 * Feeds the SMS outbox (`public.sms_outbox`) from contract events. Its own table keeps, per
 * contract, what later messages need from ContractOpened: the contract number and the mobile as
 * corrected at conclusion. The outbox rows and this projection's checkpoint commit together, so a
 * crash never loses a message nor queues one twice; reminders are rows with a later `not_before`.
 *
 * A message is judged late once, by the business clock, when it enters the outbox: history
 * projected into an empty outbox, or events a projector down for days catches up on, must not
 * text applicants about the past. A backlog already queued is sent however long the gateway's
 * rate makes it wait.
 */
export function notificationsProjection(settings: Partial<NotificationSettings> = {}): Projection {
  const { reminders = DEFAULT_REMINDERS, maxAgeMs = DEFAULT_MAX_AGE_MS, clock } = settings;
  return {
    name: NOTIFICATIONS_PROJECTION,
    version: 1,
    tables: [
      `CREATE TABLE recipients (
         contract_id     UUID PRIMARY KEY,
         contract_number TEXT NOT NULL,
         mobile          TEXT NOT NULL,
         branch_id       TEXT NOT NULL,
         province_code   TEXT NOT NULL
       )`,
    ],
    handles: isContractEventType,
    async apply(tx, events) {
      const contracts = events.filter((e) => e.streamId.startsWith(CONTRACT_STREAM)).map(contractIdOf);
      const recipients = await loadRecipients(tx, [...new Set(contracts)]);
      const drafts: { id: string; draft: MessageDraft; eventId: string; occurredAt: Date; contractId: string; recipient: Recipient }[] = [];
      const opened = new Map<string, Recipient>();
      const now = clock?.now();
      const late = now && { because: `not sent: queued more than ${maxAgeMs / 3_600_000} h after its time`, at: now };
      for (const recorded of events) {
        if (!recorded.streamId.startsWith(CONTRACT_STREAM)) continue;
        const contractId = contractIdOf(recorded);
        const event = toDomainEvent(recorded);
        if (event.type === 'ContractOpened') {
          const recipient = recipientOf(event);
          recipients.set(contractId, recipient);
          opened.set(contractId, recipient);
        }
        const recipient = recipients.get(contractId);
        if (!recipient) continue; // a stream that does not start with ContractOpened has nobody to tell
        // Recorded by a branch's determination, past a deadline the runner had not marked yet: the
        // determination's own message tells the outcome ("overdue, blocked" beside "cleared" would not).
        if (event.type === 'ExamOverdue' && recorded.metadata.actor.role === 'branch_officer') continue;
        const occurredAt = new Date(recorded.metadata.occurredAt);
        for (const draft of messagesFor(event, recipient.contract_number, occurredAt, reminders)) {
          drafts.push({ id: messageId(recorded.id, draft.template), draft, eventId: recorded.id, occurredAt, contractId, recipient });
        }
      }
      await remember(tx, opened);
      // A rebuild replays all history into an outbox that already holds it: render and send only
      // the messages it lacks (the insert would leave the others as they are anyway).
      const queued = await queuedAmong(tx, drafts.map(({ id }) => id));
      const outbox: OutboxMessage[] = [];
      for (const { id, draft, eventId, occurredAt, contractId, recipient } of drafts) {
        if (queued.has(id)) continue;
        outbox.push({
          messageId: id,
          eventId,
          contractId,
          branchId: recipient.branch_id,
          provinceCode: recipient.province_code,
          template: draft.template,
          recipient: recipient.mobile,
          text: draft.render(),
          createdAt: occurredAt,
          notBefore: draft.notBefore,
          ...(late && late.at.getTime() - draft.notBefore.getTime() > maxAgeMs ? { unsent: late } : {}),
        });
      }
      await enqueue(tx, outbox);
    },
  };
}

function contractIdOf(event: RecordedEvent): string {
  return event.streamId.slice(CONTRACT_STREAM.length);
}

async function loadRecipients(tx: PoolClient, contractIds: string[]): Promise<Map<string, Recipient>> {
  const { rows } = await tx.query<Recipient & { contract_id: string }>(
    'SELECT contract_id, contract_number, mobile, branch_id, province_code FROM recipients WHERE contract_id = ANY($1::uuid[])',
    [contractIds],
  );
  return new Map(rows.map(({ contract_id, ...recipient }) => [contract_id, recipient]));
}

function recipientOf({ data }: ContractOpened): Recipient {
  return { contract_number: data.contractNumber, mobile: data.applicant.mobile, branch_id: data.branchId, province_code: data.provinceCode };
}

/** The batch's new recipients in one statement (a statement per opened contract cost a round trip each). */
async function remember(tx: PoolClient, opened: ReadonlyMap<string, Recipient>): Promise<void> {
  if (opened.size === 0) return;
  const rows = [...opened];
  await tx.query(
    `INSERT INTO recipients (contract_id, contract_number, mobile, branch_id, province_code)
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[])
     ON CONFLICT (contract_id) DO NOTHING`,
    [
      rows.map(([contractId]) => contractId),
      rows.map(([, r]) => r.contract_number),
      rows.map(([, r]) => r.mobile),
      rows.map(([, r]) => r.branch_id),
      rows.map(([, r]) => r.province_code),
    ],
  );
}
