import { InMemoryEventStore } from '@app/event-store';
import { ManualClock } from '@app/platform';
import { CONTRACT_ID, CONTRACT_NOW, openOnline } from '../../contracts-domain/src/testing/fixtures';
import { ContractStreams, type CommandContext } from './contract-streams';

const context: CommandContext = {
  actor: { sub: 'applicant-1', role: 'applicant' },
  channel: 'online',
  correlationId: 'request-1',
  commandId: 'a-command-id-derived-from-an-idempotency-key',
};

describe('ContractStreams', () => {
  it('answers a retried command that was appended before (its process died before answering) with the stored state, not a refusal', async () => {
    const store = new InMemoryEventStore();
    const streams = new ContractStreams(store, new ManualClock(new Date(CONTRACT_NOW)));
    const first = await streams.execute(CONTRACT_ID, openOnline(), context);

    // The retry carries the same command id; deciding OpenContractOnline again would say CONTRACT_ALREADY_OPENED.
    const retry = await streams.execute(CONTRACT_ID, openOnline(), { ...context, correlationId: 'request-2', expectedRevision: undefined });

    expect(retry.appended).toEqual([]);
    expect(retry.state).toEqual(first.state);
    expect(retry.revision).toBe(first.revision);
    expect((await store.readStream(`contract-${CONTRACT_ID}`)).length).toBe(first.appended.length);
  });

  it('still refuses the same command under another command id', async () => {
    const streams = new ContractStreams(new InMemoryEventStore(), new ManualClock(new Date(CONTRACT_NOW)));
    await streams.execute(CONTRACT_ID, openOnline(), context);
    await expect(streams.execute(CONTRACT_ID, openOnline(), { ...context, commandId: 'another-request' })).rejects.toMatchObject({ code: 'CONTRACT_ALREADY_OPENED' });
  });
});
