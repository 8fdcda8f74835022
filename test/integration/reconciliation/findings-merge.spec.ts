/**
 * The delta merge of a run's findings into Postgres (FindingsMergeRepository.mergeRun): every lifecycle
 * move, the narrow sighting of unchanged open findings, and the dashboard rollups (migration 0008
 * triggers) equal to a recount from `findings` after each step.
 */
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { FindingsRollupNeutralUpdates0000000000010 } from '../../../backend/src/database/migrations/0010-findings-rollup-neutral-updates';
import type { FindingObservation } from '../../../backend/src/modules/findings/finding';
import { findingId } from '../../../backend/src/modules/findings/finding';
import { FindingsMergeRepository } from '../../../backend/src/modules/findings/findings-merge.repository';
import { mismatchObservation } from './support/finding-observation';
import { migratedFindingsStore, type FindingsStore } from './support/findings-store';

const RULE = 'customer.merge-test';
const observation = (i: number, over: Partial<FindingObservation> = {}): FindingObservation =>
  mismatchObservation(RULE, i, {
    details: JSON.stringify({ owner_key: `erp-${i}`, actual_key: `crm-${i}` }),
    ...over,
  });

async function* streamed<T>(items: readonly T[]): AsyncGenerator<T> {
  for (const item of items) yield await Promise.resolve(item);
}

interface Row {
  status: string;
  occurrences: number;
  last_run_id: string;
  first_run_id: string;
  last_seen_at: Date;
  actual_value: string;
  severity: string;
  resolved_at: Date | null;
  rule_version: number;
}

describe('findings merge (delta only)', () => {
  let store: FindingsStore;
  let dataSource: DataSource;
  let findings: FindingsMergeRepository;

  beforeAll(async () => {
    store = await migratedFindingsStore();
    ({ dataSource, merge: findings } = store);
  });

  afterAll(async () => {
    await store.close();
  });

  const row = async (i: number): Promise<Row> => {
    const rows: Row[] = await dataSource.query(
      `SELECT status, occurrences, last_run_id::text AS last_run_id, first_run_id::text AS first_run_id, last_seen_at,
         actual_value, severity, resolved_at, rule_version FROM findings WHERE id = $1`,
      [findingId(observation(i))],
    );
    return rows[0];
  };

  /** The rollup tables must equal a recount from findings (open counts; opened per first-seen day). */
  const v1 = { rules: [{ id: RULE, version: 1 }] };
  /** The rule's daily flow, summed over every day. */
  const flow = async () => {
    const [totals]: Record<string, string>[] = await dataSource.query(
      `SELECT coalesce(sum(opened), 0) AS opened, coalesce(sum(reopened), 0) AS reopened,
         coalesce(sum(resolved), 0) AS resolved, coalesce(sum(exited), 0) AS exited,
         coalesce(sum(returned), 0) AS returned
       FROM findings_daily_flow WHERE rule_id = $1`,
      [RULE],
    );
    return Object.fromEntries(Object.entries(totals).map(([k, v]) => [k, Number(v)]));
  };
  const expectRollupsExact = async () => {
    const drift: unknown[] = await dataSource.query(
      `SELECT * FROM (
         SELECT rule_id, severity, count(*) AS n FROM findings WHERE status IN ('new','open','reopened') GROUP BY 1, 2
       ) f FULL JOIN (
         SELECT rule_id, severity, sum(open) AS n FROM findings_open_counts GROUP BY 1, 2 HAVING sum(open) <> 0
       ) c USING (rule_id, severity) WHERE f.n IS DISTINCT FROM c.n`,
    );
    expect(drift).toEqual([]);
    const [{ opened }]: { opened: string }[] = await dataSource.query(
      `SELECT coalesce(sum(opened), 0) AS opened FROM findings_daily_flow WHERE rule_id = $1`,
      [RULE],
    );
    const [{ total }]: { total: string }[] = await dataSource.query(
      `SELECT count(*) AS total FROM findings WHERE rule_id = $1`,
      [RULE],
    );
    expect(Number(opened)).toBe(Number(total));
  };

  it("migration 0010 guards the rollups update trigger and its down migration restores 0008's body", async () => {
    const body = async (): Promise<string> => {
      const rows: { body: string }[] = await dataSource.query(
        `SELECT prosrc AS body FROM pg_proc WHERE proname = 'findings_rollup_on_update'`,
      );
      return rows[0].body;
    };
    const guarded = await body();
    expect(guarded).toContain("current_setting('driftwatch.findings_rollup_neutral', true) = 'on'");
    const migration = new FindingsRollupNeutralUpdates0000000000010();
    const runner = dataSource.createQueryRunner();
    await migration.down(runner);
    const original = await body();
    expect(original).not.toContain('findings_rollup_neutral');
    expect(original).toContain('INSERT INTO findings_open_counts');
    await migration.up(runner);
    await runner.release();
    expect(await body()).toBe(guarded);
  });

  it('moves every finding through its lifecycle and rewrites only what changed', async () => {
    const first = randomUUID();
    const t1 = new Date('2026-01-01T10:00:00Z');
    // The same finding twice in one run counts once (its last observation wins).
    const outcome1 = await findings.mergeRun(
      first,
      t1,
      streamed([1, 2, 3, 4, 5].map((i) => observation(i)).concat(observation(5, { actualValue: 'last' }))),
    );
    expect(outcome1).toEqual({ inserted: 5, reopened: 0, seen: 5, unsettled: 0 });
    expect(await row(5)).toMatchObject({ status: 'new', occurrences: 1, actual_value: 'last', last_run_id: first });
    await expectRollupsExact();

    // Retrying the same run's merge changes nothing.
    expect(await findings.mergeRun(first, t1, [observation(1)])).toEqual({
      inserted: 0,
      reopened: 0,
      seen: 1,
      unsettled: 0,
    });
    expect((await row(1)).occurrences).toBe(1);

    // Second run: 1 unchanged, 2 with a new value, 3 not seen (resolved), 4 suppressed by a steward, 5 unchanged.
    await dataSource.query(`UPDATE findings SET status = 'suppressed' WHERE id = $1`, [findingId(observation(4))]);
    const second = randomUUID();
    const t2 = new Date('2026-01-02T10:00:00Z');
    const outcome2 = await findings.mergeRun(second, t2, [
      observation(1),
      observation(2, { actualValue: 'changed' }),
      observation(4),
      observation(5, { actualValue: 'last' }),
      observation(6),
    ]);
    expect(outcome2).toEqual({ inserted: 1, reopened: 0, seen: 5, unsettled: 0 });
    expect(await findings.resolveUnseen(second, t2, v1)).toEqual(new Map([[RULE, { resolved: 1, retired: 0 }]]));
    expect(await row(1)).toMatchObject({ status: 'open', occurrences: 2, last_run_id: second, first_run_id: first });
    expect((await row(1)).last_seen_at.toISOString()).toBe(t2.toISOString());
    expect(await row(2)).toMatchObject({ status: 'open', occurrences: 2, actual_value: 'changed' });
    expect(await row(3)).toMatchObject({ status: 'resolved', occurrences: 1, last_run_id: first });
    expect(await row(4)).toMatchObject({ status: 'suppressed', occurrences: 2, last_run_id: second });
    expect(await row(6)).toMatchObject({ status: 'new', occurrences: 1 });
    await expectRollupsExact();

    // Third run: 1 unchanged open (sighting only), 2 with a new severity, 3 back (reopened), 6 new -> open.
    const third = randomUUID();
    const t3 = new Date('2026-01-03T10:00:00Z');
    const outcome3 = await findings.mergeRun(
      third,
      t3,
      streamed([
        observation(1),
        observation(2, { actualValue: 'changed', severity: 'low' }),
        observation(3),
        observation(6),
      ]),
    );
    expect(outcome3).toEqual({ inserted: 0, reopened: 1, seen: 4, unsettled: 0 });
    expect(await findings.resolveUnseen(third, t3, v1)).toEqual(new Map([[RULE, { resolved: 1, retired: 0 }]]));
    expect(await row(1)).toMatchObject({ status: 'open', occurrences: 3, last_run_id: third });
    expect((await row(1)).last_seen_at.toISOString()).toBe(t3.toISOString());
    expect(await row(2)).toMatchObject({ status: 'open', occurrences: 3, severity: 'low' });
    expect(await row(3)).toMatchObject({ status: 'reopened', occurrences: 2, last_run_id: third, resolved_at: null });
    expect(await row(5)).toMatchObject({ status: 'resolved' });
    expect(await row(6)).toMatchObject({ status: 'open', occurrences: 2 });
    // Suppressed stays suppressed while unseen: resolution only closes active findings.
    expect(await row(4)).toMatchObject({ status: 'suppressed' });
    await expectRollupsExact();

    // Fourth run, at rule version 2: 1 is seen again (and takes the new version); the active 2, 3 and 6
    // are not. Version 1 found them, so they retire: the rule changed, not the data.
    const fourth = randomUUID();
    const t4 = new Date('2026-01-04T10:00:00Z');
    const flowBefore = await flow();
    expect(await findings.mergeRun(fourth, t4, [observation(1, { ruleVersion: 2 })])).toEqual({
      inserted: 0,
      reopened: 0,
      seen: 1,
      unsettled: 0,
    });
    expect(await findings.resolveUnseen(fourth, t4, { rules: [{ id: RULE, version: 2 }] })).toEqual(
      new Map([[RULE, { resolved: 0, retired: 3 }]]),
    );
    expect(await row(1)).toMatchObject({ status: 'open', rule_version: 2 });
    for (const i of [2, 3, 6]) expect(await row(i)).toMatchObject({ status: 'retired', resolved_at: null });
    // Retirement leaves the active set as an exit, never as a resolution.
    expect(await flow()).toEqual({ ...flowBefore, exited: flowBefore.exited + 3 });
    await expectRollupsExact();

    // Version 2 sees 2 after all: the retired finding is open again (returned, not reopened).
    const fifth = randomUUID();
    const t5 = new Date('2026-01-05T10:00:00Z');
    expect(
      await findings.mergeRun(fifth, t5, [observation(1, { ruleVersion: 2 }), observation(2, { ruleVersion: 2 })]),
    ).toEqual({
      inserted: 0,
      reopened: 0,
      seen: 2,
      unsettled: 0,
    });
    expect(await row(2)).toMatchObject({ status: 'open', rule_version: 2, last_run_id: fifth });
    expect(await flow()).toEqual({ ...flowBefore, exited: flowBefore.exited + 3, returned: flowBefore.returned + 1 });
    await expectRollupsExact();

    // An empty run merges nothing.
    expect(await findings.mergeRun(randomUUID(), t3, streamed([]))).toEqual({
      inserted: 0,
      reopened: 0,
      seen: 0,
      unsettled: 0,
    });
  });

  it('a finding a person suppresses while the merge waits for its row still gets the sighting and stays suppressed', async () => {
    const first = randomUUID();
    await findings.mergeRun(first, new Date('2026-02-01T10:00:00Z'), [observation(100), observation(101)]);
    // The person's transaction holds the row, so the merge has already judged it "seen again, active"
    // when the person's suppression commits.
    const person = dataSource.createQueryRunner();
    await person.connect();
    await person.startTransaction();
    await person.query(`SELECT 1 FROM findings WHERE id = $1 FOR UPDATE`, [findingId(observation(100))]);
    const second = randomUUID();
    const merging = findings.mergeRun(second, new Date('2026-02-02T10:00:00Z'), [observation(100), observation(101)]);
    const waiting = async (): Promise<boolean> => {
      const [{ n }]: { n: number }[] = await dataSource.query(
        `SELECT count(*)::integer AS n FROM pg_stat_activity
         WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'UPDATE findings AS f%'`,
      );
      return n === 1;
    };
    for (let tries = 0; !(await waiting()); tries++) {
      if (tries > 200) throw new Error('the merge never waited for the held row');
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    await person.query(`UPDATE findings SET status = 'suppressed', updated_at = now() WHERE id = $1`, [
      findingId(observation(100)),
    ]);
    await person.commitTransaction();
    await person.release();
    expect(await merging).toEqual({ inserted: 0, reopened: 0, seen: 2, unsettled: 0 });
    expect(await row(100)).toMatchObject({ status: 'suppressed', occurrences: 2, last_run_id: second });
    expect(await row(101)).toMatchObject({ status: 'open', occurrences: 2, last_run_id: second });
    await expectRollupsExact();
  });
});
