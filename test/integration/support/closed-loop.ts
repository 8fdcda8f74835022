/**
 * The fix-ups closed loop on real parts: the demo estate over HTTP, snapshots through real connectors
 * into ClickHouse, reconciliation of a rule pack, and a corrective-sync worker writing to the estate.
 */
import { startEstate, type EstateOptions, type RunningEstate } from '@driftwatch/demo-estate';
import type { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DEFAULT_OWNERSHIP_FILE } from '@driftwatch/reconciliation-rules';
import { ConfigService } from '../../../backend/src/config/config.service';
import type { EntityKind } from '../../../backend/src/connectors/canonical-model';
import type { Connector } from '../../../backend/src/connectors/connector';
import { ReconciliationService } from '../../../backend/src/modules/reconciliation/reconciliation.service';
import { RuleCatalogService } from '../../../backend/src/modules/reconciliation/rule-catalog.service';
import {
  CONNECTOR_RESOLVER,
  StaticConnectorResolver,
} from '../../../backend/src/modules/snapshots/snapshot-connectors';
import type { SnapshotRunEntity } from '../../../backend/src/modules/snapshots/snapshot-run.entity';
import { SnapshotRunnerService } from '../../../backend/src/modules/snapshots/snapshot-runner.service';
import { startFixupsApp } from '../fixups/support/fixups-harness';
import { snapshotTestEnv, startSnapshotApp, type SnapshotTestEnv } from '../snapshots/support/snapshot-app';
import { reconciliationServicesOver } from './reconciliation-services';

export interface ClosedLoop {
  estate: RunningEstate;
  env: SnapshotTestEnv;
  /** Snapshots in an API-role process, reading the estate through the loop's connectors. */
  snapshots: INestApplication;
  /** Fix-up tasks in a worker-role process, writing to the estate through the same connectors. */
  worker: INestApplication;
  dataSource: DataSource;
  catalog: RuleCatalogService;
  reconciliation: ReconciliationService;
  /** Full snapshots of `entity` from each connector in turn; each must complete. */
  snapshot(entity: EntityKind, connectorIds: readonly string[]): Promise<SnapshotRunEntity[]>;
  /** Stops what was started: the processes, the test databases and the estate. */
  stop(): Promise<void>;
}

export async function startClosedLoop(options: {
  estate: EstateOptions;
  /** The connectors snapshots read through and fix-ups write through. */
  connectors: (estate: RunningEstate) => Connector[];
  rulesDir: string;
  /** More environment for both processes. */
  env?: Record<string, string>;
  /** The worker resolves hierarchy parents in ClickHouse. */
  workerClickHouse?: boolean;
}): Promise<ClosedLoop> {
  const started: { stop(): Promise<void> }[] = [];
  // Stopped in the reverse order of starting: the processes before their databases, the estate last.
  const stop = async () => {
    for (const part of started.splice(0).reverse()) await part.stop();
  };
  try {
    const estate = await startEstate(options.estate);
    started.push(estate);
    const env = await snapshotTestEnv({
      RECONCILIATION_RULES_DIR: options.rulesDir,
      RECONCILIATION_OWNERSHIP_FILE: DEFAULT_OWNERSHIP_FILE,
      FIXUPS_BATCH_WINDOW_MS: '10',
      FIXUPS_SWEEP_INTERVAL_MS: '0',
      ...options.env,
    });
    started.push({ stop: () => env.cleanup() });
    const connectors = options.connectors(estate);
    const snapshots = await startSnapshotApp('api', env.env, {
      provide: CONNECTOR_RESOLVER,
      useValue: new StaticConnectorResolver(connectors),
    });
    started.push({ stop: () => snapshots.close() });
    const worker = await startFixupsApp('worker', env.env, connectors, { clickhouse: options.workerClickHouse });
    started.push({ stop: () => worker.close() });
    const dataSource = worker.get(DataSource);
    const config = new ConfigService({ ...process.env, ...env.env });
    const catalog = new RuleCatalogService(config);
    const reconciliation = reconciliationServicesOver(config, env.clickhouse, dataSource).service;
    return {
      estate,
      env,
      snapshots,
      worker,
      dataSource,
      catalog,
      reconciliation,
      async snapshot(entity, connectorIds) {
        const runs: SnapshotRunEntity[] = [];
        for (const connectorId of connectorIds) {
          const run = await snapshots
            .get(SnapshotRunnerService)
            .execute({ connectorId, entity, mode: 'full', trigger: 'cli' });
          expect(run.status).toBe('complete');
          runs.push(run);
        }
        return runs;
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
