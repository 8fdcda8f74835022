import type { INestApplication } from '@nestjs/common';
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { DEFAULT_OWNERSHIP_FILE, DEFAULT_RULES_DIR } from '@driftwatch/reconciliation-rules';
import { ConfigService } from '../../../backend/src/config/config.service';
import { Secret } from '../../../backend/src/connectors/config/secret';
import { SalesforceConnector } from '../../../backend/src/connectors/salesforce/salesforce.connector';
import { FindingsRepository } from '../../../backend/src/modules/findings/findings.repository';
import { FixupPlannerService } from '../../../backend/src/modules/fixups/fixup-planner.service';
import { FIXUP_REVIEWS_LIST_QUERY } from '../../../backend/src/modules/fixups/fixups-query';
import { FixupsService } from '../../../backend/src/modules/fixups/fixups.service';
import { StewardshipRecordsRepository } from '../../../backend/src/modules/stewardship/stewardship-records.repository';
import { ReconciliationFixture, type Customer } from '../reconciliation/support/reconciliation-fixture';
import { snapshotTestEnv, type SnapshotTestEnv } from '../snapshots/support/snapshot-app';
import { startFixupsApp } from './support/fixups-harness';
import { reconciliationServicesOver } from '../support/reconciliation-services';

const RULES = ['customer.hierarchy.yaml', 'customer.parent-orphans.yaml'];

interface TaskRow {
  finding_id: string;
  rule_id: string;
  finding_kind: string;
  match_key: string;
  target_system: string;
  source_key: string;
  state: string;
  state_reason: string | null;
  policy: string;
  changes: { field: string; column: string; expectedOld: unknown; newValue: unknown }[];
  base_key: string;
}

/** The fixture keys records `<system>-<customer number>`; a parent reference is such a key. */
const customer = (n: string, parent = ''): Customer & { parent_key: string } => ({
  customer_number: n,
  legal_name: `Acme ${n}`,
  parent_key: parent,
});

/**
 * Hierarchy and orphan findings from a real reconciliation run (ClickHouse snapshots of the ERP, which
 * owns the parent, and the CRM; the shipped rules) planned into tasks on real Postgres.
 */
describe('the planner turns hierarchy and orphan findings into fix-up tasks', () => {
  let env: SnapshotTestEnv;
  let app: INestApplication;
  let fixture: ReconciliationFixture;
  let db: DataSource;

  beforeAll(async () => {
    const rules = mkdtempSync(join(tmpdir(), 'dw-hierarchy-rules-'));
    for (const file of RULES) copyFileSync(join(DEFAULT_RULES_DIR, 'customer', file), join(rules, file));
    env = await snapshotTestEnv({
      RECONCILIATION_RULES_DIR: rules,
      RECONCILIATION_OWNERSHIP_FILE: DEFAULT_OWNERSHIP_FILE,
      FIXUPS_SWEEP_INTERVAL_MS: '0',
    });
    // A real Salesforce connector as the CRM target; planning only asks what it writes, nothing is sent.
    const crm = new SalesforceConnector({
      id: 'crm',
      kind: 'salesforce',
      baseUrl: 'http://127.0.0.1:9',
      auth: {
        type: 'oauth2-client-credentials',
        tokenUrl: 'http://127.0.0.1:9/token',
        clientId: 'unused',
        clientSecret: new Secret('unused', 'test'),
      },
      pageSize: 200,
      timeoutMs: 1000,
      retry: { maxAttempts: 1, baseDelayMs: 10, maxDelayMs: 10, maxRetryAfterMs: 10 },
      breaker: { consecutiveFailures: 50, halfOpenAfterMs: 500 },
      settings: {},
    });
    app = await startFixupsApp('api', env.env, [crm], { clickhouse: true });
    db = app.get(DataSource);
    const config = new ConfigService({ ...process.env, ...env.env });
    const findings = new FindingsRepository(db);
    fixture = ReconciliationFixture.over({
      clickhouse: env.clickhouse,
      dataSource: db,
      findings,
      service: reconciliationServicesOver(config, env.clickhouse, db, findings).service,
    });
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await env?.cleanup();
  });

  const tasksOf = (runId: string): Promise<TaskRow[]> =>
    db.query(
      `SELECT finding_id, rule_id, finding_kind, match_key, target_system, source_key, state, state_reason, policy,
              changes, base_key
       FROM fix_tasks WHERE created_run_id = $1 ORDER BY rule_id, match_key`,
      [runId],
    );

  it('resolves the owner parent to the CRM key, sends unresolvable parents and orphans to review, once', async () => {
    // ERP (owner of the parent): C0002 and C0003 under C0001, C0004 under C0009 (no CRM copy of C0009).
    await fixture.completeSnapshot('erp', [
      customer('C0001'),
      customer('C0002', 'erp-C0001'),
      customer('C0003', 'erp-C0001'),
      customer('C0004', 'erp-C0009'),
      customer('C0009'),
    ]);
    // CRM: C0002 under C0004 (wrong), C0003 right, C0004 under C0001 (wrong, and its ERP parent has no
    // CRM record), C0005 under a record that is gone (orphan).
    await fixture.completeSnapshot('crm', [
      customer('C0001'),
      customer('C0002', 'crm-C0004'),
      customer('C0003', 'crm-C0001'),
      customer('C0004', 'crm-C0001'),
      customer('C0005', 'crm-GONE'),
    ]);
    const run = await fixture.service.run({ trigger: 'api' });
    expect(run.status).toBe('complete');
    const found: { rule_id: string; kind: string; match_key: string; expected_value: string }[] = await db.query(
      `SELECT rule_id, kind, match_key, expected_value FROM findings WHERE last_run_id = $1 ORDER BY rule_id, match_key`,
      [run.runId],
    );
    expect(found.map((f) => [f.rule_id, f.kind, f.match_key, f.expected_value])).toEqual([
      ['customer.hierarchy', 'hierarchy_mismatch', 'C0002', 'C0001'],
      ['customer.hierarchy', 'hierarchy_mismatch', 'C0004', 'C0009'],
      ['customer.parent-orphans', 'orphan', 'crm-C0005', ''],
    ]);

    const planner = app.get(FixupPlannerService);
    expect(await planner.planRun(run.runId)).toMatchObject({ created: 3, proposed: 1, needsReview: 2, queued: 0 });
    const tasks = await tasksOf(run.runId);
    expect(tasks).toHaveLength(3);
    const [resolvable, unresolvable, orphan] = tasks;

    // customer.hierarchy is `approval`: the write waits for a steward, conditional on the old parent.
    expect(resolvable).toMatchObject({
      rule_id: 'customer.hierarchy',
      finding_kind: 'hierarchy_mismatch',
      target_system: 'crm',
      source_key: 'crm-C0002',
      state: 'proposed',
      policy: 'approval',
      state_reason: null,
    });
    expect(resolvable.changes).toEqual([
      { field: 'parentKey', column: 'parent_key', expectedOld: 'crm-C0004', newValue: 'crm-C0001' },
    ]);

    expect(unresolvable).toMatchObject({
      rule_id: 'customer.hierarchy',
      source_key: 'crm-C0004',
      state: 'needs_review',
      changes: [],
    });
    expect(unresolvable.state_reason).toBe(
      "the owner's parent C0009 has no record in crm: create or link it there and the next run replaces this task with the write",
    );

    expect(orphan).toMatchObject({
      rule_id: 'customer.parent-orphans',
      finding_kind: 'orphan',
      target_system: 'crm',
      state: 'needs_review',
      policy: 'manual',
      changes: [],
    });
    expect(orphan.state_reason).toMatch(/^orphan: customer crm-C0005 in crm points at parent_key "crm-GONE"/);

    // Both wait in the stewardship queue's reviews as decisions for a person (nothing was refused).
    const reviews = await app.get(FixupsService).listReviews(FIXUP_REVIEWS_LIST_QUERY.parse({}));
    expect(reviews.items.map((r) => [r.task.sourceKey, r.reason]).sort()).toEqual(
      [
        [unresolvable.source_key, 'needs_decision'],
        [orphan.source_key, 'needs_decision'],
      ].sort(),
    );

    // Every task has one `created` transition in its audit trail.
    const events: { n: string }[] = await db.query(
      `SELECT count(*)::text AS n FROM fix_task_events e JOIN fix_tasks t ON t.id = e.task_id WHERE t.created_run_id = $1`,
      [run.runId],
    );
    expect(Number(events[0].n)).toBe(3);

    // Planning the same run again, and the next run that sees the same findings, creates nothing new.
    expect(await planner.planRun(run.runId)).toMatchObject({ created: 0, superseded: 0 });
    const again = await fixture.service.run({ trigger: 'api' });
    expect(again.status).toBe('complete');
    expect(await planner.planRun(again.runId)).toMatchObject({ created: 0, superseded: 0 });
    const all: { n: string }[] = await db.query(`SELECT count(*)::text AS n FROM fix_tasks`);
    expect(Number(all[0].n)).toBe(3);
  }, 120_000);

  it('resolves a parent a steward linked in the crosswalk to the CRM record of that link', async () => {
    // The ERP parent P0100 lives in the CRM under another customer number; a confirmed link joins them.
    await new StewardshipRecordsRepository(env.clickhouse).writeCrosswalk(
      ['erp-P0100', 'crm-X0100'].map((entityKey) => ({
        entity: 'customer',
        system: entityKey.slice(0, 3),
        entityKey,
        globalId: 'G-0100',
        linkId: 'link-0100',
        deleted: false,
      })),
    );
    await fixture.completeSnapshot('erp', [customer('P0100'), customer('C0100', 'erp-P0100')]);
    await fixture.completeSnapshot('crm', [customer('C0001'), customer('X0100'), customer('C0100', 'crm-C0001')]);
    const run = await fixture.service.run({ trigger: 'api' });
    expect(run.status).toBe('complete');
    await app.get(FixupPlannerService).planRun(run.runId);
    const tasks = (await tasksOf(run.runId)).filter((t) => t.rule_id === 'customer.hierarchy');
    expect(tasks.map((t) => [t.match_key, t.source_key, t.state, t.changes])).toEqual([
      [
        'C0100',
        'crm-C0100',
        'proposed',
        [{ field: 'parentKey', column: 'parent_key', expectedOld: 'crm-C0001', newValue: 'crm-X0100' }],
      ],
    ]);
  }, 120_000);
});
