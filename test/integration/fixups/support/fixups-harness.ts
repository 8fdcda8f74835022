import { Module, type INestApplication, type Provider } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import type { RunningEstate } from '@driftwatch/demo-estate';
import { ClickHouseModule } from '../../../../backend/src/clickhouse/clickhouse.module';
import { ConfigModule } from '../../../../backend/src/config/config.module';
import type { ProcessRole } from '../../../../backend/src/config/env.schema';
import type { Connector } from '../../../../backend/src/connectors/connector';
import { DynamicsConnector } from '../../../../backend/src/connectors/dynamics/dynamics.connector';
import { SalesforceConnector } from '../../../../backend/src/connectors/salesforce/salesforce.connector';
import { DatabaseModule } from '../../../../backend/src/database/database.module';
import { HttpModule } from '../../../../backend/src/http/http.module';
import { AuditModule } from '../../../../backend/src/modules/audit/audit.module';
import { findingId } from '../../../../backend/src/modules/findings/finding';
import { FIXUP_TARGETS, StaticFixupTargets } from '../../../../backend/src/modules/fixups/fixup-connectors';
import { FixupsModule } from '../../../../backend/src/modules/fixups/fixups.module';
import { QueuesModule } from '../../../../backend/src/queues/queues.module';
import { crmAuth, erpAuth } from '../../support/estate-auth';

/** Fast retries so that fault tests take seconds; the breaker half-opens quickly too. */
const FAST = {
  pageSize: 200,
  timeoutMs: 10_000,
  retry: { maxAttempts: 2, baseDelayMs: 20, maxDelayMs: 100, maxRetryAfterMs: 2000 },
  breaker: { consecutiveFailures: 50, halfOpenAfterMs: 500 },
  settings: {},
};

export function crmConnector(estate: RunningEstate): SalesforceConnector {
  return new SalesforceConnector({
    id: 'crm',
    kind: 'salesforce',
    baseUrl: estate.crm.baseUrl,
    auth: crmAuth(estate),
    ...FAST,
  });
}

export function erpConnector(estate: RunningEstate): DynamicsConnector {
  return new DynamicsConnector({
    id: 'erp',
    kind: 'dynamics',
    baseUrl: estate.erp.baseUrl,
    auth: erpAuth(estate),
    ...FAST,
  });
}

/** Fix-up tasks in a process of the given role, writing through `targets`. */
export async function startFixupsApp(
  role: ProcessRole,
  env: Record<string, string>,
  targets: Connector[],
  options: { clickhouse?: boolean } = {},
): Promise<INestApplication> {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    const provider: Provider = { provide: FIXUP_TARGETS, useValue: new StaticFixupTargets(targets) };
    @Module({
      imports: [
        ConfigModule,
        DatabaseModule,
        QueuesModule,
        HttpModule,
        AuditModule.forRole(role),
        FixupsModule.forRole(role, { targets: provider }),
        // The planner resolves hierarchy parents in ClickHouse; without it those tasks wait for a person.
        ...(options.clickhouse ? [ClickHouseModule] : []),
      ],
    })
    class FixupsTestModule {}
    const app = await NestFactory.create(FixupsTestModule, { logger: ['error'], abortOnError: false });
    app.enableShutdownHooks();
    await app.init();
    return app;
  } finally {
    process.env = saved;
  }
}

export interface SeededFinding {
  ruleId: string;
  entity: string;
  field: string;
  ownerSystem: string;
  expectedValue: string;
  actualSystem: string;
  actualValue: string;
  matchKey: string;
  actualKey: string;
  /** The owner's record (`details.owner_key`); by default one no system holds, which no owner check reads. */
  ownerKey?: string;
}

/**
 * A finished reconciliation run that saw these findings, written as reconciliation writes them
 * (`reconciliation_runs`, `findings`); returns the run id and the finding ids.
 */
export async function seedRun(
  dataSource: DataSource,
  findings: readonly SeededFinding[],
  options: { targeted?: boolean } = {},
) {
  const runId = randomUUID();
  const counts: Record<string, { version: number; status: string; findings: number }> = {};
  for (const f of findings) {
    counts[f.ruleId] ??= { version: 1, status: 'ran', findings: 0 };
    counts[f.ruleId].findings += 1;
  }
  await dataSource.query(
    `INSERT INTO reconciliation_runs (id, trigger, status, scope, rule_counts, findings_total, finished_at)
     VALUES ($1, $4, 'complete', $5::jsonb, $2::jsonb, $3, now())`,
    [
      runId,
      JSON.stringify(counts),
      findings.length,
      options.targeted ? 'event' : 'api',
      // As ReconciliationService records a run: a targeted one names the snapshot whose keys it ran for.
      JSON.stringify({
        ruleIds: null,
        target: options.targeted ? { entity: findings[0]?.entity ?? 'customer', snapshotRunId: randomUUID() } : null,
      }),
    ],
  );
  const ids: string[] = [];
  for (const f of findings) {
    const id = findingId({ ...f });
    ids.push(id);
    await dataSource.query(
      `INSERT INTO findings (id, rule_id, rule_version, entity, match_key, field, kind, owner_system, expected_value,
         actual_system, actual_value, details, severity, domain, status, first_seen_at, last_seen_at, first_run_id, last_run_id)
       VALUES ($1, $2, 1, $3, $4, $5, 'mismatch', $6, $7, $8, $9, $10::jsonb, 'medium', 'customer', 'new', now(), now(), $11, $11)
       ON CONFLICT (id) DO UPDATE SET last_run_id = $11, status = 'open', expected_value = $7, actual_value = $9`,
      [
        id,
        f.ruleId,
        f.entity,
        f.matchKey,
        f.field,
        f.ownerSystem,
        f.expectedValue,
        f.actualSystem,
        f.actualValue,
        JSON.stringify({ owner_key: f.ownerKey ?? `owner-${f.matchKey}`, actual_key: f.actualKey }),
        runId,
      ],
    );
  }
  if (options.targeted) {
    // As a targeted run's merge records what it saw (migration 0017).
    await dataSource.query(
      `INSERT INTO targeted_run_findings (run_id, finding_id) SELECT $1::uuid, unnest($2::text[])`,
      [runId, ids],
    );
  }
  return { runId, findingIds: ids };
}

/**
 * Makes the ERP (Dynamics) hold each finding's expected value as the owner, as a real finding's owner
 * does: its customer of the finding's customer number gets the value (the estate's store, as the ERP's
 * own users would change it), and the finding names that record as its owner's.
 */
export async function ownedByErp(
  estate: RunningEstate,
  erp: Connector,
  findings: SeededFinding[],
  erpField: string,
): Promise<SeededFinding[]> {
  const keys = new Map<string, string>();
  for await (const batch of erp.extract('customer', { mode: 'full' }))
    for (const record of batch.records) keys.set(record.fields.customerNumber, record.sourceKey);
  const table = estate.stores.erp.table('CustomersV3');
  return findings.map((f) => {
    const ownerKey = keys.get(f.matchKey);
    const row = [...table.rowsInOrder()].find((r) => String(r.record.CustomerAccount) === ownerKey);
    if (!ownerKey || !row) throw new Error(`the ERP has no customer ${f.matchKey}`);
    estate.stores.erp.put('CustomersV3', { ...row.record, [erpField]: f.expectedValue }, Date.now());
    return { ...f, ownerKey };
  });
}

/** Billing-city findings for the first `n` CRM accounts: the ERP (owner) says `City <i>`. */
export async function crmCityFindings(connector: Connector, n: number, offset = 0): Promise<SeededFinding[]> {
  const out: SeededFinding[] = [];
  for await (const batch of connector.extract('customer', { mode: 'full' })) {
    for (const record of batch.records) {
      if (out.length >= n + offset) break;
      out.push({
        ruleId: 'customer.billing-address-match',
        entity: 'customer',
        field: 'billing_address_city',
        ownerSystem: 'erp',
        expectedValue: `Fixed City ${out.length}`,
        actualSystem: 'crm',
        actualValue: record.fields.billingAddress.city,
        matchKey: record.fields.customerNumber,
        actualKey: record.sourceKey,
      });
    }
    if (out.length >= n + offset) break;
  }
  return out.slice(offset);
}

/** Phone findings for the first `n` ERP customers: the CRM (owner) says `+1 555 01xx`. */
export async function erpPhoneFindings(connector: Connector, n: number): Promise<SeededFinding[]> {
  const out: SeededFinding[] = [];
  for await (const batch of connector.extract('customer', { mode: 'full' })) {
    for (const record of batch.records) {
      if (out.length >= n) break;
      out.push({
        ruleId: 'customer.contact-channels-match',
        entity: 'customer',
        field: 'phone',
        ownerSystem: 'crm',
        expectedValue: `+1202555${String(1000 + out.length).slice(-4)}`,
        actualSystem: 'erp',
        actualValue: record.fields.phone,
        matchKey: record.fields.customerNumber,
        actualKey: record.sourceKey,
      });
    }
    if (out.length >= n) break;
  }
  return out;
}

/** Writes the estate system counted per record (`<object>/<key>` → n). */
export async function writesByKey(baseUrl: string): Promise<Record<string, number>> {
  const stats = (await (await fetch(`${baseUrl}/__admin/stats`)).json()) as { writesByKey: Record<string, number> };
  return stats.writesByKey;
}

export async function setFaults(baseUrl: string, faults: Record<string, unknown>): Promise<void> {
  const response = await fetch(`${baseUrl}/__admin/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(faults),
  });
  if (!response.ok) throw new Error(`faults: ${response.status} ${await response.text()}`);
}

export async function taskStates(dataSource: DataSource, runId: string): Promise<Record<string, number>> {
  const rows: { state: string; n: string }[] = await dataSource.query(
    `SELECT state, count(*) AS n FROM fix_tasks WHERE created_run_id = $1 GROUP BY state`,
    [runId],
  );
  return Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
}

/** Polls until `check` returns true (no fixed sleeps); fails with the last value seen. */
export async function waitFor<T>(
  read: () => Promise<T>,
  check: (value: T) => boolean,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T = await read();
  while (!check(last)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    last = await read();
  }
  return last;
}
