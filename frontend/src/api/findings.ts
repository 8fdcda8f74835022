/** Findings as the API returns them (GET /api/v1/findings, /findings/:id); shared by exceptions and customer 360. */
import { keepPreviousData, useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { ApiSchemas } from './api-schemas';
import type { paths } from './openapi.gen';
import { api, answer } from './api-client';
import { getText, withQuery } from './http-client';

export const FINDING_STATUSES = ['new', 'open', 'reopened', 'resolved', 'suppressed', 'retired'] as const;
export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;
export const DOMAINS = ['customer', 'credit', 'order', 'contact'] as const;
export const FINDING_SORT_KEYS = ['statusChangedAt', 'lastSeenAt', 'firstSeenAt', 'occurrences', 'matchKey'] as const;
export type FindingSortKey = (typeof FINDING_SORT_KEYS)[number];
/** A sort key, `-` first for descending. */
export type FindingSort = FindingSortKey | `-${FindingSortKey}`;

export type Finding = ApiSchemas['FindingView'];
export type FindingDetail = ApiSchemas['FindingDetail'];

/** The list filters the API accepts (see FINDINGS_LIST_QUERY in the backend). */
export interface FindingFilters {
  status?: string;
  severity?: string;
  domain?: string;
  entity?: string;
  kind?: string;
  ruleId?: string;
  actualSystem?: string;
  matchKey?: string;
  lastRunId?: string;
  /** A name, `me` (the signed-in credential) or `unassigned`. */
  assignee?: string;
}

/** The filters as the list route types them (statuses and the like as enums). */
export type FindingQuery = Omit<
  NonNullable<paths['/api/v1/findings']['get']['parameters']['query']>,
  'sort' | 'limit' | 'cursor'
>;

export const FINDING_FILTER_NAMES: (keyof FindingFilters)[] = [
  'status',
  'severity',
  'domain',
  'entity',
  'kind',
  'ruleId',
  'actualSystem',
  'matchKey',
  'lastRunId',
  'assignee',
];

export function useFindings(filters: FindingQuery, sort: FindingSort, pageSize = 50) {
  return useInfiniteQuery({
    queryKey: ['findings', filters, sort, pageSize],
    queryFn: ({ pageParam }) =>
      answer(
        api.GET('/api/v1/findings', {
          params: { query: { ...filters, sort, limit: pageSize, cursor: pageParam ?? undefined } },
        }),
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
    placeholderData: keepPreviousData,
  });
}

export function useFindingDetail(id: string | null) {
  return useQuery({
    queryKey: ['finding', id],
    queryFn: () => answer(api.GET('/api/v1/findings/{id}', { params: { path: { id: id ?? '' } } })),
    enabled: id !== null,
  });
}

export const findingsExportUrl = (filters: FindingFilters, sort: string) =>
  withQuery('/api/v1/findings/export', { ...filters, sort });

/** The CSV of every finding matching the filters (the API caps it at 100,000 rows). */
export const fetchFindingsCsv = (filters: FindingFilters, sort: string): Promise<string> =>
  getText(findingsExportUrl(filters, sort), 'text/csv');

/** Sets who works on findings: a name, `me` (the signed-in credential's name) or null to unassign. */
export function useAssignFindings() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: ApiSchemas['AssignFindingsDto']) => answer(api.POST('/api/v1/findings/assign', { body })),
    onSuccess: async () => {
      await client.invalidateQueries({ queryKey: ['findings'] });
      await client.invalidateQueries({ queryKey: ['finding'] });
      await client.invalidateQueries({ queryKey: ['audit'] });
    },
  });
}

/** The API's limit on a suppression's reason. */
export const SUPPRESSION_REASON_MAX_LENGTH = 500;

/** The findings' lists, details and audit trails change with a suppression: read them again. */
function useFindingsChanged() {
  const client = useQueryClient();
  return async () => {
    await client.invalidateQueries({ queryKey: ['findings'] });
    await client.invalidateQueries({ queryKey: ['finding'] });
    await client.invalidateQueries({ queryKey: ['audit'] });
  };
}

/**
 * Accepts the findings' difference as a known exception, with a reason and an optional end (ISO 8601
 * with a zone); already suppressed ones take the new reason and end. All or nothing.
 */
export function useSuppressFindings() {
  const changed = useFindingsChanged();
  return useMutation({
    mutationFn: ({ ids, reason, until }: ApiSchemas['SuppressFindingsDto']) =>
      answer(api.POST('/api/v1/findings/suppress', { body: until ? { ids, reason, until } : { ids, reason } })),
    onSuccess: changed,
  });
}

/** Lifts the suppression: the findings are open again. All or nothing (a finding not suppressed refuses). */
export function useUnsuppressFindings() {
  const changed = useFindingsChanged();
  return useMutation({
    mutationFn: (body: ApiSchemas['UnsuppressFindingsDto']) =>
      answer(api.POST('/api/v1/findings/unsuppress', { body })),
    onSuccess: changed,
  });
}
