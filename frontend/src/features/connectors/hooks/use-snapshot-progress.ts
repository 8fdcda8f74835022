import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { readEventStream } from '../../../api/server-sent-events';
import type { SnapshotProgress } from './use-connectors';

const IDLE_RECONNECT_MS = 5000;

/**
 * Live progress of every queued and running snapshot from `GET /api/v1/snapshots/progress` (SSE).
 * The server ends the stream when nothing runs; the hook reconnects after the server's `retry`
 * delay, at once when a snapshot is started from this page.
 */
export function useSnapshotProgress(): { runs: SnapshotProgress[]; error: string | null; connected: boolean } {
  const client = useQueryClient();
  const [runs, setRuns] = useState<Map<string, SnapshotProgress>>(new Map());
  const [error, setError] = useState<string | null>(null);
  const [connected, setConnected] = useState(false);
  // Starting a snapshot bumps this value so the stream reconnects without waiting.
  const { data: wake } = useQuery({ queryKey: ['snapshot-progress', 'wake'], queryFn: () => 0, staleTime: Infinity });

  useEffect(() => {
    const abort = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const connect = () => {
      setConnected(true);
      readEventStream(
        '/api/v1/snapshots/progress',
        (event) => {
          if (event.event !== 'progress') return;
          const data = JSON.parse(event.data) as { runs: SnapshotProgress[]; active: number };
          setError(null);
          setRuns((current) => {
            const next = new Map(current);
            for (const run of data.runs) next.set(run.runId, run);
            return next;
          });
          if (data.runs.some((r) => r.status !== 'running' && r.status !== 'queued')) {
            void client.invalidateQueries({ queryKey: ['snapshots'] });
            void client.invalidateQueries({ queryKey: ['connectors'] });
          }
        },
        abort.signal,
      )
        .then(({ retryMs }) => {
          setConnected(false);
          timer = setTimeout(connect, retryMs ?? IDLE_RECONNECT_MS);
        })
        .catch((e: unknown) => {
          if (abort.signal.aborted) return;
          setConnected(false);
          setError(e instanceof Error ? e.message : String(e));
          timer = setTimeout(connect, IDLE_RECONNECT_MS * 2);
        });
    };
    connect();
    return () => {
      abort.abort();
      if (timer) clearTimeout(timer);
    };
  }, [wake, client]);

  return { runs: [...runs.values()].sort((a, b) => a.runId.localeCompare(b.runId)), error, connected };
}
