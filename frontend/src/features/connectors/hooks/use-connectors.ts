import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { ApiSchemas } from '../../../api/api-schemas';
import { api, answer } from '../../../api/api-client';

export type SnapshotRunSummary = ApiSchemas['SnapshotRunSummaryDto'];
export type SnapshotProgress = ApiSchemas['SnapshotProgressDto'];
export type EntitySnapshotStatus = ApiSchemas['EntitySnapshotStatusDto'];
export type ConnectorStatus = ApiSchemas['ConnectorStatusDto'];

export function useConnectors() {
  return useQuery({
    queryKey: ['connectors'],
    queryFn: async () => (await answer(api.GET('/api/v1/connectors'))).items,
    refetchInterval: 30_000,
  });
}

export const SNAPSHOT_RUN_STATUSES = ['queued', 'running', 'complete', 'partial', 'failed'] as const;
export type SnapshotRunStatus = (typeof SNAPSHOT_RUN_STATUSES)[number];

/** The latest runs, of one connector or in one status when given (a busy WMS's event runs hide the rest). */
export function useSnapshotRuns(filters: { connectorId?: string; status?: SnapshotRunStatus } = {}, limit = 30) {
  return useQuery({
    queryKey: ['snapshots', limit, filters.connectorId ?? '', filters.status ?? ''],
    queryFn: () => answer(api.GET('/api/v1/snapshots', { params: { query: { ...filters, limit } } })),
    refetchInterval: 15_000,
  });
}

export function useStartSnapshot() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (input: ApiSchemas['CreateSnapshotDto']) => answer(api.POST('/api/v1/snapshots', { body: input })),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: ['snapshots'] });
      client.setQueryData(['snapshot-progress', 'wake'], Date.now());
    },
  });
}
