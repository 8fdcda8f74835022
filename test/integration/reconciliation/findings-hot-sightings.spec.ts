/**
 * Migration 0016: a run's sighting of an open finding is a HOT update (no index holds a column it
 * writes), and `status_changed_at`, which the list's indexes end in instead of last seen, moves only
 * when the status does: set by the merge, the resolution pass, or (any other writer) the trigger.
 */
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { findingId, type FindingObservation } from '../../../backend/src/modules/findings/finding';
import { FindingsMergeRepository } from '../../../backend/src/modules/findings/findings-merge.repository';
import { mismatchObservation } from './support/finding-observation';
import { migratedFindingsStore, type FindingsStore } from './support/findings-store';

const RULE = 'customer.hot-test';
const COUNT = 200;
const observation = (i: number): FindingObservation =>
  mismatchObservation(RULE, i, { details: JSON.stringify({ note: 'x'.repeat(100) }) });
const all = (): FindingObservation[] => Array.from({ length: COUNT }, (_, i) => observation(i));
/** What the merge writes on a plain sighting of an open finding (FindingsMergeRepository.mergeRun). */
const SIGHTING_COLUMNS = [
  'rule_version',
  'owner_system',
  'expected_value',
  'actual_value',
  'details',
  'score',
  'occurrences',
  'last_seen_at',
  'last_run_id',
  'updated_at',
];

describe('findings sightings are HOT updates (migration 0016)', () => {
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

  const changedAt = async (i: number): Promise<string> => {
    const [row]: { at: Date }[] = await dataSource.query(`SELECT status_changed_at AS at FROM findings WHERE id = $1`, [
      findingId(observation(i)),
    ]);
    return row.at.toISOString();
  };

  /** Cumulative (updates, HOT updates) of findings; a backend reports its counts within ~1 s of going idle. */
  const updateStats = async (atLeast: number): Promise<{ updates: number; hot: number }> => {
    for (let tries = 0; ; tries++) {
      const [row]: { upd: string; hot: string }[] = await dataSource.query(
        `SELECT n_tup_upd AS upd, n_tup_hot_upd AS hot FROM pg_stat_user_tables WHERE relname = 'findings'`,
      );
      const stats = { updates: Number(row.upd), hot: Number(row.hot) };
      if (stats.updates >= atLeast || tries > 100) return stats;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  it('indexes no column a sighting writes', async () => {
    const rows: { definition: string }[] = await dataSource.query(
      `SELECT pg_get_indexdef(indexrelid) AS definition FROM pg_index WHERE indrelid = 'findings'::regclass`,
    );
    expect(rows.length).toBeGreaterThanOrEqual(10);
    for (const { definition } of rows) {
      for (const column of SIGHTING_COLUMNS) expect(definition).not.toMatch(new RegExp(`\\b${column}\\b`));
    }
  });

  it('sights open findings without touching an index, and dates only status changes', async () => {
    const t1 = new Date('2026-03-01T10:00:00Z');
    const t2 = new Date('2026-03-02T10:00:00Z');
    const t3 = new Date('2026-03-03T10:00:00Z');
    const t4 = new Date('2026-03-04T10:00:00Z');
    await findings.mergeRun(randomUUID(), t1, all());
    expect(await changedAt(0)).toBe(t1.toISOString());

    // Second sighting: new -> open, a status change (indexed, so not HOT).
    const second = randomUUID();
    await findings.mergeRun(second, t2, all());
    expect(await changedAt(0)).toBe(t2.toISOString());
    const before = await updateStats(COUNT);

    // Third: every finding open and seen again: nothing indexed changes.
    const third = randomUUID();
    await findings.mergeRun(third, t3, all());
    const after = await updateStats(before.updates + COUNT);
    expect(after.updates - before.updates).toBe(COUNT);
    // Before 0016 none was HOT. Some rows find their page full: a HOT version must fit on its row's
    // page, and the versions this statement replaces cannot be pruned before it commits (88-93 % HOT
    // here, depending on row sizes; ~96 % in the 5M bench's steady state).
    expect(after.hot - before.hot).toBeGreaterThanOrEqual(0.75 * COUNT);
    expect(await changedAt(0)).toBe(t2.toISOString());
    const [seen]: { occurrences: number; last_run_id: string }[] = await dataSource.query(
      `SELECT occurrences, last_run_id::text AS last_run_id FROM findings WHERE id = $1`,
      [findingId(observation(0))],
    );
    expect(seen).toEqual({ occurrences: 3, last_run_id: third });

    // Resolution dates the change at the run's time; a later sighting reopens it at that run's.
    const fourth = randomUUID();
    await findings.mergeRun(fourth, t4, all().slice(1));
    await findings.resolveUnseen(fourth, t4, { rules: [{ id: RULE, version: 1 }] });
    expect(await changedAt(0)).toBe(t4.toISOString());
    expect(await changedAt(1)).toBe(t2.toISOString());
    const t5 = new Date('2026-03-05T10:00:00Z');
    await findings.mergeRun(randomUUID(), t5, all());
    expect(await changedAt(0)).toBe(t5.toISOString());
    expect(await changedAt(1)).toBe(t2.toISOString());
  });

  it('dates a status change by any other writer (the trigger), and leaves an explicit time alone', async () => {
    const id = findingId(observation(2));
    const now = await dataSource.transaction(async (tx) => {
      await tx.query(`UPDATE findings SET status = 'suppressed' WHERE id = $1`, [id]);
      const [row]: { now: Date }[] = await tx.query(`SELECT now() AS now`);
      return row.now;
    });
    expect(await changedAt(2)).toBe(now.toISOString());
    // Same status again: no change, no new time.
    await dataSource.query(`UPDATE findings SET status = 'suppressed', suppressed_reason = 'kept' WHERE id = $1`, [id]);
    expect(await changedAt(2)).toBe(now.toISOString());
    await dataSource.query(
      `UPDATE findings SET status = 'open', status_changed_at = '2026-04-01T00:00:00Z' WHERE id = $1`,
      [id],
    );
    expect(await changedAt(2)).toBe('2026-04-01T00:00:00.000Z');
  });
});
