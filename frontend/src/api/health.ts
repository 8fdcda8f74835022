import { useQuery } from '@tanstack/react-query';
import { getJson } from './http-client';

export interface DependencyStatus {
  name: 'clickhouse' | 'postgres' | 'redis';
  up: boolean;
  latencyMs: number;
  error?: string;
}

export interface Readiness {
  status: 'ok' | 'unavailable';
  checks: DependencyStatus[];
}

export function useReadiness() {
  return useQuery({
    queryKey: ['health', 'ready'],
    queryFn: () => getJson<Readiness>('/health/ready'),
    refetchInterval: 15_000,
  });
}
