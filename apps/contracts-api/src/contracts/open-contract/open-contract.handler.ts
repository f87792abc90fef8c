import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { behavesAsClosed, decide, DomainError, isClosed, isDomainError, pendingDeadlines, policyFor, type ApplicantFacts, type OpenContractAtBranch, type OpenContractOnline } from '@app/contracts-domain';
import { CLOCK, type Clock } from '@app/platform';
import { recordDeadline } from '@app/projections';
import { CONTRACT_NUMBERS, type ContractNumberAllocator } from '../../infrastructure/contract-numbers';
import { ContractStreams, commandMetadata, type CommandContext, type CommandOutcome } from '@app/contracts-app';
import { ProblemException, TransientRefusal } from '../../http/problem';
import { RESERVATION_FRESH_MS, Reservations } from '../reservations';
import type { BranchOpenContractDto, OpenContractDto } from './open-contract.dto';
import { deterministicId } from '@app/event-store';
import { openCommandId, openedContractId } from './open-ids';

export class OpenContractCommand {
  constructor(
    readonly facts: ApplicantFacts,
    readonly body: OpenContractDto | BranchOpenContractDto,
    readonly context: CommandContext,
    /** The officer's branch for a branch opening; absent online. */
    readonly branchId?: string,
  ) {}
}

/**
 * Concludes a contract: check it with the pure decider first (nothing is reserved for a refused
 * application), reserve the person's single active-contract slot, then write ContractOpened.
 * The contract id derives from the command id, so a retried request lands on the same contract;
 * the command id derives from the idempotency key within the caller's whole identity
 * (`idempotencyScope`), so another person's token with the same `sub` and key never does.
 */
@CommandHandler(OpenContractCommand)
export class OpenContractHandler implements ICommandHandler<OpenContractCommand, CommandOutcome> {
  constructor(
    private readonly streams: ContractStreams,
    private readonly reservations: Reservations,
    @Inject(CONTRACT_NUMBERS) private readonly numbers: ContractNumberAllocator,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /**
   * ACTIVE_CONTRACT_EXISTS names the contract held; an officer learns its id only when it is their
   * branch's (another branch's contract is not theirs to know of: access.ts answers it 404).
   */
  private async namedToCaller(error: unknown, branchId: string | undefined): Promise<unknown> {
    if (branchId === undefined || !(error instanceof ProblemException) || error.code !== 'ACTIVE_CONTRACT_EXISTS') return error;
    const held = error.details.contractId;
    if (typeof held !== 'string' || (await this.streams.load(held)).state?.branchId === branchId) return error;
    // Still transient when it was: a contract not written yet may never be.
    return error instanceof TransientRefusal ? new TransientRefusal('ACTIVE_CONTRACT_EXISTS') : new ProblemException('ACTIVE_CONTRACT_EXISTS');
  }

  async execute({ facts, body, context: asSent, branchId }: OpenContractCommand): Promise<CommandOutcome> {
    const context = { ...asSent, commandId: openCommandId(asSent.commandId, facts.nationalCode) };
    const contractId = openedContractId(context.commandId);
    const data = {
      contractId,
      contractNumber: await this.numbers.next(),
      facts,
      requestedMonthlyPremium: body.requestedMonthlyPremium,
      startNextMonth: body.startNextMonth ?? false,
      acceptedTermsVersion: body.acceptTerms?.version ?? null,
      confirm: body.confirm,
      examUndertaking: body.examUndertaking ?? false,
      corrections: body.corrections ?? {},
    };
    const command: OpenContractOnline | OpenContractAtBranch =
      branchId === undefined
        ? { type: 'OpenContractOnline', data }
        : { type: 'OpenContractAtBranch', data: { ...data, branchId, documents: (body as BranchOpenContractDto).documents } };

    const now = this.clock.now();
    try {
      decide(command, undefined, now, policyFor(undefined, now));
    } catch (error) {
      // A retry after a crash (a later day, new terms) may no longer pass the check its contract
      // passed: if that contract exists, answer from it as any retry is answered (ContractStreams).
      if (!(error instanceof DomainError) || !(await this.streams.load(contractId)).state) throw error;
      return this.streams.execute(contractId, command, { ...context, ifMatch: undefined });
    }

    const reserve = (at: Date) =>
      this.reservations
        .reserve(
          facts.nationalCode,
          contractId,
          deterministicId(context.commandId, 'reservation'),
          { eventId: deterministicId(context.commandId, 'reservation'), ...commandMetadata(context, at) },
          at,
          (id) => this.heldContractEnded(id, at),
        )
        .catch(async (error: unknown) => {
          throw await this.namedToCaller(error, branchId);
        });
    // A reservation grown old while this open stalled is renewed before the contract is written
    // (a takeover meanwhile makes the renewal ACTIVE_CONTRACT_EXISTS); stalled again, it gives up.
    let reservedAt = now;
    await reserve(reservedAt);
    if (this.clock.now().getTime() - reservedAt.getTime() > RESERVATION_FRESH_MS) {
      reservedAt = this.clock.now();
      await reserve(reservedAt);
      if (this.clock.now().getTime() - reservedAt.getTime() > RESERVATION_FRESH_MS) {
        throw new ProblemException('SERVICE_UNAVAILABLE', { reason: 'reservation_stale' });
      }
    }
    // Decided at the instant it was checked: a decision a moment later (past Iran midnight, say)
    // could refuse what the check passed, after the reservation that a refusal must not leave.
    return this.streams.execute(contractId, command, { ...context, ifMatch: undefined, decideAt: now });
  }

  /**
   * Whether the contract holding the person's slot has ended by `at`. A lapse or cancellation that
   * is due frees the slot before the runner records it, so this records it first: a payment
   * decided a moment earlier (on another replica, or with a clock a second behind) and this open
   * then meet on the contract's stream, where one of the two appends loses, instead of leaving a
   * paid contract beside the new one.
   */
  private async heldContractEnded(id: string, at: Date): Promise<'missing' | 'ended' | 'active'> {
    const { state } = await this.streams.load(id);
    if (!state) return 'missing';
    if (isClosed(state)) return 'ended';
    const policy = policyFor(state, at);
    if (!behavesAsClosed(state, at, policy)) return 'active';
    const end = pendingDeadlines(state, policy).find((d) => d.command !== 'MarkExamOverdue' && new Date(d.dueAt) <= at)!;
    try {
      const { state: after } = await recordDeadline(this.streams, id, end);
      return isClosed(after) ? 'ended' : 'active';
    } catch (error) {
      // Refused on the stream as it now is (a payment won the race: NOTHING_TO_DO): as it says.
      if (!isDomainError(error)) throw error;
      const { state: now } = await this.streams.load(id);
      return now && isClosed(now) ? 'ended' : 'active';
    }
  }
}
