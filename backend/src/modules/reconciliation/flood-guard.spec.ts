import { assessSnapshots, type SnapshotHealth } from './flood-guard';

const at = new Date('2026-11-29T00:00:00Z');
const full = (rowCount: number, snapshotId: string) => ({ snapshotId, rowCount, completedAt: at });
const health = (over: Partial<SnapshotHealth>): SnapshotHealth => ({
  system: 'crm',
  entity: 'customer',
  latestRun: { id: 'r1', status: 'complete', error: null },
  fullSnapshots: [full(1000, 's2'), full(1000, 's1')],
  ...over,
});

describe('flood guard', () => {
  it('holds a system whose latest snapshot is partial or failed', () => {
    const holds = assessSnapshots(
      [
        health({ latestRun: { id: 'r9', status: 'partial', error: 'stopped' } }),
        health({ system: 'erp', latestRun: { id: 'r8', status: 'failed', error: null } }),
      ],
      0.2,
    );
    expect(holds.map((h) => [h.system, h.reason, h.snapshotId])).toEqual([
      ['crm', 'latest_snapshot_partial', 'r9'],
      ['erp', 'latest_snapshot_failed', 'r8'],
    ]);
  });

  it('holds a sharp row-count drop and lets a small one pass', () => {
    expect(assessSnapshots([health({ fullSnapshots: [full(700, 's2'), full(1000, 's1')] })], 0.2)).toMatchObject([
      { reason: 'row_count_drop', rowCount: 700, previousRowCount: 1000, snapshotId: 's2' },
    ]);
    expect(assessSnapshots([health({ fullSnapshots: [full(850, 's2'), full(1000, 's1')] })], 0.2)).toEqual([]);
  });

  it('does not hold a first snapshot or a healthy one', () => {
    expect(assessSnapshots([health({ fullSnapshots: [full(10, 's1')] }), health({ latestRun: null })], 0.2)).toEqual(
      [],
    );
  });
});
