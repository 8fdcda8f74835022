import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { getJson, sendJson, withQuery } from '../../../api/http-client';
import type { Page } from '../../../api/findings';

export interface RecordRef {
  system: string;
  entityKey: string;
}

export interface StewardshipItem {
  id: string;
  kind: 'duplicate' | 'unmatched_identity' | 'validation_failure' | 'conflict';
  sourceType: string;
  sourceId: string;
  ruleId: string | null;
  entity: string;
  system: string;
  subjectKey: string;
  candidates: RecordRef[];
  suggestion: (RecordRef & { score: number; matchedOn: string[] }) | null;
  score: number;
  details: Record<string, unknown>;
  state: 'open' | 'decided' | 'dismissed';
  assignee: string | null;
  decision: unknown;
  decidedBy: string | null;
  decidedAt: string | null;
  reason: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface RecordState extends RecordRef {
  snapshotId: string;
  capturedAt: string;
  sourceUpdatedAt: string;
  fields: Record<string, string>;
}

export interface StewardshipDetail {
  item: StewardshipItem;
  records: RecordState[];
  missingRecords: RecordRef[];
  links: unknown[];
  events: {
    id: string;
    action: string;
    fromState: string | null;
    toState: string;
    actor: string;
    reason: string | null;
    at: string;
  }[];
}

export function useStewardshipItems(filters: { kind?: string; state?: string }) {
  return useQuery({
    queryKey: ['stewardship', filters],
    queryFn: () => getJson<Page<StewardshipItem>>(withQuery('/api/v1/stewardship/items', { ...filters, limit: 50 })),
    placeholderData: keepPreviousData,
  });
}

export function useStewardshipDetail(id: string | null) {
  return useQuery({
    queryKey: ['stewardship-item', id],
    queryFn: () => getJson<StewardshipDetail>(`/api/v1/stewardship/items/${id ?? ''}`),
    enabled: id !== null,
  });
}

export type ItemDecision =
  | { action: 'merge'; survivor: string; fields: Record<string, string>; reason?: string }
  | { action: 'confirm_link' | 'reject_link'; reason?: string };

export function useStewardshipActions(id: string) {
  const client = useQueryClient();
  const done = () => {
    void client.invalidateQueries({ queryKey: ['stewardship'] });
    void client.invalidateQueries({ queryKey: ['stewardship-item', id] });
  };
  return {
    decide: useMutation({
      mutationFn: (decision: ItemDecision) => sendJson('POST', `/api/v1/stewardship/items/${id}/decide`, decision),
      onSettled: done,
    }),
    assign: useMutation({
      mutationFn: (assignee: string | null) => sendJson('POST', `/api/v1/stewardship/items/${id}/assign`, { assignee }),
      onSettled: done,
    }),
    dismiss: useMutation({
      mutationFn: (reason: string) => sendJson('POST', `/api/v1/stewardship/items/${id}/dismiss`, { reason }),
      onSettled: done,
    }),
  };
}

/** Every field any candidate record holds, in a stable order, for the side-by-side view. */
export function fieldNames(records: RecordState[]): string[] {
  return [...new Set(records.flatMap((r) => Object.keys(r.fields)))].sort();
}
