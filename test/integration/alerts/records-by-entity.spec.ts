/**
 * The denominator of an alert's "percentage of records affected" against a real Postgres: per entity,
 * the largest system's rows in its latest complete full snapshot run, read one index probe per pair,
 * equals the plain DISTINCT ON over every run, whatever event-triggered, failed or older runs surround it.
 */
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { FindingGroupsRepository } from '../../../backend/src/modules/alerts/finding-groups.repository';
import { migratedPostgres } from '../support/test-services';

const T0 = Date.parse('2026-11-30T00:00:00Z');

describe('records per entity for alert percentages', () => {
  let db: Awaited<ReturnType<typeof migratedPostgres>>;
  let dataSource: DataSource;

  const run = (
    connector: string,
    entity: string,
    mode: string,
    status: string,
    rows: number,
    minute: number,
    keys = false,
  ) =>
    dataSource.query<unknown>(
      `INSERT INTO snapshot_runs (id, connector_id, entity, mode, trigger, status, keys, rows_written, queued_at, started_at, finished_at)
       VALUES ($1, $2, $3, $4, 'schedule', $5, $6, $7, $8, $8, $8)`,
      [randomUUID(), connector, entity, mode, status, keys ? '["K1"]' : null, rows, new Date(T0 + minute * 60_000)],
    );

  beforeAll(async () => {
    db = await migratedPostgres();
    ({ dataSource } = db);
  });

  afterAll(async () => {
    await db.drop();
  });

  it('takes each pair’s latest complete full run and the largest system per entity, as DISTINCT ON does', async () => {
    await run('erp', 'customer', 'full', 'complete', 1000, 1);
    await run('erp', 'customer', 'full', 'complete', 1200, 10); // the latest full of erp/customer
    await run('erp', 'customer', 'full', 'failed', 5000, 20);
    for (let m = 21; m < 40; m++) await run('erp', 'customer', 'incremental', 'complete', 3, m, true);
    await run('crm', 'customer', 'full', 'complete', 1500, 2); // larger, older: per pair, then the max
    await run('crm', 'customer', 'incremental', 'complete', 9000, 30);
    await run('erp', 'order', 'full', 'complete', 70, 5);
    await run('erp', 'order', 'full', 'partial', 90, 6);
    await run('wms', 'shipment', 'incremental', 'complete', 40, 7, true); // no full run: no denominator
    const plain = await dataSource.query<{ entity: string; records: string }[]>(
      `SELECT entity, max(rows_written) AS records FROM (
         SELECT DISTINCT ON (connector_id, entity) entity, rows_written FROM snapshot_runs
         WHERE status = 'complete' AND mode = 'full' ORDER BY connector_id, entity, finished_at DESC
       ) latest GROUP BY entity`,
    );
    const read = await new FindingGroupsRepository(dataSource).recordsByEntity();
    expect(Object.fromEntries(read)).toEqual(Object.fromEntries(plain.map((r) => [r.entity, Number(r.records)])));
    expect(Object.fromEntries(read)).toEqual({ customer: 1500, order: 70 });
  });
});
