import { deterministicId, uuidV5 } from './ids';

describe('deterministic ids', () => {
  it('computes RFC 9562 version 5 UUIDs (the RFC namespace DNS example)', () => {
    expect(uuidV5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
  });

  it('gives the same id for the same parts and different ids otherwise', () => {
    const id = deterministicId('command-42', 'event-0');
    expect(deterministicId('command-42', 'event-0')).toBe(id);
    expect(deterministicId('command-42', 'event-1')).not.toBe(id);
    expect(deterministicId('command-42-event', '0')).not.toBe(deterministicId('command-42', 'event-0'));
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('keeps the ids already stored: the same parts give the same id in every version', () => {
    // Computed by the first implementation; event, message and command ids are stored and compared.
    expect(deterministicId('sms', 'e1', 'payment_confirmed')).toBe('8b128f0c-96b8-59df-a884-8bcdd1e759ee');
  });
});
