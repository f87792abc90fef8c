import type { EventMetadata } from './port';
import { Upcasters } from './upcasters';

const metadata: EventMetadata = {
  eventId: 'e',
  correlationId: 'c',
  actor: { sub: 'u', role: 'insured' },
  channel: 'portal',
  occurredAt: '2025-03-21T08:00:00.000Z',
};

describe('upcasters', () => {
  // A made-up history: v1 had one `name`, v2 split it, v3 added a currency defaulting to rial.
  const upcasters = new Upcasters()
    .register({
      type: 'WageDeclared',
      fromVersion: 1,
      toVersion: 2,
      upcast: (data) => {
        const [first, ...rest] = String(data.name).split(' ');
        return { firstName: first, lastName: rest.join(' '), wage: data.wage };
      },
    })
    .register({ type: 'WageDeclared', fromVersion: 2, toVersion: 3, upcast: (data) => ({ ...data, currency: 'IRR' }) });

  it('chains old versions up to the newest', () => {
    const old = { type: 'WageDeclared', version: 1, data: { name: 'Sara Ahmadi Rad', wage: 100 }, metadata };
    expect(upcasters.upcast(old)).toEqual({
      type: 'WageDeclared',
      version: 3,
      data: { firstName: 'Sara', lastName: 'Ahmadi Rad', wage: 100, currency: 'IRR' },
      metadata,
    });
  });

  it('leaves current versions and other types untouched', () => {
    const current = { type: 'WageDeclared', version: 3, data: { wage: 1 }, metadata };
    const other = { type: 'PaymentConfirmed', version: 1, data: {}, metadata };
    expect(upcasters.upcast(current)).toBe(current);
    expect(upcasters.upcast(other)).toBe(other);
  });

  it('rejects upcasters that would loop or clash', () => {
    expect(() => new Upcasters().register({ type: 'X', fromVersion: 2, toVersion: 2, upcast: (d) => d })).toThrow(/raise/);
    const registry = new Upcasters().register({ type: 'X', fromVersion: 1, toVersion: 2, upcast: (d) => d });
    expect(() => registry.register({ type: 'X', fromVersion: 1, toVersion: 3, upcast: (d) => d })).toThrow(/Two upcasters/);
  });
});
