import { InvalidSnapshotConfigError, parseConcurrency, parseSchedules, scheduledJobId } from './snapshot-config';

describe('snapshot configuration', () => {
  it('parses schedules', () => {
    expect(parseSchedules(' crm:customer:full=0 2 * * * ; erp:order:incremental=*/5 * * * *;')).toEqual([
      { connectorId: 'crm', entity: 'customer', mode: 'full', cron: '0 2 * * *' },
      { connectorId: 'erp', entity: 'order', mode: 'incremental', cron: '*/5 * * * *' },
    ]);
    expect(parseSchedules('')).toEqual([]);
  });

  it.each([
    'crm:customer:full',
    'crm:planet:full=* * * * *',
    'crm:customer:daily=* * * * *',
    'CRM:customer:full=* * * * *',
    'crm:customer:full=often',
  ])('refuses %s with a clear error', (text) => {
    expect(() => parseSchedules(text)).toThrow(InvalidSnapshotConfigError);
  });

  it('parses per-connector concurrency with a default', () => {
    const limit = parseConcurrency('crm=1, erp=3', 2);
    expect([limit('crm'), limit('erp'), limit('wms')]).toEqual([1, 3, 2]);
    expect(() => parseConcurrency('crm=0', 2)).toThrow(InvalidSnapshotConfigError);
  });

  it('gives one job id per schedule slot', () => {
    const schedule = { connectorId: 'crm', entity: 'customer' as const, mode: 'full' as const, cron: '* * * * *' };
    const a = scheduledJobId(schedule, new Date('2026-11-29T05:00:00.120Z'));
    const b = scheduledJobId(schedule, new Date('2026-11-29T05:00:00.870Z'));
    expect(a).toBe(b);
    expect(a).toBe('snapshot:crm:customer:full:2026-11-29T05:00:00.000Z');
    expect(scheduledJobId(schedule, new Date('2026-11-29T05:01:00Z'))).not.toBe(a);
  });
});
