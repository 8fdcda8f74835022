import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useSearchParams } from 'react-router';
import type { ApiSchemas } from '../../../api/api-schemas';
import type { paths } from '../../../api/openapi.gen';
import { api, answer } from '../../../api/api-client';

export type Overview = ApiSchemas['OverviewDto'];
export type TrendPoint = ApiSchemas['TrendPointDto'];
export type Trends = ApiSchemas['TrendsDto'];

export const RANGES = [
  { days: 7, label: 'Last 7 days' },
  { days: 30, label: 'Last 30 days' },
  { days: 90, label: 'Last 90 days' },
  { days: 365, label: 'Last 12 months' },
] as const;

/** Range, systems and trend interval of the overview, kept in the URL. */
export function useOverviewFilters() {
  const [params, setParams] = useSearchParams();
  const days = Number(params.get('days') ?? 30);
  const rangeDays = RANGES.some((r) => r.days === days) ? days : 30;
  const systems = (params.get('system') ?? '').split(',').filter(Boolean);
  const interval: 'day' | 'week' = params.get('interval') === 'week' ? 'week' : 'day';
  const set = (name: string, value: string | null) =>
    setParams((current) => {
      const next = new URLSearchParams(current);
      if (value) next.set(name, value);
      else next.delete(name);
      return next;
    });
  return {
    rangeDays,
    systems,
    interval,
    setRange: (d: number) => set('days', d === 30 ? null : String(d)),
    setSystems: (s: string[]) => set('system', s.join(',') || null),
    setInterval: (i: 'day' | 'week') => set('interval', i === 'day' ? null : i),
  };
}

/** `from` is the start of the UTC day `days` ago, so the query key (and cache) stays stable within a day. */
function rangeOf(days: number): { from: string } {
  const start = new Date();
  start.setUTCHours(0, 0, 0, 0);
  start.setUTCDate(start.getUTCDate() - days + 1);
  return { from: start.toISOString() };
}

export function useOverview(days: number, systems: string[]) {
  const { from } = rangeOf(days);
  return useQuery({
    queryKey: ['dashboard', 'overview', from, systems],
    queryFn: () =>
      answer(
        api.GET('/api/v1/dashboard/overview', { params: { query: { from, system: systems.join(','), top: 10 } } }),
      ),
    placeholderData: keepPreviousData,
    refetchInterval: 60_000,
  });
}

/** What trends can be broken down by. */
export type TrendGrouping = NonNullable<paths['/api/v1/dashboard/trends']['get']['parameters']['query']>['groupBy'];

export function useTrends(
  days: number,
  systems: string[],
  interval: 'day' | 'week',
  groupBy: TrendGrouping = 'severity',
) {
  const { from } = rangeOf(days);
  return useQuery({
    queryKey: ['dashboard', 'trends', from, systems, interval, groupBy],
    queryFn: () =>
      answer(
        api.GET('/api/v1/dashboard/trends', {
          params: { query: { from, system: systems.join(','), interval, groupBy } },
        }),
      ),
    placeholderData: keepPreviousData,
  });
}

/** Systems known to the installation (connector ids), for the system filter. */
export function useSystems() {
  return useQuery({
    queryKey: ['connectors', 'ids'],
    queryFn: async () => (await answer(api.GET('/api/v1/connectors'))).items.map((c) => c.id).sort(),
    staleTime: 5 * 60_000,
  });
}
