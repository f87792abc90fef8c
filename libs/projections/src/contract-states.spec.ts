import { iranDayStart } from '@app/contracts-domain';
import type { RecordedEvent } from '@app/event-store';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database';
import { CONTRACT_NOW, jalali, openOnline, pay } from '../../contracts-domain/src/testing/fixtures';
import { billingProjection } from './billing/billing.projection';
import { dashboardProjection } from './dashboard/dashboard.projection';
import { deadlinesProjection } from './deadlines/deadlines.projection';
import { eligibilityProjection } from './eligibility/eligibility.projection';
import { liveSchema } from './projection';
import { History, dumpSchema, project } from './testing/harness';

const at = (month: number, day: number) => new Date(iranDayStart(jalali(1405, month, day)).getTime() + 12 * 3600_000).toISOString();

describe('contract states folded by several projections of one process', () => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await createTestDatabase();
  });
  afterEach(() => db.drop());

  /** Three contracts of a few events each, interleaved in global order. */
  function histories(): RecordedEvent[] {
    const history = new History();
    const ids = ['0b7a52d6-0000-4000-8000-000000000001', '0b7a52d6-0000-4000-8000-000000000002', '0b7a52d6-0000-4000-8000-000000000003'];
    ids.forEach((contractId, i) => history.run(contractId, openOnline({ contractId, contractNumber: String(1405_000_100 + i) }), CONTRACT_NOW));
    for (const [month, day] of [[9, 15], [10, 10], [11, 12]] as const) {
      for (const contractId of ids.slice(0, 2)) history.run(contractId, pay(1, { bankReference: `BR-${contractId}-${month}` }), at(month, day));
    }
    return history.events;
  }

  const contractsOf = async (name: string) => (await dumpSchema(db.pool, liveSchema(name))).contracts;

  it('stores the same states whether a projection folds the events itself or another one did, whatever the batches', async () => {
    const events = histories();
    // Folds of their own (copies of the events), in two different batchings.
    await project(db.pool, billingProjection, structuredClone(events), 1);
    await project(db.pool, eligibilityProjection, structuredClone(events), 500);
    // The same event objects: the first folds each contract through every event, the second
    // finds those folds; then the other way round, from folds ending elsewhere.
    await project(db.pool, dashboardProjection, events, 1);
    await project(db.pool, deadlinesProjection, events, 4);

    const expected = await contractsOf('billing');
    expect(expected).toHaveLength(3);
    expect(await contractsOf('eligibility')).toEqual(expected);
    expect(await contractsOf('dashboard')).toEqual(expected);
    expect(await contractsOf('deadlines')).toEqual(expected);
  });
});
