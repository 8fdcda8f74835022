/**
 * Every numbered Postgres migration can be undone: from the newest down to none, each down() runs
 * on a real database holding what its up() made, and leaves nothing of the schema behind; the chain
 * then applies again from scratch. A down() that names something its up() never made fails here.
 */
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../../backend/src/database/data-source';
import { POSTGRES_MIGRATIONS } from '../../../backend/src/database/migrations';
import { isolatedPostgres } from '../support/test-services';

describe('Postgres migrations undo and apply again', () => {
  let db: Awaited<ReturnType<typeof isolatedPostgres>>;
  let dataSource: DataSource;

  beforeAll(async () => {
    db = await isolatedPostgres();
    dataSource = new DataSource(dataSourceOptions(db.url));
    await dataSource.initialize();
  });

  afterAll(async () => {
    await dataSource.destroy();
    await db.drop();
  });

  /** Relations (tables, indexes, views, sequences), functions and types of the public schema, but TypeORM's own table. */
  const schemaObjects = async (): Promise<string[]> => {
    const rows: { name: string }[] = await dataSource.query(
      `SELECT c.relkind::text || ':' || c.relname AS name FROM pg_class c
         JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'public' AND c.relname NOT LIKE 'migrations%'
         AND NOT EXISTS (SELECT 1 FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
                         WHERE i.indexrelid = c.oid AND t.relname = 'migrations')
       UNION ALL
       SELECT 'function:' || p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
       WHERE n.nspname = 'public'
       UNION ALL
       SELECT 'type:' || t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
       WHERE n.nspname = 'public' AND t.typtype IN ('e', 'd')
       ORDER BY 1`,
    );
    return rows.map((r) => r.name);
  };

  it('undoes every migration, newest first, down to an empty schema, then applies them all again', async () => {
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    expect(applied).toHaveLength(POSTGRES_MIGRATIONS.length);
    const full = await schemaObjects();
    expect(full).toContain('r:findings');

    for (let left = POSTGRES_MIGRATIONS.length; left > 0; left--) {
      await dataSource.undoLastMigration({ transaction: 'each' });
      const executed: { n: string }[] = await dataSource.query(`SELECT count(*) AS n FROM migrations`);
      expect(Number(executed[0]?.n)).toBe(left - 1);
    }
    expect(await schemaObjects()).toEqual([]);

    await dataSource.runMigrations({ transaction: 'each' });
    expect(await schemaObjects()).toEqual(full);
  });
});
