/**
 * What alerting reads of a run's findings (FindingGroupsRepository) without scanning `findings`: open
 * counts from the rollup 0008's triggers keep, new and resolved from the counts the run recorded, and
 * examples from 0016's (rule_id, status, status_changed_at) index.
 */
import { DataSource } from 'typeorm';
import { FindingGroupsRepository } from '../../../backend/src/modules/alerts/finding-groups.repository';
import type { FindingsMergeRepository } from '../../../backend/src/modules/findings/findings-merge.repository';
import { ReconciliationRunsRepository } from '../../../backend/src/modules/reconciliation/reconciliation-runs.repository';
import { mismatchObservation } from '../reconciliation/support/finding-observation';
import { migratedFindingsStore, type FindingsStore } from '../reconciliation/support/findings-store';

const A = 'customer.groups-a';
const B = 'customer.groups-b';
const keys = (rule: string, from: number, to: number) =>
  Array.from({ length: to - from }, (_, k) => mismatchObservation(rule, String(from + k).padStart(2, '0')));

describe('finding groups for alerts (Postgres)', () => {
  let store: FindingsStore;
  let dataSource: DataSource;
  let findings: FindingsMergeRepository;
  let runs: ReconciliationRunsRepository;
  let groups: FindingGroupsRepository;

  beforeAll(async () => {
    store = await migratedFindingsStore();
    ({ dataSource, merge: findings } = store);
    runs = new ReconciliationRunsRepository(dataSource);
    groups = new FindingGroupsRepository(dataSource);
  });

  afterAll(async () => {
    await store.close();
  });

  /** A full run of A and B that sees `seen` and records what its merges and resolution counted. */
  const run = async (at: string, seen: { a: [number, number]; b: [number, number] }): Promise<string> => {
    const id = await runs.start({ trigger: 'schedule', scope: { ruleIds: null, target: null } });
    const when = new Date(at);
    const a = await findings.mergeRun(id, when, keys(A, ...seen.a));
    const b = await findings.mergeRun(id, when, keys(B, ...seen.b));
    const closed = await findings.resolveUnseen(id, when, {
      rules: [
        { id: A, version: 1 },
        { id: B, version: 1 },
      ],
    });
    const outcome = (merged: typeof a, rule: string) => ({
      version: 1,
      status: 'ran' as const,
      findings: merged.seen,
      new: merged.inserted,
      reopened: merged.reopened,
      resolved: closed.get(rule)?.resolved ?? 0,
    });
    await runs.finish(id, {
      status: 'complete',
      snapshots: {},
      ruleVersions: { [A]: 1, [B]: 1 },
      ruleCounts: {
        [A]: outcome(a, A),
        [B]: outcome(b, B),
        'customer.groups-skipped': { version: 1, status: 'skipped', reason: 'no complete snapshot of crm/customer' },
      },
      held: [],
      skipped: [],
      findingsTotal: a.seen + b.seen,
      resolvedTotal: 0,
      error: null,
      durationMs: 1,
    });
    return id;
  };

  const activeCount = async (rule: string): Promise<number> => {
    const [row] = await dataSource.query<{ n: number }[]>(
      `SELECT count(*)::integer AS n FROM findings WHERE rule_id = $1 AND status IN ('new', 'open', 'reopened')`,
      [rule],
    );
    return row.n;
  };

  it('counts open findings as they are now, and new and resolved as the run recorded them', async () => {
    const first = await run('2026-06-01T00:00:00Z', { a: [0, 8], b: [0, 2] });
    expect(await groups.groups(first)).toEqual([
      { ruleId: A, open: 8, fresh: 8, resolved: 0 },
      { ruleId: B, open: 2, fresh: 2, resolved: 0 },
    ]);

    // A fix-up resolves three of A's findings after the run: open follows, the run's own counts do not.
    await dataSource.query(
      `UPDATE findings SET status = 'resolved', resolved_at = now() WHERE rule_id = $1 AND match_key IN ('K00', 'K01', 'K02')`,
      [A],
    );
    const [a] = (await groups.groups(first)) ?? [];
    expect(a).toEqual({ ruleId: A, open: 5, fresh: 8, resolved: 0 });
    expect(a.open).toBe(await activeCount(A));

    // The next run sees A's 0..5 (three of them again: reopened) and B's 1..4 (two new), and resolves
    // A's 6 and 7 and B's 0.
    const second = await run('2026-06-02T00:00:00Z', { a: [0, 6], b: [1, 4] });
    expect(await groups.groups(second)).toEqual([
      { ruleId: A, open: 6, fresh: 3, resolved: 2 },
      { ruleId: B, open: 3, fresh: 2, resolved: 1 },
    ]);
    expect([await activeCount(A), await activeCount(B)]).toEqual([6, 3]);
  });

  it('knows no groups for an unknown or unfinished run', async () => {
    expect(await groups.groups('00000000-0000-4000-8000-00000000dead')).toBeNull();
    const running = await runs.start({ trigger: 'api', scope: { ruleIds: null, target: null } });
    expect(await groups.groups(running)).toBeNull();
  });

  it('gives at most five active examples per rule, the latest status change first', async () => {
    const rule = 'customer.groups-examples';
    await findings.mergeRun(
      await runs.start({ trigger: 'api', scope: { ruleIds: null, target: null } }),
      new Date('2026-06-03T00:00:00Z'),
      keys(rule, 0, 9),
    );
    // K00…K08 changed status an hour apart, K08 last; K08 and K06 are no longer active.
    await dataSource.query(
      `UPDATE findings SET status_changed_at = '2026-06-03T00:00:00Z'::timestamptz + (substr(match_key, 2)::int || ' hours')::interval,
         status = CASE match_key WHEN 'K08' THEN 'resolved' WHEN 'K06' THEN 'suppressed' WHEN 'K07' THEN 'reopened'
                                 WHEN 'K05' THEN 'open' ELSE status END
       WHERE rule_id = $1`,
      [rule],
    );
    const examples = await groups.examples([rule, A]);
    expect(examples.filter((e) => e.ruleId === rule).map((e) => e.matchKey)).toEqual([
      'K07',
      'K05',
      'K04',
      'K03',
      'K02',
    ]);
    expect(examples.filter((e) => e.ruleId === A)).toHaveLength(5);
    expect(await groups.examples([])).toEqual([]);
  });
});
