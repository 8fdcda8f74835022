import { keepPreviousData, useMutation, useQueries, useQuery, useQueryClient } from '@tanstack/react-query';
import type { ApiSchemas } from '../../../api/api-schemas';
import { getJson, sendJson, withQuery } from '../../../api/http-client';

export const FIXUP_STATES = [
  'proposed',
  'approved',
  'queued',
  'applying',
  'verifying',
  'done',
  'conflict',
  'failed',
  'dead_lettered',
  'needs_review',
  'dismissed',
] as const;
export type FixupState = (typeof FIXUP_STATES)[number];

export type FixupTask = ApiSchemas['FixupTaskView'];
export type FixupTransition = ApiSchemas['FixupEventView'];

export interface FixupFilters {
  state?: string;
  ruleId?: string;
  system?: string;
  findingId?: string;
}

export function useFixups(filters: FixupFilters, limit = 50) {
  return useQuery({
    queryKey: ['fixups', filters, limit],
    queryFn: () => getJson<ApiSchemas['FixupTaskPage']>(withQuery('/api/v1/fixups', { ...filters, limit })),
    placeholderData: keepPreviousData,
    refetchInterval: 10_000,
  });
}

export function useFixupDetail(id: string | null) {
  return useQuery({
    queryKey: ['fixup', id],
    queryFn: () => getJson<ApiSchemas['FixupDetail']>(`/api/v1/fixups/${id ?? ''}`),
    enabled: id !== null,
  });
}

export type FixupAction = 'approve' | 'dismiss' | 'retry' | 'replay';

/** Which action applies to a task in a state, and the lowest role that may take it (as the API enforces). */
export const ACTIONS: Record<FixupAction, { states: FixupState[]; role: 'engineer' | 'steward'; label: string }> = {
  approve: { states: ['proposed', 'needs_review'], role: 'steward', label: 'Approve' },
  retry: { states: ['failed', 'conflict'], role: 'engineer', label: 'Retry' },
  replay: { states: ['dead_lettered'], role: 'engineer', label: 'Replay' },
  dismiss: {
    states: ['proposed', 'approved', 'queued', 'conflict', 'failed', 'dead_lettered', 'needs_review'],
    role: 'steward',
    label: 'Dismiss',
  },
};

/** One action on one or many tasks; bulk approve, replay and dismiss go through the bulk routes. */
export function useFixupAction() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async ({ action, ids, reason }: { action: FixupAction; ids: string[]; reason?: string }) => {
      if (ids.length === 1 || action === 'retry') {
        const outcomes = await Promise.all(
          ids.map((id) =>
            sendJson<ApiSchemas['BulkOutcomeView']>('POST', `/api/v1/fixups/${id}/${action}`, {
              reason,
            }),
          ),
        );
        return {
          changed: outcomes.flatMap((o) => o.changed),
          skipped: outcomes.flatMap((o) => o.skipped),
        };
      }
      return sendJson<ApiSchemas['BulkOutcomeView']>('POST', `/api/v1/fixups/${action}`, {
        ids,
        reason,
      } satisfies ApiSchemas['FixupSelectionDto']);
    },
    onSettled: () => {
      void client.invalidateQueries({ queryKey: ['fixups'] });
      void client.invalidateQueries({ queryKey: ['fixup'] });
      void client.invalidateQueries({ queryKey: ['findings'] });
      void client.invalidateQueries({ queryKey: ['stewardship-reviews'] });
    },
  });
}

/**
 * Whether an action makes sense for a task beyond its state: approving a task that writes nothing (a
 * merge loser its connector cannot retire, to be handled by hand) would only mark it done.
 */
export function actionApplies(action: FixupAction, task: Pick<FixupTask, 'state' | 'changes'>): boolean {
  if (!ACTIONS[action].states.includes(task.state)) return false;
  return action !== 'approve' || task.changes.length > 0;
}

/** The fix-up tasks of the given findings (one request per finding, cached per finding). */
export function useTasksOfFindings(findingIds: string[]) {
  return useQueries({
    queries: findingIds.map((findingId) => ({
      queryKey: ['fixups', { findingId }, 20],
      queryFn: () => getJson<ApiSchemas['FixupTaskPage']>(withQuery('/api/v1/fixups', { findingId, limit: 20 })),
    })),
    combine: (results) => ({
      tasks: results.flatMap((r) => r.data?.items ?? []),
      pending: results.some((r) => r.isPending),
      error: results.find((r) => r.isError)?.error ?? null,
    }),
  });
}
