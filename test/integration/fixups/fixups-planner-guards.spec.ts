import type { INestApplication } from '@nestjs/common';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { FixupPlanningRepository } from '../../../backend/src/modules/fixups/fixup-planning.repository';
import { FixupPlannerService } from '../../../backend/src/modules/fixups/fixup-planner.service';
import { snapshotTestEnv, type SnapshotTestEnv } from '../snapshots/support/snapshot-app';
import { probesIndex } from '../support/query-plans';
import { seedRun, startFixupsApp, type SeededFinding } from './support/fixups-harness';

const RULE = 'customer.billing-address-match';
/** A shipment milestone time mismatch: the WMS owns it, the CRM shows another (times as findings print them). */
const time = (n: number, owner: string, crm: string): SeededFinding => ({
  ruleId: 'order.shipment-milestone-match',
  entity: 'shipment',
  field: 'milestone_at',
  ownerSystem: 'wms',
  expectedValue: owner,
  actualSystem: 'crm',
  actualValue: crm,
  matchKey: `SO-${n}`,
  actualKey: `a0S${n}`,
});

/** `n` billing-city mismatches whose non-owner copy lives in `target` (no worker serves it). */
function findings(target: string, n: number, from = 0): SeededFinding[] {
  return Array.from({ length: n }, (_, i) => ({
    ruleId: RULE,
    entity: 'customer',
    field: 'billing_address_city',
    ownerSystem: 'erp',
    expectedValue: `Owner City ${from + i}`,
    actualSystem: target,
    actualValue: `Other City ${from + i}`,
    matchKey: `C${String(from + i).padStart(6, '0')}`,
    actualKey: `${target}-${from + i}`,
  }));
}

/** The planner in an API-role app (no corrective-sync worker) on its own databases, with these settings. */
async function plannerApp(extra: Record<string, string>) {
  const env = await snapshotTestEnv({ FIXUPS_SWEEP_INTERVAL_MS: '0', ...extra });
  const app = await startFixupsApp('api', env.env, []);
  return { env, app, planner: app.get(FixupPlannerService), db: app.get(DataSource) };
}

async function states(db: DataSource, runId: string) {
  return db.query<{ state: string; state_reason: string | null; target_system: string }[]>(
    `SELECT state, state_reason, target_system FROM fix_tasks WHERE created_run_id = $1 ORDER BY match_key`,
    [runId],
  );
}

/** A spike is over 3× the median of a rule's last 3 runs, and at least 5 findings. */
const SPIKE_GUARD = { FIXUPS_SPIKE_FACTOR: '3', FIXUPS_SPIKE_MIN_FINDINGS: '5', FIXUPS_SPIKE_HISTORY_RUNS: '3' };

/** A finished run of RULE `hoursAgo` that saw `findings`: a full run, or one targeted at an event's keys. */
async function earlierRun(db: DataSource, hoursAgo: number, findings: number, targeted = false): Promise<void> {
  await db.query(
    `INSERT INTO reconciliation_runs (id, trigger, status, scope, rule_counts, findings_total, started_at, finished_at)
     VALUES (gen_random_uuid(), $3, 'complete', $4::jsonb, $1::jsonb, $5, now() - $2 * interval '1 hour',
       now() - $2 * interval '1 hour')`,
    [
      JSON.stringify({ [RULE]: { version: 1, status: 'ran', findings } }),
      hoursAgo,
      targeted ? 'event' : 'api',
      JSON.stringify({ ruleIds: null, target: targeted ? { entity: 'customer', snapshotRunId: randomUUID() } : null }),
      findings,
    ],
  );
}

describe('blast-radius guards and the policy file, through the planner on real Postgres', () => {
  const open: { env: SnapshotTestEnv; app: INestApplication }[] = [];
  afterAll(async () => {
    for (const { app, env } of open) {
      await app.close();
      await env.cleanup();
    }
  });

  it('caps auto-fixes per run and per system per hour; the rest wait for a person with the reason', async () => {
    const p = await plannerApp({ FIXUPS_MAX_AUTO_PER_RUN: '3', FIXUPS_MAX_AUTO_PER_SYSTEM_PER_HOUR: '5' });
    open.push(p);
    const first = await seedRun(p.db, findings('crm', 5));
    expect(await p.planner.planRun(first.runId)).toMatchObject({ created: 5, queued: 3, held: 2 });
    const held = (await states(p.db, first.runId)).filter((t) => t.state === 'needs_review');
    expect(held).toHaveLength(2);
    for (const t of held) expect(t.state_reason).toBe('auto-fix held: more than 3 auto-fixes in one run');

    // 3 of crm's 5 per hour are used: the next run gets 2 more for crm; another system is not held back.
    const second = await seedRun(p.db, findings('crm', 3, 100));
    expect(await p.planner.planRun(second.runId)).toMatchObject({ created: 3, queued: 2, held: 1 });
    expect(
      (await states(p.db, second.runId)).filter((t) => t.state === 'needs_review').map((t) => t.state_reason),
    ).toEqual(['auto-fix held: crm already had 5 auto-fixes this hour']);
    const third = await seedRun(p.db, findings('wms', 2, 200));
    expect(await p.planner.planRun(third.runId)).toMatchObject({ created: 2, queued: 2, held: 0 });
  }, 90_000);

  it('never blanks a value automatically: an owner holding nothing waits for a person, with the reason', async () => {
    const p = await plannerApp({});
    open.push(p);
    const [kept, blank, spaces] = findings('crm', 3, 300);
    const run = await seedRun(p.db, [kept, { ...blank, expectedValue: '' }, { ...spaces, expectedValue: '  ' }]);
    expect(await p.planner.planRun(run.runId)).toMatchObject({ created: 3, queued: 1 });
    const tasks = await states(p.db, run.runId);
    expect(tasks.map((t) => t.state)).toEqual(['queued', 'needs_review', 'needs_review']);
    expect(tasks[1]?.state_reason).toBe(
      `erp (the owner) holds no billing_address_city: the write would blank crm's "Other City 301"; approve it if that is meant`,
    );
  }, 90_000);

  it('never blanks a time automatically either: an owner with no date shows a zero time, not empty text', async () => {
    const p = await plannerApp({});
    open.push(p);
    const run = await seedRun(p.db, [
      time(1, '2026-01-10 10:15:42', '2026-01-09 08:00:00'),
      time(2, '0000-00-00 00:00:00', '2026-01-09 08:00:00'),
      time(3, '2026-01-10 10:15:42', '0000-00-00 00:00:00'),
    ]);
    expect(await p.planner.planRun(run.runId)).toMatchObject({ created: 3, queued: 2 });
    const tasks = await states(p.db, run.runId);
    expect(tasks.map((t) => t.state)).toEqual(['queued', 'needs_review', 'queued']);
    expect(tasks[1]?.state_reason).toBe(
      `wms (the owner) holds no milestone_at: the write would blank crm's "2026-01-09 08:00:00"; approve it if that is meant`,
    );
    // The CRM without a date: the write is conditional on it still having none.
    const [{ changes }] = await p.db.query<{ changes: unknown }[]>(
      `SELECT changes FROM fix_tasks WHERE match_key = 'SO-3'`,
    );
    expect(changes).toEqual([
      { field: 'milestoneAt', column: 'milestone_at', expectedOld: null, newValue: '2026-01-10T10:15:42.000Z' },
    ]);
  }, 90_000);

  it('a mismatch with no possible write waits for a person with the reason, instead of getting no task', async () => {
    const p = await plannerApp({});
    open.push(p);
    const run = await seedRun(p.db, [
      time(1, 'tomorrow', '2026-01-09 08:00:00'),
      { ...time(2, '2026-01-10 10:15:42', '2026-01-09 08:00:00'), actualKey: '' },
    ]);
    expect(await p.planner.planRun(run.runId)).toMatchObject({ created: 2, queued: 0 });
    const tasks = await states(p.db, run.runId);
    expect(tasks.map((t) => t.state)).toEqual(['needs_review', 'needs_review']);
    expect(tasks[0]?.state_reason).toMatch(/^no corrective write: .*tomorrow/);
    expect(tasks[1]?.state_reason).toBe(
      'no corrective write: the finding does not name the target record (details.actual_key)',
    );
  }, 90_000);

  it("holds a rule's auto-fixes when its findings spike far above its usual runs", async () => {
    const p = await plannerApp(SPIKE_GUARD);
    open.push(p);
    // Three earlier runs of the rule saw 2 findings each.
    for (const hoursAgo of [3, 2, 1]) await earlierRun(p.db, hoursAgo, 2);
    const spike = await seedRun(p.db, findings('crm', 8));
    expect(await p.planner.planRun(spike.runId)).toMatchObject({ created: 8, queued: 0, held: 8 });
    const tasks = await states(p.db, spike.runId);
    expect(new Set(tasks.map((t) => t.state))).toEqual(new Set(['needs_review']));
    expect(tasks[0].state_reason).toMatch(/found 8 this run, more than 3× its usual 2 \(median of 3 runs\)/);
  }, 90_000);

  it('judges a full run against earlier full runs and a targeted one against targeted runs, never mixed', async () => {
    const p = await plannerApp(SPIKE_GUARD);
    open.push(p);
    // Scheduled full runs saw the rule's 8 standing findings; since then, change events triggered runs
    // on a handful of keys each, one finding apiece (as a live estate's are: many more than full runs).
    for (const hoursAgo of [8, 7, 6]) await earlierRun(p.db, hoursAgo, 8);
    for (const hoursAgo of [5, 4, 3, 2, 1]) await earlierRun(p.db, hoursAgo, 1, true);

    // The next full run sees its usual 8: no spike (against the targeted runs' 1 it would be 8×).
    const full = await seedRun(p.db, findings('crm', 8));
    expect(await p.planner.planRun(full.runId)).toMatchObject({ created: 8, queued: 8, held: 0 });

    // A targeted run on 8 keys that all drifted is 8× the targeted runs' usual 1: held for a person.
    const burst = await seedRun(p.db, findings('crm', 8, 50), { targeted: true });
    expect(await p.planner.planRun(burst.runId)).toMatchObject({ created: 8, queued: 0, held: 8 });
    expect((await states(p.db, burst.runId))[0]?.state_reason).toMatch(
      /found 8 this run, more than 3× its usual 1 \(median of 3 runs\)/,
    );

    // Each history is an index range, whatever the number of runs of the other kind.
    const planning = p.app.get(FixupPlanningRepository);
    const now = new Date(Date.now() + 60_000);
    expect(await planning.ruleHistory(RULE, now, 3, false)).toEqual([8, 8, 8]);
    expect(await planning.ruleHistory(RULE, now, 3, true)).toEqual([8, 1, 1]);
    await expect(
      probesIndex(p.db, 'reconciliation_runs', 'reconciliation_runs_full_started_idx', () =>
        planning.ruleHistory(RULE, now, 3, false),
      ),
    ).resolves.toBe(true);
  }, 90_000);

  it('the policy file overrides the rule per system: approval → proposed, manual → needs_review', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dw-policy-'));
    const file = join(dir, 'policy.yaml');
    writeFileSync(
      file,
      [
        'version: 1',
        'systems:',
        '  crm:',
        '    default: approval',
        '  wms:',
        '    rules:',
        `      ${RULE}: manual`,
        '',
      ].join('\n'),
    );
    const p = await plannerApp({ FIXUPS_POLICY_FILE: file });
    open.push(p);
    const run = await seedRun(p.db, [...findings('crm', 1), ...findings('wms', 1, 10), ...findings('tryton', 1, 20)]);
    await p.planner.planRun(run.runId);
    const bySystem = Object.fromEntries((await states(p.db, run.runId)).map((t) => [t.target_system, t]));
    expect(bySystem.crm.state).toBe('proposed');
    expect(bySystem.wms.state).toBe('needs_review');
    expect(bySystem.wms.state_reason).toMatch(/manual fix policy/);
    expect(bySystem.tryton.state).toBe('queued');
  }, 90_000);
});
