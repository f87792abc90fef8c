import { createPool, loadConfig, startEmbeddedPostgres } from '@app/platform';
import { main, parseArgs, progressLine } from './projections';

jest.mock('@app/platform', () => ({
  ...jest.requireActual('@app/platform'),
  loadConfig: jest.fn(),
  createPool: jest.fn(),
  startEmbeddedPostgres: jest.fn(),
}));

describe('projections CLI', () => {
  it('shows position/total, events/s and ETA on the progress line', () => {
    expect(progressLine({ position: 500n, total: 1000n, events: 250, eventsPerSecond: 1234.4, etaSeconds: 2.1 })).toBe(
      '[###############...............] 500/1000  250 events  1234 ev/s  ETA 3s',
    );
    expect(progressLine({ position: 0n, total: 0n, events: 0, eventsPerSecond: 0, etaSeconds: null })).toContain('ETA ?');
  });

  it('refuses to rebuild the audit hash chain, saying why, before opening any database', async () => {
    const refusal = /^refusing to rebuild "audit_chain": it would re-hash .* hide tampering; see docs\/operations\.md/;
    await expect(main(['rebuild', 'audit_chain'])).rejects.toThrow(refusal);
    for (const opened of [loadConfig, createPool, startEmbeddedPostgres]) expect(opened).not.toHaveBeenCalled();
    expect(() => parseArgs(['rebuild', 'audit_chain'])).toThrow(refusal);
    expect(parseArgs(['rebuild', 'dashboard'])).toEqual({ command: 'rebuild', name: 'dashboard' });
    expect(() => parseArgs(['drop'])).toThrow('usage: projections status | projections rebuild <name>');
  });
});
