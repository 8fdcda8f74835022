import { parseEnv } from '../../config/env.schema';
import { cutoffOf, partitionOlderThan, retainedTables } from './retention-plan';

describe('retention plan', () => {
  it('drops a month only once all of it (and a day for time zones) is older than the cutoff', () => {
    const cutoff = new Date('2026-03-02T00:00:00Z');
    expect(partitionOlderThan('202601', cutoff)).toBe(true);
    expect(partitionOlderThan('202602', cutoff)).toBe(true);
    expect(partitionOlderThan('202602', new Date('2026-03-01T23:59:59Z'))).toBe(false);
    expect(partitionOlderThan('202603', cutoff)).toBe(false);
    expect(partitionOlderThan('202512', cutoff)).toBe(true);
  });

  it('never drops a partition whose id is not a month', () => {
    for (const id of ['all', '2026', '202613', '20260101', 'tuple()']) {
      expect(partitionOlderThan(id, new Date('2100-01-01T00:00:00Z'))).toBe(false);
    }
  });

  it('counts the cutoff back in whole days', () => {
    expect(cutoffOf(new Date('2026-11-30T03:17:00Z'), 90).toISOString()).toBe('2026-09-01T03:17:00.000Z');
  });

  it('covers every snapshot table, rejected records, findings history and events, leaving out what is kept forever', () => {
    const tables = retainedTables(parseEnv({}));
    expect(tables.map((t) => [t.table, t.days, t.snapshots])).toEqual([
      ['snapshot_customer', 90, true],
      ['snapshot_contact', 90, true],
      ['snapshot_credit_profile', 90, true],
      ['snapshot_order', 90, true],
      ['snapshot_shipment', 90, true],
      ['snapshot_ticket', 90, true],
      ['rejected_records', 90, false],
      ['findings_history', 35, false],
      ['entity_events', 400, false],
    ]);
    const kept = retainedTables(parseEnv({ SNAPSHOT_RETENTION_DAYS: '0', ENTITY_EVENTS_RETENTION_DAYS: '0' }));
    expect(kept.map((t) => t.table)).toEqual(['findings_history']);
  });

  it('refuses retention too short for the work that reads it', () => {
    expect(() => parseEnv({ SNAPSHOT_RETENTION_DAYS: '3' })).toThrow(/SNAPSHOT_RETENTION_DAYS.*at least 7/);
    expect(() => parseEnv({ ENTITY_EVENTS_RETENTION_DAYS: '-1' })).toThrow(/ENTITY_EVENTS_RETENTION_DAYS/);
    expect(() => parseEnv({ RETENTION_SCHEDULE: 'daily' })).toThrow(/RETENTION_SCHEDULE/);
  });
});
