import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { getJson, sendJson, withQuery } from '../../../api/http-client';

export interface SnapshotRunSummary {
  runId: string;
  connectorId: string;
  entity: string;
  mode: string;
  status: string;
  rowsWritten: number;
  rowsPerS: number | null;
  startedAt: string | null;
  finishedAt: string | null;
  error: string | null;
}

export interface SnapshotProgress {
  runId: string;
  connectorId: string;
  entity: string;
  mode: string;
  status: 'queued' | 'running' | 'complete' | 'partial' | 'failed';
  rowsRead: number;
  rowsWritten: number;
  rejects: number;
  elapsedMs: number;
  rowsPerS: number;
  total: number | null;
  percent: number | null;
  etaS: number | null;
  error: string | null;
}

export interface EntitySnapshotStatus {
  entity: string;
  schedules: { mode: string; cron: string; intervalSeconds: number | null }[];
  lastComplete: SnapshotRunSummary | null;
  lastCompleteFull: SnapshotRunSummary | null;
  lastFinished: SnapshotRunSummary | null;
  ageSeconds: number | null;
  freshness: 'fresh' | 'stale' | 'never' | 'unscheduled';
  throughputRowsPerS: number | null;
  throughputRuns: number;
}

export interface ConnectorStatus {
  id: string;
  kind: string;
  entities: string[];
  writableEntities: string[];
  incremental: boolean;
  changeEvents: boolean;
  health: { up: boolean; latencyMs: number; detail?: string; checkedAt: string; cached: boolean };
  snapshots: EntitySnapshotStatus[];
  running: SnapshotProgress[];
}

export interface SnapshotRun {
  id: string;
  connectorId: string;
  entity: string;
  mode: string;
  trigger: string;
  status: string;
  rowsRead: number;
  rowsWritten: number;
  rejects: number;
  queuedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
  error: string | null;
}

export function useConnectors() {
  return useQuery({
    queryKey: ['connectors'],
    queryFn: async () => (await getJson<{ items: ConnectorStatus[] }>('/api/v1/connectors')).items,
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
    mutationFn: (input: { connectorId: string; entity: string; mode: 'full' | 'incremental' }) =>
      sendJson<{ runId: string; jobId: string }>('POST', '/api/v1/snapshots', input),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: ['snapshots'] });
      client.setQueryData(['snapshot-progress', 'wake'], Date.now());
    },
  });
}
