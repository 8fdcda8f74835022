/** Runs rule fixtures through the backend's ClickHouse wrapper (the one the product uses). */
import type { FixtureExecutor, SqlFragment } from '@driftwatch/reconciliation-rules';
import type { ClickHouseService } from '../../../backend/src/clickhouse/clickhouse.service';

export function fixtureExecutor(clickhouse: ClickHouseService): FixtureExecutor {
  return {
    command: (statement: SqlFragment) => clickhouse.command(statement, { tag: 'rules.fixture.setup' }),
    query: <T>(statement: SqlFragment) => clickhouse.query<T>(statement, { tag: 'rules.fixture.findings' }),
    insert: (table: SqlFragment, rows: readonly Record<string, unknown>[]) =>
      clickhouse.insert(table, rows, { tag: 'rules.fixture.rows' }),
  };
}
