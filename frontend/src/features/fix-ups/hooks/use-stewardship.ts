import {
  keepPreviousData,
  useInfiniteQuery,
  useMutation,
  useQueries,
  useQuery,
  useQueryClient,
} from '@tanstack/react-query';
import type { ApiSchemas } from '../../../api/api-schemas';
import { api, answer } from '../../../api/api-client';
import type { paths } from '../../../api/openapi.gen';
import { actOnTask, type FixupState, type FixupTask } from './use-fixups';

export type RecordRef = ApiSchemas['RecordRef'];
export type StewardshipItem = ApiSchemas['ItemView'];
/** A field the survivor takes from another candidate, as the steward saw both at decision time. */
export type SurvivorChange = ApiSchemas['FieldChange'];
/** What a decided item recorded. */
export type StewardshipDecision = NonNullable<StewardshipItem['decision']>;
export type MergeDecision = ApiSchemas['MergeDecision'];
export type RecordState = ApiSchemas['RecordState'];
export type StewardshipDetail = ApiSchemas['ItemDetail'];

/** The queue's filters as the API types them. */
export type StewardshipFilters = Pick<
  NonNullable<paths['/api/v1/stewardship/items']['get']['parameters']['query']>,
  'kind' | 'state'
>;

export function useStewardshipItems(filters: StewardshipFilters) {
  return useQuery({
    queryKey: ['stewardship', filters],
    queryFn: () => answer(api.GET('/api/v1/stewardship/items', { params: { query: { ...filters, limit: 50 } } })),
    placeholderData: keepPreviousData,
  });
}

export function useStewardshipDetail(id: string | null) {
  return useQuery({
    queryKey: ['stewardship-item', id],
    queryFn: () => answer(api.GET('/api/v1/stewardship/items/{id}', { params: { path: { id: id ?? '' } } })),
    enabled: id !== null,
  });
}

/** A decision as the panel makes it: which fields each action takes (DecideItemDto has them all optional). */
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
      mutationFn: (decision: ItemDecision) =>
        answer(api.POST('/api/v1/stewardship/items/{id}/decide', { params: { path: { id } }, body: decision })),
      // The answer is the decided item with the planned task ids: show them before the refetch lands.
      onSuccess: (item) =>
        client.setQueryData<StewardshipDetail>(['stewardship-item', id], (old) => (old ? { ...old, item } : old)),
      onSettled: () => {
        done();
        void client.invalidateQueries({ queryKey: ['fixups'] });
        void client.invalidateQueries({ queryKey: ['stewardship-reviews'] });
      },
    }),
    assign: useMutation({
      mutationFn: (assignee: string | null) =>
        answer(api.POST('/api/v1/stewardship/items/{id}/assign', { params: { path: { id } }, body: { assignee } })),
      onSettled: done,
    }),
    dismiss: useMutation({
      mutationFn: (reason: string) =>
        answer(api.POST('/api/v1/stewardship/items/{id}/dismiss', { params: { path: { id } }, body: { reason } })),
      onSettled: done,
    }),
  };
}

/** Every field any candidate record holds, in a stable order, for the side-by-side view. */
export function fieldNames(records: RecordState[]): string[] {
  return [...new Set(records.flatMap((r) => Object.keys(r.fields)))].sort();
}

/** States a task does not leave by itself: no need to keep polling it. */
const SETTLED: readonly FixupState[] = ['done', 'dismissed', 'needs_review', 'conflict', 'dead_lettered', 'failed'];

/**
 * The fix-up tasks a merge decision planned, each with its current state (one request per task,
 * shared with the fix-up detail panel's cache); polled while any of them is still moving.
 */
export function useDecisionTasks(ids: readonly string[]) {
  return useQueries({
    queries: ids.map((id) => ({
      queryKey: ['fixup', id],
      queryFn: () => answer(api.GET('/api/v1/fixups/{id}', { params: { path: { id } } })),
      refetchInterval: (q: { state: { data?: { task: FixupTask } } }) =>
        q.state.data && SETTLED.includes(q.state.data.task.state) ? false : 5_000,
    })),
    combine: (results) => ({
      tasks: results.map((r) => r.data?.task).filter((t): t is FixupTask => t !== undefined),
      pending: results.some((r) => r.isPending),
      error: results.find((r) => r.isError)?.error ?? null,
      refetch: () => results.forEach((r) => void r.refetch()),
    }),
  });
}

/** Why a fix-up task waits for a person (backend `reviewKindOf`). */
export const REVIEW_KINDS = ['validation_failure', 'conflict', 'needs_decision'] as const;
export type ReviewKind = (typeof REVIEW_KINDS)[number];

export type ReviewItem = ApiSchemas['ReviewItemView'];

/** Fix-up tasks waiting for review, filtered by why they wait (the API's `reason`). */
export function useStewardshipReviews(reason: ReviewKind | null, pageSize = 100) {
  return useInfiniteQuery({
    queryKey: ['stewardship-reviews', reason, pageSize],
    queryFn: ({ pageParam }) =>
      answer(
        api.GET('/api/v1/stewardship/reviews', {
          params: { query: { reason: reason ?? undefined, limit: pageSize, cursor: pageParam ?? undefined } },
        }),
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
    placeholderData: keepPreviousData,
    refetchInterval: 15_000,
    select: (data) => ({ items: data.pages.flatMap((p) => p.items) }),
  });
}

export type ReviewDecision = 'approve' | 'retry' | 'dismiss';

/**
 * A decision on a task waiting for review. Stewards decide through the stewardship route; an engineer
 * may only retry (a conflict), which the fix-up route allows them.
 */
export function useReviewDecision() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({
      taskId,
      decision,
      reason,
      asSteward,
    }: {
      taskId: string;
      decision: ReviewDecision;
      reason?: string;
      asSteward: boolean;
    }) =>
      asSteward
        ? answer(
            api.POST('/api/v1/stewardship/reviews/{taskId}/decide', {
              params: { path: { taskId } },
              body: { decision, reason },
            }),
          )
        : actOnTask(taskId, decision, reason),
    onSettled: () => {
      void client.invalidateQueries({ queryKey: ['stewardship-reviews'] });
      void client.invalidateQueries({ queryKey: ['fixups'] });
      void client.invalidateQueries({ queryKey: ['fixup'] });
    },
  });
}
