import { migrateOutbox, readNotifications } from '@app/notifications';
import { ManualClock } from '@app/platform';
import { CONTRACT_ID, CONTRACT_NOW, openOnline } from '../../../libs/contracts-domain/src/testing/fixtures';
import { History, project } from '../../../libs/projections/src/testing/harness';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database';
import { readSideProjections } from './read-side';

describe('the read side as the service wires it', () => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await createTestDatabase();
    await migrateOutbox(db.pool);
  });
  afterEach(() => db.drop());

  const config = { dataDir: '/unused', smsGatewayUrl: undefined };
  const statuses = async () => (await readNotifications(db.pool, CONTRACT_ID)).items.map((i) => `${i.template} ${i.status}`);

  async function projectOpenedContract(businessClock: ManualClock | undefined) {
    const history = new History();
    history.run(CONTRACT_ID, openOnline(), CONTRACT_NOW);
    const notifications = readSideProjections(config, businessClock).find((p) => p.name === 'notifications')!;
    await project(db.pool, notifications, history.events);
  }

  it('with the business clock, does not queue for sending a conclusion SMS met more than SMS_MAX_AGE_HOURS (48) after the fact', async () => {
    await projectOpenedContract(new ManualClock(new Date(Date.parse(CONTRACT_NOW) + 49 * 3_600_000)));
    expect(await statuses()).toEqual(['contract_concluded cancelled', 'payment_reminder pending']);
  });

  it('without it (a process that does not own the business clock), judges nothing late', async () => {
    await projectOpenedContract(undefined);
    expect(await statuses()).toEqual(['contract_concluded pending', 'payment_reminder pending']);
  });
});
