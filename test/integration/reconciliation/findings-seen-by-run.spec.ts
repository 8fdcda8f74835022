/**
 * The findings a run saw, as fix-up planning and stewardship intake read them (seenByRunCondition):
 * a full run's by walking findings, a targeted run's through the ids its merge recorded in
 * `targeted_run_findings` (migration 0017; last_run_id lost its index in 0016).
 */
import { DataSource } from 'typeorm';
import type { FindingObservation } from '../../../backend/src/modules/findings/finding';
import { FindingsMergeRepository } from '../../../backend/src/modules/findings/findings-merge.repository';
import { FixupPlanningRepository } from '../../../backend/src/modules/fixups/fixup-planning.repository';
import { ReconciliationRunsRepository } from '../../../backend/src/modules/reconciliation/reconciliation-runs.repository';
import { StewardshipFindingsRepository } from '../../../backend/src/modules/stewardship/stewardship-findings.repository';
import { mismatchObservation } from './support/finding-observation';
import { migratedFindingsStore, type FindingsStore } from './support/findings-store';

const RULE = 'customer.seen-by-run';
const observation = (i: number, kind = 'mismatch'): FindingObservation =>
  mismatchObservation(
    RULE,
    String(i).padStart(3, '0'),
    kind === 'mismatch' ? {} : { kind, field: '', actualValue: '' },
  );
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => from + k);

describe('the findings a run saw (full and targeted runs)', () => {
  let store: FindingsStore;
  let dataSource: DataSource;
  let findings: FindingsMergeRepository;
  let planning: FixupPlanningRepository;
  let stewardship: StewardshipFindingsRepository;
  let runs: ReconciliationRunsRepository;

  beforeAll(async () => {
    store = await migratedFindingsStore();
    ({ dataSource, merge: findings } = store);
    planning = new FixupPlanningRepository(dataSource);
    stewardship = new StewardshipFindingsRepository(dataSource);
    runs = new ReconciliationRunsRepository(dataSource);
  });

  afterAll(async () => {
    await store.close();
  });

  /** Every page of the planning read, `limit` at a time. */
  const planned = async (runId: string, limit: number): Promise<string[]> => {
    const run = await planning.run(runId);
    if (!run) throw new Error(`run ${runId} unknown`);
    const keys: string[] = [];
    let after = '';
    for (;;) {
      const page = await planning.findingsOfRun(run, RULE, after, limit);
      if (page.length === 0) return keys;
      keys.push(...page.map((f) => f.matchKey));
      after = page[page.length - 1].id;
    }
  };

  it('reads a full run by its sightings and a targeted run by its recorded ids, page after page', async () => {
    const full = await runs.start({ trigger: 'schedule', scope: { ruleIds: null, target: null } });
    const at = new Date('2026-05-01T00:00:00Z');
    await findings.mergeRun(full, at, [
      ...range(0, 40).map((i) => observation(i)),
      ...range(40, 50).map((i) => observation(i, 'missing')),
    ]);
    expect(await planned(full, 7)).toHaveLength(50);
    const recorded: { n: number }[] = await dataSource.query(
      `SELECT count(*)::integer AS n FROM targeted_run_findings`,
    );
    expect(recorded).toEqual([{ n: 0 }]);

    // A targeted run sees 12 of them again (5 missing ones among them) and one new finding.
    const targeted = await runs.start({
      trigger: 'event',
      scope: { ruleIds: null, target: { entity: 'customer', snapshotRunId: 'snap-1' } },
    });
    const seen = [...range(10, 17), ...range(45, 50), 60];
    await findings.mergeRun(
      targeted,
      new Date('2026-05-01T01:00:00Z'),
      seen.map((i) => observation(i, i >= 40 && i < 50 ? 'missing' : 'mismatch')),
      { targeted: true },
    );
    const expected = seen.map((i) => `K${String(i).padStart(3, '0')}`).sort();
    expect((await planned(targeted, 4)).sort()).toEqual(expected);
    const stewardRun = await stewardship.run(targeted);
    expect(stewardRun).toEqual({ id: targeted, targeted: true });
    expect(
      (await stewardship.seenByRun(stewardRun ?? { id: targeted, targeted: true }, '', 100))
        .map((f) => f.matchKey)
        .sort(),
    ).toEqual(expected.filter((k) => k >= 'K045' && k < 'K050'));
    // The full run still reads what it saw last (those the targeted run saw since are its now).
    expect(await planned(full, 7)).toHaveLength(50 - 12);

    // The targeted read goes through the recorded ids: without them it finds nothing.
    await dataSource.query(`DELETE FROM targeted_run_findings WHERE run_id = $1`, [targeted]);
    expect(await planned(targeted, 4)).toEqual([]);
  });

  it('forgets recorded ids after a week', async () => {
    await dataSource.query(
      `INSERT INTO targeted_run_findings (run_id, finding_id, recorded_at)
       VALUES ('00000000-0000-4000-8000-000000000009', 'old', now() - interval '8 days')`,
    );
    const targeted = await runs.start({
      trigger: 'event',
      scope: { ruleIds: null, target: { entity: 'customer', keys: ['K001'] } },
    });
    await findings.mergeRun(targeted, new Date('2026-05-02T00:00:00Z'), [observation(1)], { targeted: true });
    const rows: { finding_id: string }[] = await dataSource.query(
      `SELECT finding_id FROM targeted_run_findings WHERE run_id = $1 OR finding_id = 'old'`,
      [targeted],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0].finding_id).not.toBe('old');
  });
});
