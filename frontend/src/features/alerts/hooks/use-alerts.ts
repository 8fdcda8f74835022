import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { getJson, sendJson, withQuery } from '../../../api/http-client';

export interface AlertDelivery {
  id: string;
  alertKey: string;
  runId: string | null;
  action: string;
  channel: string;
  status: 'sent' | 'failed' | 'held';
  detail: string | null;
  messageTs: string | null;
  attempts: number;
  createdAt: string;
}

export interface Silence {
  id: string;
  ruleId: string | null;
  domain: string | null;
  reason: string;
  createdBy: string;
  startsAt: string;
  endsAt: string;
  createdAt: string;
}

/** The delivery history, the latest first, of one alert when given; older pages on demand. */
export function useDeliveries(alertKey: string | null, pageSize = 200) {
  return useInfiniteQuery({
    queryKey: ['alerts', 'deliveries', alertKey, pageSize],
    queryFn: ({ pageParam }) =>
      getJson<AlertDelivery[]>(
        withQuery('/api/v1/alerts/deliveries', {
          limit: pageSize,
          before: pageParam ?? undefined,
          alertKey: alertKey ?? undefined,
        }),
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => (last.length === pageSize ? last[last.length - 1].id : null),
    refetchInterval: 30_000,
  });
}

export function useSilences() {
  return useQuery({ queryKey: ['alerts', 'silences'], queryFn: () => getJson<Silence[]>('/api/v1/alerts/silences') });
}

export function useSilenceActions() {
  const client = useQueryClient();
  const done = () => void client.invalidateQueries({ queryKey: ['alerts', 'silences'] });
  return {
    create: useMutation({
      mutationFn: (input: { ruleId?: string; domain?: string; reason: string; endsAt: string }) =>
        sendJson<Silence>('POST', '/api/v1/alerts/silences', input),
      onSuccess: done,
    }),
    expire: useMutation({
      mutationFn: (id: string) => sendJson<void>('DELETE', `/api/v1/alerts/silences/${id}`),
      onSuccess: done,
    }),
  };
}

export interface DeliveryDay {
  day: string;
  sent: number;
  held: number;
  failed: number;
}

/** Deliveries per UTC day and status over the last 30 days, counted by the API (not from the list). */
export function useDeliveryDays() {
  return useQuery({
    queryKey: ['alerts', 'deliveries', 'daily'],
    queryFn: () => getJson<DeliveryDay[]>('/api/v1/alerts/deliveries/daily'),
    refetchInterval: 60_000,
  });
}

/** Rows for the grouped bar chart: one per day (labelled MM-DD), oldest first. */
export const deliveryDayRows = (days: DeliveryDay[]) =>
  days.map(({ day, sent, held, failed }) => ({ category: day.slice(5), sent, held, failed }));

export type AlertStateFilter = 'firing' | 'resolved' | 'all';

export interface AlertState {
  alertKey: string;
  alertRuleId: string;
  ruleId: string;
  channel: string;
  status: 'firing' | 'resolved';
  title: string | null;
  severity: string | null;
  domain: string | null;
  counts: { new: number; open: number; resolved: number } | null;
  facts: { label: string; value: string }[];
  firstFiredAt: string;
  lastNotifiedAt: string | null;
  resolvedAt: string | null;
  acknowledgedBy: string | null;
  acknowledgedAt: string | null;
  escalatedAt: string | null;
  snoozedUntil: string | null;
  updatedAt: string;
}

/** Alerts as they stand (firing first), and whether Slack is configured (states exist only for posted alerts). */
export function useAlertStates(status: AlertStateFilter) {
  return useQuery({
    queryKey: ['alerts', 'states', status],
    queryFn: () =>
      getJson<{ slackConfigured: boolean; items: AlertState[] }>(withQuery('/api/v1/alerts', { status, limit: 200 })),
    refetchInterval: 30_000,
  });
}
