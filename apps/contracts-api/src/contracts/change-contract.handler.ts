import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { ContractCommand, ContractState } from '@app/contracts-domain';
import { ContractStreams, type CommandContext, type CommandOutcome } from '@app/contracts-app';

/** Any command on an existing contract: wage, payment, exam steps. Opening has its own handler. */
export class ChangeContractCommand {
  constructor(
    readonly contractId: string,
    readonly command: ContractCommand | ((state: ContractState | undefined) => ContractCommand),
    readonly context: CommandContext,
    /** Ownership check on the current state (e.g. the applicant's own contract); throws to refuse. */
    readonly authorize?: (state: ContractState) => void,
  ) {}
}

@CommandHandler(ChangeContractCommand)
export class ChangeContractHandler implements ICommandHandler<ChangeContractCommand, CommandOutcome> {
  constructor(private readonly streams: ContractStreams) {}

  execute({ contractId, command, context, authorize }: ChangeContractCommand): Promise<CommandOutcome> {
    return this.streams.execute(contractId, command, context, authorize);
  }
}
