import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { getJson, sendJson } from '../../../api/http-client';

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

export function useDeliveries() {
  return useQuery({
    queryKey: ['alerts', 'deliveries'],
    queryFn: () => getJson<AlertDelivery[]>('/api/v1/alerts/deliveries'),
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

/** Deliveries per day and status, oldest first, for the history chart. */
export function deliveriesPerDay(deliveries: AlertDelivery[]) {
  const days = new Map<string, Record<string, string | number>>();
  for (const d of deliveries) {
    const day = d.createdAt.slice(0, 10);
    const row = days.get(day) ?? { category: day, sent: 0, held: 0, failed: 0 };
    row[d.status] = Number(row[d.status] ?? 0) + 1;
    days.set(day, row);
  }
  return [...days.values()].sort((a, b) => String(a.category).localeCompare(String(b.category)));
}
