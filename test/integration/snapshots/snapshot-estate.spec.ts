import { startEstate } from '@driftwatch/demo-estate';
import type { INestApplication } from '@nestjs/common';
import { sql } from '../../../backend/src/clickhouse/sql';
import { connectorConfigSchema } from '../../../backend/src/connectors/config/connectors-config';
import { SalesforceConnector } from '../../../backend/src/connectors/salesforce/salesforce.connector';
import {
  CONNECTOR_RESOLVER,
  StaticConnectorResolver,
} from '../../../backend/src/modules/snapshots/snapshot-connectors';
import { SnapshotRunnerService } from '../../../backend/src/modules/snapshots/snapshot-runner.service';
import { SnapshotRunsRepository } from '../../../backend/src/modules/snapshots/snapshot-runs.repository';
import { snapshotTestEnv, startSnapshotApp, type SnapshotTestEnv } from './support/snapshot-app';
import { crmAuth } from '../support/estate-auth';

const CUSTOMERS = 1000;

describe('snapshots of the estate CRM through the Salesforce connector', () => {
  let estate: Awaited<ReturnType<typeof startEstate>>;
  let env: SnapshotTestEnv;
  let app: INestApplication;
  let connector: SalesforceConnector;
  const request = { connectorId: 'crm', entity: 'customer', mode: 'full', trigger: 'cli' } as const;

  const faults = async (body: Record<string, unknown>) => {
    const response = await fetch(`${estate.crm.baseUrl}/__admin/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(200);
  };

  beforeAll(async () => {
    estate = await startEstate({ customers: CUSTOMERS, seed: 5, systems: ['crm'] });
    connector = new SalesforceConnector(
      connectorConfigSchema.parse({
        id: 'crm',
        kind: 'salesforce',
        baseUrl: estate.crm.baseUrl,
        pageSize: 200,
        auth: crmAuth(estate),
        retry: { maxAttempts: 3, baseDelayMs: 20, maxDelayMs: 100, maxRetryAfterMs: 1000 },
      }),
    );
    env = await snapshotTestEnv({ SNAPSHOT_INSERT_ROWS: '200' });
    app = await startSnapshotApp('api', env.env, {
      provide: CONNECTOR_RESOLVER,
      useValue: new StaticConnectorResolver([connector]),
    });
  });

  afterAll(async () => {
    await app?.close();
    await env?.cleanup();
    await estate?.stop();
  });

  it('snapshots every CRM account, riding out throttling with retries', async () => {
    await faults({ next: ['throttle', 'outage'], retryAfterSeconds: 0 });
    const run = await app.get(SnapshotRunnerService).execute(request);
    expect(run.status).toBe('complete');
    expect(run.rowsWritten + run.rejects).toBeGreaterThanOrEqual(CUSTOMERS);
    expect(run.total).toBe(run.rowsRead);
    const [row] = await env.clickhouse.query<{ n: string; numbers: string }>(
      sql`SELECT count() AS n, countIf(customer_number != '') AS numbers FROM current_customer FINAL WHERE system = 'crm' AND deleted = 0`,
      { tag: 'test' },
    );
    expect(Number(row.n)).toBe(run.rowsWritten);
    expect(Number(row.numbers)).toBeGreaterThan(CUSTOMERS * 0.9);
  });

  it('marks the run failed with the reason when the source goes down mid-run, and counts nothing of it', async () => {
    let broke = false;
    let runId = '';
    const error = await app
      .get(SnapshotRunnerService)
      .execute(request, {
        onProgress: (p) => {
          runId = p.runId;
          if (!broke && p.rowsWritten > 0) {
            broke = true;
            void faults({ outageRate: 1 });
          }
        },
      })
      .then(
        () => null,
        (e: unknown) => e as Error,
      );
    await faults({ outageRate: 0 });
    expect(broke).toBe(true);
    expect(error).toBeInstanceOf(Error);
    const run = await app.get(SnapshotRunsRepository).findById(runId);
    expect(run?.status).toBe('failed');
    expect(run?.error).toMatch(/503|unavailable|outage/i);
    const catalog = await env.clickhouse.query<{ snapshot_id: string }>(
      sql`SELECT snapshot_id FROM snapshot_catalog WHERE snapshot_id = ${runId}`,
      { tag: 'test' },
    );
    expect(catalog).toEqual([]);
    // The current state still holds exactly the previous complete snapshot.
    const [current] = await env.clickhouse.query<{ snapshots: string }>(
      sql`SELECT uniqExact(snapshot_id) AS snapshots FROM current_customer FINAL WHERE system = 'crm'`,
      { tag: 'test' },
    );
    expect(current.snapshots).toBe('1');
  });
});
