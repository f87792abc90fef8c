import { ConfigError } from '../config';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/database';
import { migrate, type Migration } from './migrations';
import { createPool } from './pool';

const widgets: Migration[] = [
  { id: '001_widgets', sql: 'CREATE TABLE widgets (id INT PRIMARY KEY)' },
  { id: '002_widget_names', sql: 'ALTER TABLE widgets ADD COLUMN name TEXT' },
];

describe('migrate', () => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await createTestDatabase();
  });
  afterEach(async () => {
    await db.drop();
  });

  async function recorded(): Promise<string[]> {
    const { rows } = await db.pool.query<{ id: string }>(
      'SELECT component || \':\' || id AS id FROM schema_migrations ORDER BY component, id',
    );
    return rows.map((row) => row.id);
  }

  it('applies pending migrations in order, records them, and applies nothing the second time', async () => {
    expect(await migrate(db.pool, 'widgets', widgets.slice(0, 1))).toEqual(['001_widgets']);
    expect(await migrate(db.pool, 'widgets', widgets)).toEqual(['002_widget_names']);
    expect(await migrate(db.pool, 'widgets', widgets)).toEqual([]);
    await db.pool.query("INSERT INTO widgets (id, name) VALUES (1, 'a')");
    expect(await recorded()).toEqual(['widgets:001_widgets', 'widgets:002_widget_names']);
  });

  it('keeps components apart', async () => {
    await migrate(db.pool, 'widgets', widgets);
    expect(await migrate(db.pool, 'gadgets', [{ id: '001_widgets', sql: 'CREATE TABLE gadgets (id INT)' }])).toEqual([
      '001_widgets',
    ]);
    expect(await recorded()).toEqual(['gadgets:001_widgets', 'widgets:001_widgets', 'widgets:002_widget_names']);
  });

  it('lets processes starting together apply each migration once', async () => {
    const secondPool = createPool(db.url);
    try {
      const results = await Promise.all([migrate(db.pool, 'widgets', widgets), migrate(secondPool, 'widgets', widgets)]);
      expect(results.flat().sort()).toEqual(['001_widgets', '002_widget_names']);
    } finally {
      await secondPool.end();
    }
  });

  it('rolls back a failing migration with everything before it in the same run', async () => {
    const broken = [...widgets, { id: '003_broken', sql: 'ALTER TABLE nowhere ADD COLUMN x INT' }];
    await expect(migrate(db.pool, 'widgets', broken)).rejects.toThrow(/nowhere/);
    const { rows } = await db.pool.query(
      "SELECT to_regclass('widgets') AS widgets, to_regclass('schema_migrations') AS migrations",
    );
    expect(rows).toEqual([{ widgets: null, migrations: null }]);
  });

  it("refuses a database migrated by newer code, as the operator's to settle (one line, no stack)", async () => {
    await migrate(db.pool, 'widgets', widgets);
    const older = migrate(db.pool, 'widgets', widgets.slice(0, 1));
    await expect(older).rejects.toThrow(/002_widget_names/);
    await expect(older).rejects.toBeInstanceOf(ConfigError);
  });

  it('refuses a list with a duplicate id', async () => {
    await expect(migrate(db.pool, 'widgets', [widgets[0]!, widgets[0]!])).rejects.toThrow(/listed twice/);
  });
});
