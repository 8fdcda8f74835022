import { Global, Module } from '@nestjs/common';
import { MetricsRepository } from './metrics.repository';
import { StoreMetricsCollector } from './store-metrics.collector';

/** Store-derived Prometheus metrics (findings, SLA, snapshots, runs, queues) on /metrics of every role. */
@Global()
@Module({ providers: [MetricsRepository, StoreMetricsCollector], exports: [StoreMetricsCollector] })
export class MetricsModule {}
