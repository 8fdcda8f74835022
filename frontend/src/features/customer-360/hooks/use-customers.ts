import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { getJson, withQuery } from '../../../api/http-client';
import type { Page } from '../../../api/findings';

export interface CustomerMatch {
  customerNumber: string;
  records: { system: string; entityKey: string; legalName: string; email: string; country: string; status: string }[];
}

export interface SystemRecord {
  system: string;
  entityKey: string;
  snapshotId: string;
  capturedAt: string;
  sourceUpdatedAt: string;
  fields: Record<string, string>;
}

export interface SideBySide {
  entity: string;
  records: SystemRecord[];
  fields: { field: string; ownerSystem: string; values: string[]; differs: boolean }[];
}

export interface TimelineEvent {
  at: string;
  type: 'snapshot' | 'change' | 'status' | 'finding_opened' | 'finding_resolved' | 'fixup';
  system?: string;
  entityKey?: string;
  snapshotId?: string;
  changes?: { field: string; from: string; to: string }[];
  entity?: string;
  field?: string;
  value?: string;
  findingId?: string;
  ruleId?: string;
  severity?: string;
  taskId?: string;
  state?: string;
}

export interface Customer360 {
  customerNumber: string;
  customer: SideBySide;
  creditProfile: SideBySide;
  contacts: SystemRecord[];
  crosswalk: { system: string; entityKey: string; globalId: string; linkId: string; linkedAt: string }[];
  openFindings: {
    id: string;
    ruleId: string;
    entity: string;
    matchKey: string;
    field: string;
    kind: string;
    severity: string;
    status: string;
    ownerSystem: string;
    expectedValue: string;
    actualSystem: string;
    actualValue: string;
    firstSeenAt: string;
  }[];
  fixTasks: {
    id: string;
    findingId: string;
    targetSystem: string;
    state: string;
    createdAt: string;
    updatedAt: string;
  }[];
  timeline: TimelineEvent[];
}

export function useCustomerSearch(q: string) {
  return useQuery({
    queryKey: ['customers', 'search', q],
    queryFn: () => getJson<Page<CustomerMatch>>(withQuery('/api/v1/customers', { q, limit: 20 })),
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
