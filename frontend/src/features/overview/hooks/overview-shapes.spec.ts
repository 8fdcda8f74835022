import { openBySeriesRows } from './overview-shapes';
import type { Trends } from './use-overview';

const point = (bucket: string, openAtEnd: number) => ({ bucket, opened: 0, reopened: 0, resolved: 0, openAtEnd });

describe('openBySeriesRows', () => {
  it('orders severities by rank (the API sends them alphabetically) and fills missing buckets with 0', () => {
    const trends: Trends = {
      from: '2026-11-30T00:00:00.000Z',
      to: '2026-12-02T00:00:00.000Z',
      interval: 'day',
      groupBy: 'severity',
      buckets: ['2026-11-30', '2026-12-01'],
      series: ['critical', 'high', 'low', 'medium'].map((key, i) => ({
        key,
        points: key === 'low' ? [point('2026-12-01', 4)] : [point('2026-11-30', i), point('2026-12-01', i + 10)],
      })),
      total: [],
    };
    const { keys, rows } = openBySeriesRows(trends);
    expect(keys).toEqual(['critical', 'high', 'medium', 'low']);
    expect(rows).toEqual([
      { bucket: '2026-11-30', critical: 0, high: 1, low: 0, medium: 3 },
      { bucket: '2026-12-01', critical: 10, high: 11, low: 4, medium: 13 },
    ]);
  });

  it('keeps other series (domains, rules) in the order they came', () => {
    const trends: Trends = {
      from: '2026-11-01T00:00:00.000Z',
      to: '2026-12-01T00:00:00.000Z',
      interval: 'week',
      groupBy: 'domain',
      buckets: [],
      series: ['order', 'credit', 'customer'].map((key) => ({ key, points: [] })),
      total: [],
    };
    expect(openBySeriesRows(trends).keys).toEqual(['order', 'credit', 'customer']);
  });
});
