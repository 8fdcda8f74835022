import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { ApiSchemas } from '../../../api/api-schemas';
import { api, answer } from '../../../api/api-client';

export type Silence = ApiSchemas['AlertSilenceView'];

/** The delivery history, the latest first, of one alert when given; older pages on demand. */
export function useDeliveries(alertKey: string | null, pageSize = 200) {
  return useInfiniteQuery({
    queryKey: ['alerts', 'deliveries', alertKey, pageSize],
    queryFn: ({ pageParam }) =>
      answer(
        api.GET('/api/v1/alerts/deliveries', {
          params: { query: { limit: pageSize, before: pageParam ?? undefined, alertKey: alertKey ?? undefined } },
        }),
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => (last.length === pageSize ? last[last.length - 1].id : null),
    refetchInterval: 30_000,
  });
}

export function useSilences() {
  return useQuery({ queryKey: ['alerts', 'silences'], queryFn: () => answer(api.GET('/api/v1/alerts/silences')) });
}

export function useSilenceActions() {
  const client = useQueryClient();
  const done = () => void client.invalidateQueries({ queryKey: ['alerts', 'silences'] });
  return {
    create: useMutation({
      mutationFn: (input: ApiSchemas['CreateSilenceDto']) =>
        answer(api.POST('/api/v1/alerts/silences', { body: input })),
      onSuccess: done,
    }),
    expire: useMutation({
      mutationFn: (id: string) => answer(api.DELETE('/api/v1/alerts/silences/{id}', { params: { path: { id } } })),
      onSuccess: done,
    }),
  };
}

export type DeliveryDay = ApiSchemas['AlertDeliveryDayDto'];

/** Deliveries per UTC day and status over the last 30 days, counted by the API (not from the list). */
export function useDeliveryDays() {
  return useQuery({
    queryKey: ['alerts', 'deliveries', 'daily'],
    queryFn: () => answer(api.GET('/api/v1/alerts/deliveries/daily')),
    refetchInterval: 60_000,
  });
}

/** Rows for the grouped bar chart: one per day (labelled MM-DD), oldest first. */
export const deliveryDayRows = (days: DeliveryDay[]) =>
  days.map(({ day, sent, held, failed }) => ({ category: day.slice(5), sent, held, failed }));

export type AlertStateFilter = 'firing' | 'resolved' | 'all';

export type AlertState = ApiSchemas['AlertStateView'];

/** Alerts as they stand (firing first), and whether Slack is configured (states exist only for posted alerts). */
export function useAlertStates(status: AlertStateFilter) {
  return useQuery({
    queryKey: ['alerts', 'states', status],
    queryFn: () => answer(api.GET('/api/v1/alerts', { params: { query: { status, limit: 200 } } })),
    refetchInterval: 30_000,
  });
}

export type Digest = ApiSchemas['DigestView'];
export type DigestOutcome = ApiSchemas['DigestOutcomeView'];

/** The scheduled digests of the alert rules file (they change only with the file: fetched once). */
export function useDigests() {
  return useQuery({
    queryKey: ['alerts', 'digests'],
    queryFn: () => answer(api.GET('/api/v1/alerts/digests')),
    staleTime: Infinity,
  });
}

/** Sends a digest now; the history shows the delivery. */
export function useSendDigest() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => answer(api.POST('/api/v1/alerts/digests/{id}/send', { params: { path: { id } } })),
    onSuccess: () => void client.invalidateQueries({ queryKey: ['alerts', 'deliveries'] }),
  });
}
