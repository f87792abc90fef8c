import { eventStoreContract } from '../contract-suite';
import { InMemoryEventStore } from './in-memory-event-store';

eventStoreContract('in-memory', async ({ upcasters }) => ({
  store: new InMemoryEventStore({ upcasters }),
  cleanup: async () => undefined,
}));
