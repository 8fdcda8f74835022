import { join } from 'node:path';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { DEFAULT_OWNERSHIP_FILE } from '@driftwatch/reconciliation-rules';
import { ClickHouseService } from '../../../../backend/src/clickhouse/clickhouse.service';
import { ident, sql } from '../../../../backend/src/clickhouse/sql';
import { FindingsRepository } from '../../../../backend/src/modules/findings/findings.repository';
import { ReconciliationService } from '../../../../backend/src/modules/reconciliation/reconciliation.service';
import { StewardshipIntakeService } from '../../../../backend/src/modules/stewardship/stewardship-intake.service';
import { StewardshipService } from '../../../../backend/src/modules/stewardship/stewardship.service';
import { startApiApp, type ApiTestApp } from '../../api/support/api-app';
import { ReconciliationFixture, type Customer } from '../../reconciliation/support/reconciliation-fixture';

export const STEWARDSHIP_RULES_DIR = join(__dirname, '../rules');

export type CustomerRow = Customer & { tax_id?: string; email?: string };

/**
 * The real API application on fresh databases with the stewardship test rules, plus the
 * reconciliation fixture over its stores (to register snapshots and run reconciliation) and the
 * intake the worker runs after each complete run.
 */
export class StewardshipApp {
  private constructor(
    readonly api: ApiTestApp,
    readonly fx: ReconciliationFixture,
    readonly intake: StewardshipIntakeService,
    readonly clickhouse: ClickHouseService,
    readonly keys: { viewer: string; engineer: string; steward: string },
  ) {}

  static async start(): Promise<StewardshipApp> {
    const api = await startApiApp({
      RECONCILIATION_RULES_DIR: STEWARDSHIP_RULES_DIR,
      RECONCILIATION_OWNERSHIP_FILE: DEFAULT_OWNERSHIP_FILE,
    });
    const app = api.app;
    const clickhouse = app.get(ClickHouseService, { strict: false });
    const fx = ReconciliationFixture.over({
      clickhouse,
      dataSource: app.get(DataSource, { strict: false }),
      service: app.get(ReconciliationService, { strict: false }),
      findings: app.get(FindingsRepository, { strict: false }),
    });
    const [viewer, engineer, steward] = await Promise.all([
      api.key(['viewer']),
      api.key(['engineer']),
      api.key(['steward']),
    ]);
    return new StewardshipApp(api, fx, app.get(StewardshipIntakeService, { strict: false }), clickhouse, {
      viewer: viewer.key,
      engineer: engineer.key,
      steward: steward.key,
    });
  }

  /** A reconciliation run followed by what the worker does after it: open stewardship items. */
  async reconcile() {
    const run = await this.fx.service.run({ trigger: 'api' });
    const intake = await this.intake.fromRun(run.runId);
    return { run, intake };
  }

  get(path: string, key = this.keys.viewer) {
    return request(this.api.server).get(path).set('X-API-Key', key);
  }

  post(path: string, body: object, key = this.keys.steward) {
    return request(this.api.server).post(path).set('X-API-Key', key).send(body);
  }

  get stewardship(): StewardshipService {
    return this.api.app.get(StewardshipService, { strict: false });
  }

  async close(): Promise<void> {
    const database = this.clickhouse.database;
    await this.clickhouse.command(sql`DROP DATABASE IF EXISTS ${ident(database)}`, { tag: 'test.drop' });
    await this.api.close();
  }
}
