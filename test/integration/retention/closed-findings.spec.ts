/**
 * Retention of closed findings against a real Postgres: findings resolved or retired before the cutoff
 * go with their finished fix-up tasks (and the tasks' trails), in keyset batches that step over what
 * must stay; an unfinished task or a stewardship item keeps its finding; active, suppressed and recent
 * findings stay; the dashboard rollups do not move; a finding seen again after its deletion is new.
 */
import { randomUUID } from 'node:crypto';
import { ConfigService } from '../../../backend/src/config/config.service';
import { SecretRedactor } from '../../../backend/src/http/secret-redaction';
import { AuditRepository } from '../../../backend/src/modules/audit/audit.repository';
import { AuditService } from '../../../backend/src/modules/audit/audit.service';
import { findingId, type FindingObservation } from '../../../backend/src/modules/findings/finding';
import { FindingsMergeRepository } from '../../../backend/src/modules/findings/findings-merge.repository';
import { ClosedFindingsRepository } from '../../../backend/src/modules/retention/closed-findings.repository';
import { RetentionRepository } from '../../../backend/src/modules/retention/retention.repository';
import { RetentionService } from '../../../backend/src/modules/retention/retention.service';
import { RunHistoryRepository } from '../../../backend/src/modules/retention/run-history.repository';
import { ReconciliationFixture } from '../reconciliation/support/reconciliation-fixture';
import { probesIndex } from '../support/query-plans';

const AT = new Date('2026-11-30T03:17:00Z');
const OLD = new Date('2026-06-01T10:00:00Z');
const RECENT = new Date('2026-11-20T10:00:00Z');
const minutes = (at: Date, n: number) => new Date(at.getTime() + n * 60_000);

const observation = (key: string): FindingObservation => ({
  ruleId: 'customer.billing-address-match',
  ruleVersion: 1,
  entity: 'customer',
  matchKey: key,
  field: 'billing_address_city',
  kind: 'mismatch',
  ownerSystem: 'erp',
  expectedValue: 'Lyon',
  actualSystem: 'crm',
  actualValue: 'Paris',
  details: '{}',
  score: 1,
  severity: 'medium',
  domain: 'customer',
});

describe('retention of closed findings', () => {
  let fx: ReconciliationFixture;
  const run = randomUUID();
  const closed = () => Object.assign(new ClosedFindingsRepository(fx.dataSource), { batchSize: 2 });

  /** A finding of key `key` in `status` since `since` (first seen a month before). */
  async function finding(key: string, status: string, since: Date): Promise<string> {
    const id = findingId(observation(key));
    const first = new Date(since.getTime() - 30 * 86_400_000);
    await fx.dataSource.query(
      `INSERT INTO findings (id, rule_id, rule_version, entity, match_key, field, kind, owner_system, expected_value,
         actual_system, actual_value, details, severity, domain, status, first_seen_at, last_seen_at,
         status_changed_at, resolved_at, first_run_id, last_run_id, updated_at)
       VALUES ($1, 'customer.billing-address-match', 1, 'customer', $2, 'billing_address_city', 'mismatch', 'erp',
         'Lyon', 'crm', 'Paris', '{}', 'medium', 'customer', $3, $4, $5, $5,
         CASE WHEN $3 = 'resolved' THEN $5::timestamptz END, $6, $6, $5)`,
      [id, key, status, first, since, run],
    );
    return id;
  }
  async function task(findingKey: string, state: string): Promise<string> {
    const id = randomUUID();
    await fx.dataSource.query(
      `INSERT INTO fix_tasks (id, finding_id, rule_id, rule_kind, finding_kind, entity, match_key, target_system,
         source_key, policy, state, base_key, idempotency_key, created_run_id)
       VALUES ($1, $2, 'customer.billing-address-match', 'field_match', 'mismatch', 'customer', $3, 'crm',
         $4, 'auto', $5, $6, $6, $7)`,
      [id, findingId(observation(findingKey)), findingKey, `crm-${findingKey}`, state, `base-${id}`, run],
    );
    await fx.dataSource.query(
      `INSERT INTO fix_task_events (task_id, from_state, to_state, actor) VALUES ($1, NULL, $2, 'planner')`,
      [id, state],
    );
    return id;
  }
  async function item(sourceType: 'finding' | 'fixup_task', sourceId: string, state: string): Promise<void> {
    await fx.dataSource.query(
      `INSERT INTO stewardship_items (id, kind, source_type, source_id, entity, system, subject_key, state)
       VALUES ($1, 'conflict', $2, $3, 'customer', 'crm', $3, $4)`,
      [randomUUID(), sourceType, sourceId, state],
    );
  }
  const keys = async () =>
    (await fx.dataSource.query<{ k: string }[]>(`SELECT match_key AS k FROM findings ORDER BY match_key`)).map(
      (r) => r.k,
    );
  const rollups = () =>
    Promise.all([
      fx.dataSource.query(`SELECT * FROM findings_open_counts ORDER BY 1, 2, 3, 4, 5, 6`),
      fx.dataSource.query(`SELECT * FROM findings_daily_flow ORDER BY 1, 2, 3, 4, 5, 6, 7`),
    ]);

  beforeAll(async () => {
    fx = await ReconciliationFixture.create();
  }, 60_000);

  afterAll(async () => {
    await fx?.close();
  });

  it('deletes what was closed before the cutoff with its finished tasks, and keeps what anything still needs', async () => {
    // In order of status change: those that must stay come first, so the batches (2 rows) step over them.
    await finding('K01-dead-lettered-task', 'resolved', minutes(OLD, 1));
    await task('K01-dead-lettered-task', 'dead_lettered');
    const named = await finding('K02-named-by-item', 'resolved', minutes(OLD, 2));
    await item('finding', named, 'decided');
    await finding('K03-task-named-by-item', 'resolved', minutes(OLD, 3));
    await item('fixup_task', await task('K03-task-named-by-item', 'done'), 'dismissed');
    await finding('K04-plain', 'resolved', minutes(OLD, 4));
    await finding('K05-finished-tasks', 'resolved', minutes(OLD, 5));
    const doneTask = await task('K05-finished-tasks', 'done');
    await task('K05-finished-tasks', 'dismissed');
    await finding('K06-retired', 'retired', minutes(OLD, 6));
    await finding('K07-suppressed', 'suppressed', minutes(OLD, 7));
    await finding('K08-open', 'open', minutes(OLD, 8));
    await finding('K09-recent', 'resolved', RECENT);
    for (let i = 10; i < 15; i++) await finding(`K${i}-plain`, 'resolved', minutes(OLD, i));
    const before = await rollups();

    const outcome = await new RetentionService(
      new RetentionRepository(fx.clickhouse, fx.dataSource),
      new RunHistoryRepository(fx.dataSource),
      closed(),
      new ConfigService({ ...process.env, CLOSED_FINDINGS_RETENTION_DAYS: '60', RUN_HISTORY_RETENTION_DAYS: '0' }),
      new AuditService(new AuditRepository(fx.dataSource), new SecretRedactor()),
    ).apply(AT);

    expect(outcome.pruned).toEqual({ findings: 8, fix_tasks: 2 });
    expect(await keys()).toEqual([
      'K01-dead-lettered-task',
      'K02-named-by-item',
      'K03-task-named-by-item',
      'K07-suppressed',
      'K08-open',
      'K09-recent',
    ]);
    const tasks = await fx.dataSource.query<{ state: string }[]>(`SELECT state FROM fix_tasks ORDER BY state`);
    expect(tasks.map((t) => t.state)).toEqual(['dead_lettered', 'done']);
    const trail = await fx.dataSource.query(`SELECT 1 FROM fix_task_events WHERE task_id = $1`, [doneTask]);
    expect(trail).toEqual([]);
    // Every day's opened and resolved figures, and the open totals, are as they were.
    expect(await rollups()).toEqual(before);
    const [entry] = await fx.dataSource.query<{ after: { deleted: unknown; closedFindingsDays: number } }[]>(
      `SELECT after FROM audit_log WHERE action = 'retention.prune'`,
    );
    expect(entry?.after).toMatchObject({ closedFindingsDays: 60, deleted: { findings: 8, fix_tasks: 2 } });

    // Seen again after its deletion: a new finding, first seen now, not a reopened one.
    const again = randomUUID();
    const merged = await new FindingsMergeRepository(fx.dataSource).mergeRun(again, AT, [observation('K04-plain')]);
    expect(merged).toMatchObject({ inserted: 1, reopened: 0 });
    const [fresh] = await fx.dataSource.query<{ status: string; first_run_id: string }[]>(
      `SELECT status, first_run_id::text AS first_run_id FROM findings WHERE match_key = 'K04-plain'`,
    );
    expect(fresh).toEqual({ status: 'new', first_run_id: again });
  }, 60_000);

  it('reads each batch as a range of the status list index, however many findings are closed', async () => {
    await finding('K20-plain', 'resolved', minutes(OLD, 20));
    await expect(
      probesIndex(fx.dataSource, 'findings', 'findings_status_status_changed_idx', () =>
        Object.assign(new ClosedFindingsRepository(fx.dataSource), { batchSize: 100 }).pruneStatus(
          'resolved',
          new Date('2026-10-01T00:00:00Z'),
        ),
      ),
    ).resolves.toBe(true);
    expect(await keys()).not.toContain('K20-plain');
  });
});
