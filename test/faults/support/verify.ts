import type { Pool } from 'pg';
import type { CommandRecord } from './load';

export interface LedgerFigures {
  acknowledged: number;
  rejected: number;
  unresolved: number;
  /** Acknowledged commands whose events are missing. */
  lost: number;
  /** Events beyond the one expected per command, contract opening or bank reference. */
  duplicates: number;
  /** Refused commands (4xx) that have events anyway. */
  writtenDespiteRefusal: number;
  problems: string[];
}

interface StoredEvent {
  stream_id: string;
  type: string;
  command_id: string | null;
  contract_id: string | null;
  bank_reference: string | null;
  national_code: string | null;
}

const EXPECTED_TYPE: Record<CommandRecord['kind'], string> = { open: 'ContractOpened', wage: 'WageChanged', payment: 'PaymentConfirmed' };

/**
 * Checks the ledger against the events table itself: each acknowledged command's event exists
 * exactly once (found by its deterministic command id, and for payments by bank reference too),
 * a refused command has no event, a command left without an answer has at most one, and no person
 * has two contracts nor a bank reference two payments.
 */
export async function verifyLedger(
  pool: Pool,
  ledger: { acked: readonly CommandRecord[]; rejected: readonly CommandRecord[]; unresolved: readonly CommandRecord[] },
): Promise<LedgerFigures> {
  const { rows } = await pool.query<StoredEvent>(
    `SELECT stream_id, type, metadata->>'commandId' AS command_id, data->>'contractId' AS contract_id,
            data->>'bankReference' AS bank_reference, data->'applicant'->>'nationalCode' AS national_code
       FROM events`,
  );
  const byCommand = groupBy(rows, (e) => e.command_id ?? '');
  const figures: LedgerFigures = {
    acknowledged: ledger.acked.length,
    rejected: ledger.rejected.length,
    unresolved: ledger.unresolved.length,
    lost: 0,
    duplicates: 0,
    writtenDespiteRefusal: 0,
    problems: [],
  };
  const problem = (text: string) => figures.problems.length < 20 && figures.problems.push(text);
  const ofCommand = (record: CommandRecord) =>
    (byCommand.get(record.commandId) ?? []).filter((e) => e.type === EXPECTED_TYPE[record.kind] && e.stream_id === `contract-${record.contractId}`);

  for (const record of ledger.acked) {
    const found = ofCommand(record).length;
    if (found === 0) {
      figures.lost += 1;
      problem(`acknowledged ${record.kind} ${record.commandId} (${record.status}) has no ${EXPECTED_TYPE[record.kind]} event`);
    } else if (found > 1) {
      figures.duplicates += found - 1;
      problem(`acknowledged ${record.kind} ${record.commandId} has ${found} ${EXPECTED_TYPE[record.kind]} events`);
    }
  }
  for (const record of ledger.rejected) {
    const found = byCommand.get(record.commandId)?.length ?? 0;
    if (found > 0) {
      figures.writtenDespiteRefusal += 1;
      problem(`refused ${record.kind} ${record.commandId} (${record.status} ${record.code}) has ${found} event(s)`);
    }
  }
  for (const record of ledger.unresolved) {
    const found = ofCommand(record).length;
    if (found > 1) {
      figures.duplicates += found - 1;
      problem(`unresolved ${record.kind} ${record.commandId} has ${found} events`);
    }
  }
  const repeated = (values: Array<string | null>) =>
    [...groupBy(values.filter((v): v is string => v !== null), (v) => v).values()].reduce((n, same) => n + same.length - 1, 0);
  const openings = repeated(rows.filter((e) => e.type === 'ContractOpened').map((e) => e.national_code));
  const payments = repeated(rows.filter((e) => e.type === 'PaymentConfirmed').map((e) => e.bank_reference));
  if (openings) problem(`${openings} person(s) with more than one ContractOpened`);
  if (payments) problem(`${payments} bank reference(s) with more than one PaymentConfirmed`);
  figures.duplicates += openings + payments;
  return figures;
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}
