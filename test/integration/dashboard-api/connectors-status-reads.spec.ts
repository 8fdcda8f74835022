/**
 * The connector status page's reads of `snapshot_runs` against a real Postgres: each pair's latest
 * complete, latest complete full and latest finished run, and the recent throughput, read one index
 * probe per pair, give exactly what a plain DISTINCT ON / window query over every run gives (ties on
 * finished_at, runs that never finished, other connectors, several entities), keyed runs (a change
 * event's records) left out; and the
 * active runs are read through their own index (migration 0021), not the connector's whole history.
 */
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { ConnectorsStatusRepository } from '../../../backend/src/modules/connectors-status/connectors-status.repository';
import { SnapshotRunEntity } from '../../../backend/src/modules/snapshots/snapshot-run.entity';
import { migratedPostgres } from '../support/test-services';

const T0 = Date.parse('2026-11-30T00:00:00Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();

describe('connector status reads of snapshot runs', () => {
  let db: Awaited<ReturnType<typeof migratedPostgres>>;
  let dataSource: DataSource;
  let repository: ConnectorsStatusRepository;

  const run = (r: {
    connector: string;
    entity: string;
    mode: 'full' | 'incremental';
    status: string;
    finished?: number | null;
    keys?: boolean;
    rows?: number;
    id?: string;
  }) =>
    dataSource.query<unknown>(
      `INSERT INTO snapshot_runs (id, connector_id, entity, mode, trigger, status, keys, rows_read, rows_written,
         queued_at, started_at, finished_at)
       VALUES ($1, $2, $3, $4, 'schedule', $5, $6, $7, $7, $8, $8, $9)`,
      [
        r.id ?? randomUUID(),
        r.connector,
        r.entity,
        r.mode,
        r.status,
        r.keys ? JSON.stringify(['K1']) : null,
        r.rows ?? 10,
        at((r.finished ?? 0) - 1),
        r.finished === null || r.finished === undefined ? null : at(r.finished),
      ],
    );

  beforeAll(async () => {
    db = await migratedPostgres([SnapshotRunEntity]);
    ({ dataSource } = db);
    repository = new ConnectorsStatusRepository(dataSource);

    // erp/customer: fulls and incrementals; the latest complete is a tie of two incrementals.
    await run({ connector: 'erp', entity: 'customer', mode: 'full', status: 'complete', finished: 10, rows: 1000 });
    await run({ connector: 'erp', entity: 'customer', mode: 'full', status: 'complete', finished: 50, rows: 900 });
    for (let i = 0; i < 2; i++) {
      await run({
        connector: 'erp',
        entity: 'customer',
        mode: 'incremental',
        status: 'complete',
        finished: 70,
        keys: true,
      });
    }
    await run({ connector: 'erp', entity: 'customer', mode: 'incremental', status: 'failed', finished: 80, rows: 0 });
    await run({ connector: 'erp', entity: 'customer', mode: 'full', status: 'running', finished: null });
    // erp/order: only keyed incrementals (no full run at all), one partial last.
    for (let i = 0; i < 30; i++) {
      await run({
        connector: 'erp',
        entity: 'order',
        mode: 'incremental',
        status: 'complete',
        finished: i,
        keys: true,
      });
    }
    await run({ connector: 'erp', entity: 'order', mode: 'incremental', status: 'partial', finished: 31, keys: true });
    // crm/customer: a complete run that (wrongly) never recorded its end, and a failed full.
    await run({ connector: 'crm', entity: 'customer', mode: 'full', status: 'complete', finished: null });
    await run({ connector: 'crm', entity: 'customer', mode: 'full', status: 'failed', finished: 5 });
    // wms: queued only; and a connector the page does not ask for.
    await run({ connector: 'wms', entity: 'shipment', mode: 'incremental', status: 'queued', finished: null });
    await run({ connector: 'other', entity: 'customer', mode: 'full', status: 'complete', finished: 90 });
    await dataSource.query('ANALYZE snapshot_runs');
  });

  afterAll(async () => {
    await db.drop();
  });

  const IDS = ['erp', 'crm', 'wms', 'missing'];
  const latestBySql = async (where: string): Promise<string[]> =>
    (
      await dataSource.query<{ id: string }[]>(
        `SELECT DISTINCT ON (connector_id, entity) id::text AS id FROM snapshot_runs
         WHERE connector_id = ANY($1::text[]) AND ${where}
         ORDER BY connector_id, entity, finished_at DESC NULLS LAST, id`,
        [IDS],
      )
    )
      .map((r) => r.id)
      .sort();
  const ids = (runs: { runId: string }[]) => runs.map((r) => r.runId).sort();

  it('reads the latest complete, latest complete full and latest finished run of each pair like DISTINCT ON does', async () => {
    const complete = await repository.latestComplete(IDS);
    expect(ids(complete.any)).toEqual(await latestBySql(`status = 'complete' AND keys IS NULL`));
    expect(ids(complete.full)).toEqual(await latestBySql(`status = 'complete' AND mode = 'full'`));
    expect(ids(await repository.latestFinished(IDS))).toEqual(
      await latestBySql(`status IN ('complete', 'partial', 'failed') AND keys IS NULL`),
    );
    // The pairs themselves: erp/order has keyed runs only, wms nothing finished, "other" was not asked for.
    expect(complete.any.map((r) => `${r.connectorId}/${r.entity}`).sort()).toEqual(['crm/customer', 'erp/customer']);
    expect(complete.full.map((r) => `${r.connectorId}/${r.entity}:${r.finishedAt}`).sort()).toEqual([
      'crm/customer:null',
      `erp/customer:${at(50).replace(/\.\d+Z$/, '.000Z')}`,
    ]);
  });

  it('averages the throughput of the last runs of each pair like the window query does', async () => {
    const plain = await dataSource.query<{ key: string; runs: string; rows_per_s: number }[]>(
      `SELECT connector_id || '/' || entity AS key, count(*) AS runs,
         sum(rows_read)::float8 / nullif(sum(extract(epoch FROM finished_at - started_at)), 0) AS rows_per_s
       FROM (SELECT *, row_number() OVER (PARTITION BY connector_id, entity ORDER BY finished_at DESC, id) AS n
             FROM snapshot_runs WHERE connector_id = ANY($1::text[]) AND status = 'complete' AND rows_read > 0
               AND started_at IS NOT NULL AND finished_at IS NOT NULL AND keys IS NULL) recent
       WHERE n <= 20 GROUP BY 1 ORDER BY 1`,
      [IDS],
    );
    const read = await repository.throughput(IDS, 20);
    expect(read.map((t) => [`${t.connectorId}/${t.entity}`, t.runs, t.rowsPerS]).sort()).toEqual(
      plain.map((p) => [p.key, Number(p.runs), Math.round(p.rows_per_s)]),
    );
    // Keyed runs (a few rows in a second each) never count: erp/order has no throughput.
    expect(read.find((t) => t.connectorId === 'erp' && t.entity === 'order')).toBeUndefined();
  });

  it('lists the active runs through their own index (migration 0021)', async () => {
    const active = await repository.activeRuns(IDS);
    expect(active.map((r) => `${r.connectorId}/${r.entity}:${r.status}`).sort()).toEqual([
      'erp/customer:running',
      'wms/shipment:queued',
    ]);
    const [index] = await dataSource.query<{ definition: string }[]>(
      `SELECT pg_get_indexdef('snapshot_runs_active_idx'::regclass) AS definition`,
    );
    expect(index.definition).toContain(`WHERE (status = ANY (ARRAY['queued'::text, 'running'::text]))`);
  });
});
