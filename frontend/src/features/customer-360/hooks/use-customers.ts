import { keepPreviousData, useQuery } from '@tanstack/react-query';
import type { ApiSchemas } from '../../../api/api-schemas';
import { getJson, withQuery } from '../../../api/http-client';

export type CustomerMatch = ApiSchemas['CustomerMatchDto'];
export type SystemRecord = ApiSchemas['RecordState'];
export type SideBySide = ApiSchemas['EntitySideBySideDto'];
export type TimelineEvent = ApiSchemas['TimelineEventDto'];
export type Customer360 = ApiSchemas['Customer360Dto'];

export function useCustomerSearch(q: string) {
  return useQuery({
    queryKey: ['customers', 'search', q],
    queryFn: () => getJson<ApiSchemas['CustomerSearchPageDto']>(withQuery('/api/v1/customers', { q, limit: 20 })),
    enabled: q.length >= 2,
    placeholderData: keepPreviousData,
  });
}

export function useCustomer(customerNumber: string | null) {
  return useQuery({
    queryKey: ['customers', 'detail', customerNumber],
    queryFn: () => getJson<Customer360>(`/api/v1/customers/${encodeURIComponent(customerNumber ?? '')}`),
    enabled: customerNumber !== null,
  });
}
