/** The audit log (GET /api/v1/audit, steward and above). */
import { keepPreviousData, useInfiniteQuery } from '@tanstack/react-query';
import { api, answer } from './api-client';
import type { ApiSchemas } from './api-schemas';
import type { paths } from './openapi.gen';

/** The orders the audit list offers. */
export type AuditSort = NonNullable<paths['/api/v1/audit']['get']['parameters']['query']>['sort'];

export type AuditEntry = ApiSchemas['AuditEntryView'];

export interface AuditFilters {
  actor?: string;
  action?: string;
  subjectType?: string;
  subjectId?: string;
  requestId?: string;
  from?: string;
  to?: string;
}

export const AUDIT_FILTER_NAMES: (keyof AuditFilters)[] = [
  'actor',
  'action',
  'subjectType',
  'subjectId',
  'requestId',
  'from',
  'to',
];

export function useAuditLog(filters: AuditFilters, sort: AuditSort = '-at', enabled = true, pageSize = 50) {
  return useInfiniteQuery({
    queryKey: ['audit', filters, sort, pageSize],
    queryFn: ({ pageParam }) =>
      answer(
        api.GET('/api/v1/audit', {
          params: { query: { ...filters, sort, limit: pageSize, cursor: pageParam ?? undefined } },
        }),
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
    placeholderData: keepPreviousData,
    enabled,
  });
}
