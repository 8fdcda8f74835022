import { ClickHouseService } from '../../backend/src/clickhouse/clickhouse.service';
import { raw } from '../../backend/src/clickhouse/sql';
import { clickhouseUrl } from './support/test-services';

/**
 * A GROUP BY whose state outgrows the per-query memory limit: refused as it stands, completed once
 * CLICKHOUSE_EXTERNAL_GROUP_BY_BYTES lets it spill to disk (the grouping a field_match rule does by
 * match key when most records of two big systems differ).
 */
describe('ClickHouse GROUP BY spill to disk', () => {
  const services: ClickHouseService[] = [];
  const connect = (externalGroupByBytes: number) => {
    const service = new ClickHouseService({
      url: clickhouseUrl(),
      username: 'default',
      password: '',
      database: 'default',
      externalGroupByBytes,
    });
    services.push(service);
    return service;
  };
  afterAll(async () => {
    await Promise.all(services.map((s) => s.onModuleDestroy()));
  });

  // 3M keys, each grouping a tuple of strings: far beyond 200 MB of state.
  const grouping = raw(`SELECT count() AS n, sum(length(records)) AS records FROM (
      SELECT number % 3000000 AS k, groupArray(tuple(toString(number), 'some compared value')) AS records
      FROM numbers(6000000) GROUP BY k)`);
  const limit = { max_memory_usage: String(200_000_000) };

  it('refuses the grouping over the memory limit without spilling', async () => {
    await expect(connect(0).query(grouping, { tag: 'test.spill.off', settings: limit })).rejects.toThrow(
      /Memory limit/,
    );
  });

  it('completes it, every group whole, when the state spills past CLICKHOUSE_EXTERNAL_GROUP_BY_BYTES', async () => {
    const [row] = await connect(50_000_000).query<{ n: string; records: string }>(grouping, {
      tag: 'test.spill.on',
      settings: limit,
    });
    expect(row).toEqual({ n: '3000000', records: '6000000' });
  });
});
