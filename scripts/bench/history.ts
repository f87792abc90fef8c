import {
  decide,
  evolve,
  policyFor,
  quote,
  type ApplicantFacts,
  type ContractCommand,
  type ContractState,
} from '@app/contracts-domain';
import { contractEventId, contractStream } from '@app/contracts-app';
import { deterministicId, type NewEvent } from '@app/event-store';

export interface ContractHistory {
  streamId: string;
  events: NewEvent[];
}

const DAY_MS = 86_400_000;

/**
 * A contract's stream as the service would write it: opened online at `opensAt`, then `payments`
 * monthly payments of one period each, every one decided by the domain itself at its own instant
 * (so a history can never hold an event the service would refuse). Built in memory: the bench
 * needs a large store quickly, not the HTTP path.
 */
export function contractHistory(contractId: string, contractNumber: string, facts: ApplicantFacts, opensAt: Date, payments: number): ContractHistory {
  let state: ContractState | undefined;
  const events: NewEvent[] = [];
  const run = (command: ContractCommand, now: Date, commandId: string) => {
    const decided = decide(command, state, now, policyFor(state, now));
    decided.forEach((event, index) => {
      const id = contractEventId(commandId, contractId, index);
      events.push({
        id,
        type: event.type,
        version: event.version,
        data: event.data as unknown as Record<string, unknown>,
        metadata: {
          eventId: id,
          commandId,
          correlationId: commandId,
          actor: { sub: command.type === 'ConfirmPayment' ? 'bank:mellat' : `applicant:${facts.nationalCode}`, role: command.type === 'ConfirmPayment' ? 'bank' : 'applicant' },
          channel: command.type === 'ConfirmPayment' ? 'bank' : 'online',
          occurredAt: now.toISOString(),
          schemaVersion: 1,
        },
      });
      state = evolve(state, event);
    });
  };

  const premium = 30_000_000;
  const offer = quote(facts, premium, false, opensAt, policyFor(undefined, opensAt));
  run(
    {
      type: 'OpenContractOnline',
      data: {
        contractId,
        contractNumber,
        facts,
        requestedMonthlyPremium: premium,
        startNextMonth: false,
        acceptedTermsVersion: policyFor(undefined, opensAt).terms.version,
        confirm: { premiumRate: offer.premiumRate, wageBasis: offer.wageBasis, startDate: offer.startDate },
        examUndertaking: false,
      },
    },
    opensAt,
    `${contractId}/open`,
  );
  for (let month = 1; month <= payments; month++) {
    // A few days into each month: always before that period's deadline.
    const paidAt = new Date(opensAt.getTime() + (month - 1) * 30 * DAY_MS + 2 * DAY_MS);
    const bankReference = `BENCH-${contractNumber}-${month}`;
    run(
      {
        type: 'ConfirmPayment',
        data: { paymentId: deterministicId(contractId, bankReference), bankReference, periods: 1, amount: state!.monthlyPremium, paidAt: paidAt.toISOString() },
      },
      paidAt,
      `${contractId}/${bankReference}`,
    );
  }
  return { streamId: contractStream(contractId), events };
}

