import { keepPreviousData, useQuery } from '@tanstack/react-query';
import type { ApiSchemas } from '../../../api/api-schemas';
import { api, answer } from '../../../api/api-client';

export type CustomerMatch = ApiSchemas['CustomerMatchDto'];
export type SystemRecord = ApiSchemas['RecordState'];
export type SideBySide = ApiSchemas['EntitySideBySideDto'];
export type TimelineEvent = ApiSchemas['TimelineEventDto'];

export function useCustomerSearch(q: string) {
  return useQuery({
    queryKey: ['customers', 'search', q],
    queryFn: () => answer(api.GET('/api/v1/customers', { params: { query: { q, limit: 20 } } })),
    enabled: q.length >= 2,
    placeholderData: keepPreviousData,
  });
}

export function useCustomer(customerNumber: string | null) {
  return useQuery({
    queryKey: ['customers', 'detail', customerNumber],
    queryFn: () =>
      answer(
        api.GET('/api/v1/customers/{customerNumber}', { params: { path: { customerNumber: customerNumber ?? '' } } }),
      ),
    enabled: customerNumber !== null,
  });
}
