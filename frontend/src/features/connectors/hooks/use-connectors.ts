import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { ApiSchemas } from '../../../api/api-schemas';
import { getJson, sendJson, withQuery } from '../../../api/http-client';

export type SnapshotRunSummary = ApiSchemas['SnapshotRunSummaryDto'];
export type SnapshotProgress = ApiSchemas['SnapshotProgressDto'];
export type EntitySnapshotStatus = ApiSchemas['EntitySnapshotStatusDto'];
export type ConnectorStatus = ApiSchemas['ConnectorStatusDto'];

export type SnapshotRun = ApiSchemas['SnapshotRunView'];

export function useConnectors() {
  return useQuery({
    queryKey: ['connectors'],
    queryFn: async () => (await getJson<ApiSchemas['ConnectorStatusListDto']>('/api/v1/connectors')).items,
    refetchInterval: 30_000,
  });
}

export const SNAPSHOT_RUN_STATUSES = ['queued', 'running', 'complete', 'partial', 'failed'] as const;

/** The latest runs, of one connector or in one status when given (a busy WMS's event runs hide the rest). */
export function useSnapshotRuns(filters: { connectorId?: string; status?: string } = {}, limit = 30) {
  return useQuery({
    queryKey: ['snapshots', limit, filters.connectorId ?? '', filters.status ?? ''],
    queryFn: () => getJson<SnapshotRun[]>(withQuery('/api/v1/snapshots', { ...filters, limit })),
    refetchInterval: 15_000,
  });
}

export function useStartSnapshot() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (input: ApiSchemas['CreateSnapshotDto']) =>
      sendJson<ApiSchemas['EnqueuedSnapshotDto']>('POST', '/api/v1/snapshots', input),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: ['snapshots'] });
      client.setQueryData(['snapshot-progress', 'wake'], Date.now());
    },
  });
}
