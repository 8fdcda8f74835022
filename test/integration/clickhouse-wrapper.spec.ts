import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClickHouseMigrator, MigrationError } from '../../backend/src/clickhouse/clickhouse-migrator';
import { ClickHouseQueryError, ClickHouseUnavailableError } from '../../backend/src/clickhouse/clickhouse.errors';
import { ClickHouseService } from '../../backend/src/clickhouse/clickhouse.service';
import { raw, sql, uint } from '../../backend/src/clickhouse/sql';
import { isolatedClickHouse } from './support/test-services';

describe('ClickHouse wrapper', () => {
  let clickhouse: Awaited<ReturnType<typeof isolatedClickHouse>>;
  let dir: string;

  beforeEach(async () => {
    clickhouse = await isolatedClickHouse();
    dir = await mkdtemp(join(tmpdir(), 'dw-ch-migrations-'));
  });

  afterEach(async () => {
    await clickhouse.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('detects the server version once', async () => {
    const version = await clickhouse.detectVersion();
    expect(version.major).toBeGreaterThanOrEqual(18);
  });

  it('throws a typed error carrying the query tag, never an empty result', async () => {
    await expect(clickhouse.query(raw('SELECT * FROM no_such_table'), { tag: 'test.missing' })).rejects.toMatchObject({
      name: 'ClickHouseQueryError',
      tag: 'test.missing',
    });
    await expect(clickhouse.query(raw('SELEC 1'), { tag: 'test.syntax' })).rejects.toBeInstanceOf(ClickHouseQueryError);
  });

  it('streams a large result row by row', async () => {
    let count = 0;
    let sum = 0;
    for await (const row of clickhouse.stream<{ n: string }>(
      sql`SELECT number AS n FROM system.numbers LIMIT ${uint(200_000)}`,
      {
        tag: 'test.stream',
      },
    )) {
      count += 1;
      sum += Number(row.n);
    }
    expect(count).toBe(200_000);
    expect(sum).toBe((199_999 * 200_000) / 2);
  });

  it('reports an unreachable server with the URL and how to start it', async () => {
    const dead = new ClickHouseService({ url: 'http://127.0.0.1:1', username: 'default', password: '', database: 'x' });
    await expect(dead.detectVersion()).rejects.toBeInstanceOf(ClickHouseUnavailableError);
    await expect(dead.detectVersion()).rejects.toThrow(/127\.0\.0\.1:1.*services:up/s);
    await dead.onModuleDestroy();
  });

  it('applies numbered migrations once and records them', async () => {
    await writeFile(
      join(dir, '0001_first.sql'),
      '-- a table\nCREATE TABLE IF NOT EXISTS a (x UInt8) ENGINE = MergeTree ORDER BY x;\nCREATE TABLE IF NOT EXISTS b (y UInt8) ENGINE = MergeTree ORDER BY y;\n',
    );
    await writeFile(join(dir, '0002_second.sql'), 'ALTER TABLE a ADD COLUMN z String;\n');
    const migrator = new ClickHouseMigrator(clickhouse, dir);
    expect(await migrator.migrate()).toEqual([1, 2]);
    expect(await migrator.migrate()).toEqual([]);
    const tables = await clickhouse.query<{ name: string }>(
      sql`SELECT name FROM system.tables WHERE database = ${clickhouse.database} ORDER BY name`,
      { tag: 'test.tables' },
    );
    expect(tables.map((t) => t.name)).toEqual(['a', 'b', 'schema_migrations']);
  });

  it('resumes a migration interrupted after some of its ADD COLUMN statements (18.16 has no IF NOT EXISTS)', async () => {
    await writeFile(
      join(dir, '0001_first.sql'),
      'CREATE TABLE IF NOT EXISTS a (x UInt8) ENGINE = MergeTree ORDER BY x;\n',
    );
    await new ClickHouseMigrator(clickhouse, dir).migrate();
    const second =
      'ALTER TABLE a ADD COLUMN y String;\nALTER TABLE a ADD COLUMN z UInt64 MATERIALIZED cityHash64(y);\n';
    await writeFile(join(dir, '0002_second.sql'), second);
    // The first statement ran, then the process died before the second and before the ledger entry.
    await clickhouse.command(raw('ALTER TABLE a ADD COLUMN y String'), { tag: 'test.interrupted' });

    expect(await new ClickHouseMigrator(clickhouse, dir).migrate()).toEqual([2]);
    const columns = await clickhouse.query<{ name: string }>(
      sql`SELECT name FROM system.columns WHERE database = ${clickhouse.database} AND table = 'a' ORDER BY name`,
      { tag: 'test.columns' },
    );
    expect(columns.map((c) => c.name)).toEqual(['x', 'y', 'z']);
    expect(await new ClickHouseMigrator(clickhouse, dir).migrate()).toEqual([]);
  });

  it('stops on an ADD COLUMN statement found half applied, naming what is missing', async () => {
    await writeFile(
      join(dir, '0001_first.sql'),
      'CREATE TABLE IF NOT EXISTS a (x UInt8) ENGINE = MergeTree ORDER BY x;\n',
    );
    await new ClickHouseMigrator(clickhouse, dir).migrate();
    await writeFile(join(dir, '0002_second.sql'), 'ALTER TABLE a ADD COLUMN y String, ADD COLUMN z String;\n');
    await clickhouse.command(raw('ALTER TABLE a ADD COLUMN y String'), { tag: 'test.half' });
    const migrating = new ClickHouseMigrator(clickhouse, dir).migrate();
    await expect(migrating).rejects.toThrow(MigrationError);
    await expect(new ClickHouseMigrator(clickhouse, dir).migrate()).rejects.toThrow(/already has y but not z/);
  });

  it('refuses to run when an applied migration was edited', async () => {
    await writeFile(
      join(dir, '0001_first.sql'),
      'CREATE TABLE IF NOT EXISTS a (x UInt8) ENGINE = MergeTree ORDER BY x;\n',
    );
    await new ClickHouseMigrator(clickhouse, dir).migrate();
    await writeFile(
      join(dir, '0001_first.sql'),
      'CREATE TABLE IF NOT EXISTS a (x UInt16) ENGINE = MergeTree ORDER BY x;\n',
    );
    await expect(new ClickHouseMigrator(clickhouse, dir).migrate()).rejects.toThrow(MigrationError);
    await expect(new ClickHouseMigrator(clickhouse, dir).migrate()).rejects.toThrow(/immutable/);
  });

  it('refuses badly named migration files', async () => {
    await writeFile(join(dir, '1_bad.sql'), 'SELECT 1;\n');
    await expect(new ClickHouseMigrator(clickhouse, dir).migrate()).rejects.toThrow(/NNNN_snake_name/);
  });
});
