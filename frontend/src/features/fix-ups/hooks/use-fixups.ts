import { keepPreviousData, useMutation, useQueries, useQuery, useQueryClient } from '@tanstack/react-query';
import type { ApiSchemas } from '../../../api/api-schemas';
import { api, answer } from '../../../api/api-client';
import type { paths } from '../../../api/openapi.gen';

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

/** The list filters as the API types them (states as their enum). */
export type FixupFilters = Pick<
  NonNullable<paths['/api/v1/fixups']['get']['parameters']['query']>,
  'state' | 'ruleId' | 'system' | 'findingId'
>;

export function useFixups(filters: FixupFilters, limit = 50) {
  return useQuery({
    queryKey: ['fixups', filters, limit],
    queryFn: () => answer(api.GET('/api/v1/fixups', { params: { query: { ...filters, limit } } })),
    placeholderData: keepPreviousData,
    refetchInterval: 10_000,
  });
}

export function useFixupDetail(id: string | null) {
  return useQuery({
    queryKey: ['fixup', id],
    queryFn: () => answer(api.GET('/api/v1/fixups/{id}', { params: { path: { id: id ?? '' } } })),
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

/**
 * One action on one task. A dismissal needs a reason (the API refuses an empty one with a 400 naming
 * it); the others take one optionally.
 */
export function actOnTask(id: string, action: FixupAction, reason?: string) {
  const params = { path: { id } };
  if (action === 'dismiss') {
    return answer(api.POST('/api/v1/fixups/{id}/dismiss', { params, body: { reason: reason ?? '' } }));
  }
  return answer(api.POST(`/api/v1/fixups/{id}/${action}`, { params, body: { reason } }));
}

/** The same action on many tasks at once (retry has no bulk route). */
function actOnTasks(ids: string[], action: Exclude<FixupAction, 'retry'>, reason?: string) {
  if (action === 'dismiss') {
    return answer(api.POST('/api/v1/fixups/dismiss', { body: { ids, reason: reason ?? '' } }));
  }
  return answer(api.POST(`/api/v1/fixups/${action}`, { body: { ids, reason } }));
}

/** One action on one or many tasks; bulk approve, replay and dismiss go through the bulk routes. */
export function useFixupAction() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async ({ action, ids, reason }: { action: FixupAction; ids: string[]; reason?: string }) => {
      if (ids.length === 1 || action === 'retry') {
        const outcomes = await Promise.all(ids.map((id) => actOnTask(id, action, reason)));
        return {
          changed: outcomes.flatMap((o) => o.changed),
          skipped: outcomes.flatMap((o) => o.skipped),
        };
      }
      return actOnTasks(ids, action, reason);
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
      queryFn: () => answer(api.GET('/api/v1/fixups', { params: { query: { findingId, limit: 20 } } })),
    })),
    combine: (results) => ({
      tasks: results.flatMap((r) => r.data?.items ?? []),
      pending: results.some((r) => r.isPending),
      error: results.find((r) => r.isError)?.error ?? null,
    }),
  });
}
