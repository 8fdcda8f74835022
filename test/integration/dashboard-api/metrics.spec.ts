import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { DataSource } from 'typeorm';
import type { FindingObservation } from '../../../backend/src/modules/findings/finding';
import { FindingsMergeRepository } from '../../../backend/src/modules/findings/findings-merge.repository';
import { CorrectiveSyncQueues } from '../../../backend/src/modules/fixups/corrective-sync-queues';
import {
  SnapshotRunsRepository,
  type RunRequest,
} from '../../../backend/src/modules/snapshots/snapshot-runs.repository';
import { SnapshotsService } from '../../../backend/src/modules/snapshots/snapshots.service';
import { startApiApp, type ApiTestApp } from '../api/support/api-app';
import { redisUrl } from '../support/test-services';

const finding = (i: number, over: Partial<FindingObservation> = {}): FindingObservation => ({
  ruleId: 'customer.metrics-test',
  ruleVersion: 1,
  entity: 'customer',
  matchKey: `M${i}`,
  field: 'legal_name',
  kind: 'mismatch',
  ownerSystem: 'erp',
  expectedValue: 'a',
  actualSystem: 'crm',
  actualValue: 'b',
  details: '{}',
  score: 1,
  severity: 'high',
  domain: 'customer',
  ...over,
});

/** The value of one sample line of the exposition text, or undefined. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const body = line.slice(name.length + 1, line.lastIndexOf('}'));
    if (Object.entries(labels).every(([k, v]) => body.includes(`${k}="${v}"`))) return Number(line.split(' ').pop());
  }
  return undefined;
}

describe('Prometheus metrics read from the stores (findings, SLA, snapshots, queues)', () => {
  let t: ApiTestApp;
  const dir = mkdtempSync(join(tmpdir(), 'dw-metrics-'));

  beforeAll(async () => {
    // A Redis database of its own, so the queue depths are this test's.
    const redis = new URL(redisUrl());
    redis.pathname = `/${1 + Math.floor(Math.random() * 15)}`;
    // One fix-up target, never reached: its corrective-sync queue is only counted.
    const connectors = join(dir, 'connectors.yaml');
    writeFileSync(
      connectors,
      `connectors:
  - id: wms-eu
    kind: wms
    baseUrl: http://127.0.0.1:9
    auth: { type: api-key, header: x-api-key, key: '\${env:DW_TEST_METRICS_WMS_KEY}' }
`,
    );
    process.env.DW_TEST_METRICS_WMS_KEY = 'wms-test-key-0001';
    t = await startApiApp({ REDIS_URL: redis.toString(), DRIFTWATCH_CONNECTORS_FILE: connectors });
    const findings = t.app.get(FindingsMergeRepository);
    const run = randomUUID();
    await findings.upsertBatch(run, new Date(), [
      finding(1),
      finding(2),
      finding(3, { severity: 'low' }),
      finding(4, {
        ruleId: 'order.metrics-sla',
        kind: 'sla_breach',
        domain: 'order',
        entity: 'order',
        severity: 'medium',
      }),
    ]);
    const second = randomUUID();
    await findings.upsertBatch(second, new Date(), [finding(1), finding(3, { severity: 'low' })]);
    // M2 was not seen again by the second run of the rule: resolved.
    await findings.resolveUnseen(second, new Date(), { rules: [{ id: 'customer.metrics-test', version: 1 }] });
    // The latest full run timed the rule at 4 s; a targeted run since (a handful of keys) at 20 ms.
    for (const [hoursAgo, ms, target] of [
      [2, 4000, null],
      [1, 20, { entity: 'customer', snapshotRunId: randomUUID() }],
    ] as const) {
      await t.app.get(DataSource).query(
        `INSERT INTO reconciliation_runs (id, trigger, status, scope, rule_counts, started_at, finished_at)
         VALUES (gen_random_uuid(), 'api', 'complete', $1::jsonb, $2::jsonb, now() - $3 * interval '1 hour', now())`,
        [
          JSON.stringify({ ruleIds: null, target }),
          JSON.stringify({ 'customer.metrics-test': { version: 1, status: 'ran', findings: 2, durationMs: ms } }),
          hoursAgo,
        ],
      );
    }
    const runs = t.app.get(SnapshotRunsRepository);
    const queued = await runs.createQueued({ connectorId: 'crm', entity: 'customer', mode: 'full', trigger: 'api' });
    const started = await runs.start(
      { connectorId: 'crm', entity: 'customer', mode: 'full', trigger: 'api', queuedRunId: queued.id, attempt: 1 },
      2,
      60_000,
    );
    if (!started) throw new Error('no slot');
    await runs.finish(started.id, { status: 'complete', rowsWritten: 1234 });
    // Two hours old; a change event's keyed snapshot of the same pair since does not make it younger.
    await t.app
      .get(DataSource)
      .query(
        `UPDATE snapshot_runs SET started_at = now() - interval '2 hours 10 seconds', finished_at = now() - interval '2 hours' WHERE id = $1`,
        [started.id],
      );
    const event: RunRequest = {
      connectorId: 'crm',
      entity: 'customer',
      mode: 'incremental',
      trigger: 'event',
      keys: ['C1'],
    };
    const keyedQueued = await runs.createQueued(event);
    const keyed = await runs.start({ ...event, queuedRunId: keyedQueued.id, attempt: 1 }, 2, 60_000);
    if (!keyed) throw new Error('no slot');
    await runs.finish(keyed.id, { status: 'complete', rowsWritten: 1 });
    await t.app
      .get(SnapshotsService)
      .enqueueScheduled({ connectorId: 'crm', entity: 'customer', mode: 'full', cron: '0 2 * * *' }, new Date());
    // An api process runs no corrective-sync worker: the job waits.
    await t.app
      .get(CorrectiveSyncQueues, { strict: false })
      .enqueue([{ id: randomUUID(), targetSystem: 'wms-eu', jobGeneration: 1 }]);
  }, 90_000);

  afterAll(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('exports open findings by rule and severity, opened/resolved totals, SLA breaches, snapshot and queue figures', async () => {
    const text = (await request(t.server).get('/metrics').expect(200)).text;
    expect(sample(text, 'driftwatch_findings_open', { rule: 'customer.metrics-test', severity: 'high' })).toBe(1);
    expect(sample(text, 'driftwatch_findings_open', { rule: 'customer.metrics-test', severity: 'low' })).toBe(1);
    expect(sample(text, 'driftwatch_findings_opened_total', { rule: 'customer.metrics-test' })).toBe(3);
    expect(sample(text, 'driftwatch_findings_resolved_total', { rule: 'customer.metrics-test' })).toBe(1);
    expect(sample(text, 'driftwatch_sla_breached_findings', { rule: 'order.metrics-sla', system: 'crm' })).toBe(1);
    expect(
      sample(text, 'driftwatch_snapshot_runs_total', { system: 'crm', entity: 'customer', status: 'complete' }),
    ).toBe(2);
    expect(sample(text, 'driftwatch_snapshot_rows_total', { system: 'crm', entity: 'customer' })).toBe(1235);
    const age = sample(text, 'driftwatch_snapshot_age_seconds', { system: 'crm', entity: 'customer' });
    expect(age).toBeGreaterThanOrEqual(7200);
    expect(age).toBeLessThan(7260);
    expect(sample(text, 'driftwatch_queue_jobs_waiting', { queue: 'snapshot' })).toBe(1);
    expect(sample(text, 'driftwatch_queue_jobs_failed', { queue: 'reconcile' })).toBe(0);
    // Every queue of the registry is exported, not only those a snapshot or a run uses.
    for (const queue of ['alerts', 'stewardship', 'fixups', 'retention']) {
      expect(sample(text, 'driftwatch_queue_jobs_failed', { queue })).toBe(0);
    }
    // And each configured fix-up target's corrective-sync queue.
    expect(sample(text, 'driftwatch_queue_jobs_waiting', { queue: 'corrective-sync:wms-eu' })).toBe(1);
    expect(sample(text, 'driftwatch_queue_jobs_failed', { queue: 'corrective-sync:wms-eu' })).toBe(0);
    // A rule's last run duration is its last full run's: a targeted run's time says nothing of its cost.
    expect(sample(text, 'driftwatch_rule_last_run_duration_seconds', { rule: 'customer.metrics-test' })).toBe(4);
    expect(text).toMatch(/^# TYPE driftwatch_findings_opened_total counter$/m);
  });
});
