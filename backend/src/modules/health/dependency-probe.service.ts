import { getQueueToken } from '@nestjs/bull';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Queue } from 'bull';
import { DataSource } from 'typeorm';
import { ClickHouseService } from '../../clickhouse/clickhouse.service';
import { QUEUE } from '../../queues/queue-names';

export type DependencyName = 'clickhouse' | 'postgres' | 'redis';
export interface DependencyStatus {
  name: DependencyName;
  up: boolean;
  latencyMs: number;
  error?: string;
}

const PROBE_TIMEOUT_MS = 2000;

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Pings the three stores. Bull retries silently when Redis is down, so Redis is pinged too. */
@Injectable()
export class DependencyProbeService {
  constructor(
    private readonly clickhouse: ClickHouseService,
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(getQueueToken(QUEUE.snapshot)) private readonly queue: Queue,
  ) {}

  async probeAll(): Promise<DependencyStatus[]> {
    return Promise.all([
      this.probe('clickhouse', async () => {
        if (!(await this.clickhouse.ping())) throw new Error('ping failed');
      }),
      this.probe('postgres', async () => {
        await this.dataSource.query('SELECT 1');
      }),
      this.probe('redis', async () => {
        await this.queue.client.ping();
      }),
    ]);
  }

  private async probe(name: DependencyName, check: () => Promise<void>): Promise<DependencyStatus> {
    const started = performance.now();
    try {
      await withTimeout(check(), PROBE_TIMEOUT_MS);
      return { name, up: true, latencyMs: Math.round(performance.now() - started) };
    } catch (error) {
      return {
        name,
        up: false,
        latencyMs: Math.round(performance.now() - started),
        error: error instanceof Error ? error.message : String(error),
      };
    }
  }
}
