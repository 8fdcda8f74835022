import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { startEstate, type DriftScenario, type RunningEstate } from '@driftwatch/demo-estate';
import { DEFAULT_OWNERSHIP_FILE } from '@driftwatch/reconciliation-rules';
import { Secret } from '../../../../backend/src/connectors/config/secret';
import { SupportDeskConnector } from '../../../../backend/src/connectors/support-desk/support-desk.connector';
import { ReconciliationService } from '../../../../backend/src/modules/reconciliation/reconciliation.service';
import { SnapshotRunnerService } from '../../../../backend/src/modules/snapshots/snapshot-runner.service';
import { StewardshipIntakeService } from '../../../../backend/src/modules/stewardship/stewardship-intake.service';
import { startApiApp, type ApiTestApp } from '../../api/support/api-app';
import { crmConnector, erpConnector, startFixupsApp } from '../../fixups/support/fixups-harness';
import { snapshotTestEnv, type SnapshotTestEnv } from '../../snapshots/support/snapshot-app';

export const MERGE_RULES_DIR = join(__dirname, '../merge-rules');

export function supportConnector(estate: RunningEstate): SupportDeskConnector {
  return new SupportDeskConnector({
    id: 'support',
    kind: 'support-desk',
    baseUrl: estate.support.baseUrl,
    auth: {
      type: 'basic',
      username: `${estate.support.email}/token`,
      password: new Secret(estate.support.apiToken, 'test'),
    },
    pageSize: 200,
    timeoutMs: 10_000,
    retry: { maxAttempts: 2, baseDelayMs: 20, maxDelayMs: 100, maxRetryAfterMs: 2000 },
    settings: {},
  });
}

/**
 * The demo estate's CRM, ERP and support desk, the real application (API role) reaching them through a
 * connectors file exactly as deployed, and a corrective-sync worker writing to them: snapshots,
 * reconciliation and the stewardship intake run in the API app, tasks are applied by the worker.
 */
export class MergeEstateApp {
  private constructor(
    readonly estate: RunningEstate,
    readonly env: SnapshotTestEnv,
    readonly api: ApiTestApp,
    readonly worker: INestApplication,
    readonly keys: { viewer: string; steward: string },
    private readonly dir: string,
  ) {}

  static async start(options: {
    customers: number;
    seed: number;
    scenario: DriftScenario;
    /** Contents of FIXUPS_POLICY_FILE, when the test needs one. */
    policy?: string;
    /** Changes made in the estate before the first snapshot. */
    prepare?: (estate: RunningEstate) => Promise<void>;
  }): Promise<MergeEstateApp> {
    const estate = await startEstate({
      customers: options.customers,
      seed: options.seed,
      systems: ['crm', 'erp', 'support'],
      scenario: options.scenario,
    });
    await options.prepare?.(estate);
    const dir = mkdtempSync(join(tmpdir(), 'dw-merge-'));
    const connectorsFile = join(dir, 'connectors.yaml');
    writeFileSync(
      connectorsFile,
      `connectors:
  - id: crm
    kind: salesforce
    baseUrl: ${estate.crm.baseUrl}
    auth:
      type: oauth2-client-credentials
      tokenUrl: ${estate.crm.tokenUrl}
      clientId: ${estate.crm.clientId}
      clientSecret: \${env:MERGE_TEST_CRM_SECRET}
  - id: erp
    kind: dynamics
    baseUrl: ${estate.erp.baseUrl}
    auth:
      type: oauth2-client-credentials
      tokenUrl: ${estate.erp.tokenUrl}
      clientId: ${estate.erp.clientId}
      clientSecret: \${env:MERGE_TEST_ERP_SECRET}
      scope: ${estate.erp.scope}
  - id: support
    kind: support-desk
    baseUrl: ${estate.support.baseUrl}
    auth:
      type: basic
      username: ${estate.support.email}/token
      password: \${env:MERGE_TEST_SUPPORT_TOKEN}
`,
    );
    const policy: Record<string, string> = {};
    if (options.policy !== undefined) {
      policy.FIXUPS_POLICY_FILE = join(dir, 'fixups-policy.yaml');
      writeFileSync(policy.FIXUPS_POLICY_FILE, options.policy);
    }
    const env = await snapshotTestEnv({
      RECONCILIATION_RULES_DIR: MERGE_RULES_DIR,
      RECONCILIATION_OWNERSHIP_FILE: DEFAULT_OWNERSHIP_FILE,
      FIXUPS_BATCH_WINDOW_MS: '10',
      FIXUPS_SWEEP_INTERVAL_MS: '0',
      ...policy,
    });
    const api = await startApiApp({
      ...env.env,
      DRIFTWATCH_CONNECTORS_FILE: connectorsFile,
      MERGE_TEST_CRM_SECRET: estate.crm.clientSecret,
      MERGE_TEST_ERP_SECRET: estate.erp.clientSecret,
      MERGE_TEST_SUPPORT_TOKEN: estate.support.apiToken,
    });
    const worker = await startFixupsApp('worker', env.env, [
      crmConnector(estate),
      erpConnector(estate),
      supportConnector(estate),
    ]);
    const [viewer, steward] = await Promise.all([api.key(['viewer']), api.key(['steward'])]);
    return new MergeEstateApp(estate, env, api, worker, { viewer: viewer.key, steward: steward.key }, dir);
  }

  /** Full customer snapshots of both systems, a reconciliation run, and the intake the worker runs after it. */
  async snapshotAndReconcile() {
    const runner = this.api.app.get(SnapshotRunnerService, { strict: false });
    for (const connectorId of ['crm', 'erp', 'support']) {
      const run = await runner.execute({ connectorId, entity: 'customer', mode: 'full', trigger: 'cli' });
      if (run.status !== 'complete') throw new Error(`snapshot of ${connectorId} is ${run.status}`);
    }
    const run = await this.api.app.get(ReconciliationService, { strict: false }).run({ trigger: 'api' });
    const intake = await this.api.app.get(StewardshipIntakeService, { strict: false }).fromRun(run.runId);
    return { run, intake };
  }

  get dataSource(): DataSource {
    return this.worker.get(DataSource);
  }

  get(path: string, key = this.keys.viewer) {
    return request(this.api.server).get(path).set('X-API-Key', key);
  }

  post(path: string, body: object, key = this.keys.steward) {
    return request(this.api.server).post(path).set('X-API-Key', key).send(body);
  }

  /** A record as the estate system stores it (`__admin/record`). */
  async record(system: 'crm' | 'erp' | 'support', entity: string, key: string): Promise<Record<string, unknown>> {
    const base = this.estate[system].baseUrl;
    const response = await fetch(
      `${base}/__admin/record?entity=${encodeURIComponent(entity)}&key=${encodeURIComponent(key)}`,
    );
    if (!response.ok) throw new Error(`record ${entity}/${key}: ${response.status}`);
    const body = (await response.json()) as { record?: Record<string, unknown> } & Record<string, unknown>;
    return body.record ?? body;
  }

  async close(): Promise<void> {
    await this.worker?.close();
    await this.api?.close();
    await this.env?.cleanup();
    await this.estate?.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
