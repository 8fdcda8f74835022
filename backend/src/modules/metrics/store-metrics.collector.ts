import { Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bull';
import { Counter, Gauge, register, type Registry } from 'prom-client';
import { JobEnqueuer } from '../../queues/job-enqueuer';
import { QUEUE } from '../../queues/queue-names';
import { MetricsRepository, type StoreFigures } from './metrics.repository';

/** One read of the stores serves every metric of a scrape (and scrapes within this window). */
const FIGURES_TTL_MS = 5000;
const QUEUE_STATES = ['waiting', 'active', 'delayed', 'failed'] as const;

interface QueueCounts {
  queue: string;
  counts: Record<(typeof QUEUE_STATES)[number], number>;
}

/**
 * Prometheus metrics read from the stores at scrape time: findings (open by rule, severity, domain,
 * system; opened and resolved totals), SLA breach findings, snapshot runs and freshness,
 * reconciliation runs, and Bull queue depths. Reading facts the runs recorded (rather than counting
 * in one process) gives every process the same values and survives restarts; dashboards take
 * `max` or any one instance. A failed read is counted in driftwatch_metrics_collect_failures_total
 * and logged; the scrape still answers with the other metrics.
 */
@Injectable()
export class StoreMetricsCollector {
  private readonly logger = new Logger(StoreMetricsCollector.name);
  private figures: { at: number; value: Promise<StoreFigures | null> } | undefined;
  private readonly failures: Counter<'source'>;
  private registryQueues: Queue[] = [];
  /** Queues outside the static registry (one per fix-up target), named when a scrape reads them. */
  private readonly queueSources: (() => Queue[])[] = [];
  /** One read of every queue's counts serves the four queue gauges of a scrape. */
  private queueCounts: { at: number; value: Promise<QueueCounts[]> } | undefined;

  constructor(
    private readonly repository: MetricsRepository,
    jobs: JobEnqueuer,
  ) {
    const registry = register;
    this.failures = fresh(
      registry,
      'driftwatch_metrics_collect_failures_total',
      () =>
        new Counter({
          name: 'driftwatch_metrics_collect_failures_total',
          help: 'Scrapes whose read of a store failed (the metrics of that store were left out).',
          labelNames: ['source'],
          registers: [registry],
        }),
    );
    const figures = () => this.read();
    const gauge = <L extends string>(
      name: string,
      help: string,
      labelNames: readonly L[],
      fill: (g: Gauge<L>, f: StoreFigures) => void,
    ) =>
      fresh(
        registry,
        name,
        () =>
          new Gauge<L>({
            name,
            help,
            labelNames,
            registers: [registry],
            async collect() {
              const f = await figures();
              this.reset();
              if (f) fill(this, f);
            },
          }),
      );
    const counter = <L extends string>(
      name: string,
      help: string,
      labelNames: readonly L[],
      fill: (c: Counter<L>, f: StoreFigures) => void,
    ) =>
      fresh(
        registry,
        name,
        () =>
          new Counter<L>({
            name,
            help,
            labelNames,
            registers: [registry],
            async collect() {
              const f = await figures();
              if (!f) return;
              // Totals are counts of recorded facts (deleted runs stay counted: migration 0018): set, not added.
              this.reset();
              fill(this, f);
            },
          }),
      );

    gauge(
      'driftwatch_findings_open',
      'Open findings (new, open, reopened) now.',
      ['rule', 'severity', 'domain', 'system', 'kind'],
      (g, f) => {
        for (const o of f.open)
          g.inc({ rule: o.rule, severity: o.severity, domain: o.domain, system: o.system, kind: o.kind }, o.n);
      },
    );
    counter('driftwatch_findings_opened_total', 'Findings opened or reopened, ever.', ['rule'], (c, f) => {
      for (const r of f.flow) c.inc({ rule: r.rule }, r.opened);
    });
    counter('driftwatch_findings_resolved_total', 'Findings resolved, ever.', ['rule'], (c, f) => {
      for (const r of f.flow) c.inc({ rule: r.rule }, r.resolved);
    });
    gauge(
      'driftwatch_sla_breached_findings',
      'Open propagation-SLA breach findings (latest breach per key).',
      ['rule', 'system'],
      (g, f) => {
        for (const o of f.open) if (o.kind === 'sla_breach') g.inc({ rule: o.rule, system: o.system }, o.n);
      },
    );
    counter(
      'driftwatch_snapshot_runs_total',
      'Finished snapshot runs by outcome.',
      ['system', 'entity', 'status'],
      (c, f) => {
        for (const r of f.snapshotRuns) c.inc({ system: r.system, entity: r.entity, status: r.status }, r.runs);
      },
    );
    counter(
      'driftwatch_snapshot_rows_total',
      'Rows written by complete snapshot runs.',
      ['system', 'entity'],
      (c, f) => {
        for (const r of f.snapshotRuns) if (r.rows > 0) c.inc({ system: r.system, entity: r.entity }, r.rows);
      },
    );
    gauge(
      'driftwatch_snapshot_age_seconds',
      'Seconds since the last complete snapshot finished.',
      ['system', 'entity'],
      (g, f) => {
        for (const r of f.snapshotLatest) g.set({ system: r.system, entity: r.entity }, r.ageSeconds);
      },
    );
    gauge(
      'driftwatch_snapshot_last_duration_seconds',
      'Duration of the last complete snapshot.',
      ['system', 'entity'],
      (g, f) => {
        for (const r of f.snapshotLatest)
          if (r.durationSeconds !== null) g.set({ system: r.system, entity: r.entity }, r.durationSeconds);
      },
    );
    counter('driftwatch_reconciliation_runs_total', 'Reconciliation runs by outcome.', ['status'], (c, f) => {
      for (const r of f.reconciliationRuns) c.inc({ status: r.status }, r.runs);
    });
    gauge(
      'driftwatch_rule_last_run_duration_seconds',
      'Each rule’s duration in the latest complete full run.',
      ['rule'],
      (g, f) => {
        for (const r of f.ruleDurations) g.set({ rule: r.rule }, r.seconds);
      },
    );

    // Every queue of the registry, and every queue a module added (corrective sync per target): a
    // backlog or a dead letter in any of them is worth an alert.
    this.registryQueues = Object.values(QUEUE).map((name) => jobs.queue(name));
    const queueCounts = () => this.readQueueCounts();
    for (const state of QUEUE_STATES) {
      fresh(
        registry,
        `driftwatch_queue_jobs_${state}`,
        () =>
          new Gauge<'queue'>({
            name: `driftwatch_queue_jobs_${state}`,
            help: `Jobs ${state} per Bull queue${state === 'failed' ? ' (exhausted retries: the dead-letter set)' : ''}.`,
            labelNames: ['queue'],
            registers: [registry],
            async collect() {
              this.reset();
              for (const { queue, counts } of await queueCounts()) this.set({ queue }, counts[state]);
            },
          }),
      );
    }
  }

  /** Adds queues whose depths every scrape reports too; `source` is asked at each scrape. */
  watchQueues(source: () => Queue[]): void {
    this.queueSources.push(source);
  }

  private readQueueCounts(): Promise<QueueCounts[]> {
    const now = Date.now();
    if (this.queueCounts && now - this.queueCounts.at < FIGURES_TTL_MS) return this.queueCounts.value;
    const value = Promise.all(
      this.queues().map(async (queue) => {
        try {
          return [{ queue: queue.name, counts: await queue.getJobCounts() }];
        } catch (error) {
          this.failures.inc({ source: 'redis' });
          this.logger.warn(`queue ${queue.name} counts unavailable: ${(error as Error).message}`);
          return [];
        }
      }),
    ).then((rows) => rows.flat());
    this.queueCounts = { at: now, value };
    return value;
  }

  private queues(): Queue[] {
    return [
      ...this.registryQueues,
      ...this.queueSources.flatMap((source) => {
        try {
          return source();
        } catch (error) {
          this.failures.inc({ source: 'queues' });
          this.logger.warn(`queues unavailable: ${(error as Error).message}`);
          return [];
        }
      }),
    ];
  }

  private read(): Promise<StoreFigures | null> {
    const now = Date.now();
    if (this.figures && now - this.figures.at < FIGURES_TTL_MS) return this.figures.value;
    const value = this.repository.figures().catch((error: unknown) => {
      this.failures.inc({ source: 'postgres' });
      this.logger.warn(`store metrics unavailable: ${error instanceof Error ? error.message : String(error)}`);
      return null;
    });
    this.figures = { at: now, value };
    return value;
  }
}

/** Registers a metric, replacing one of the same name (a second app in the same process, tests). */
function fresh<M>(registry: Registry, name: string, create: () => M): M {
  registry.removeSingleMetric(name);
  return create();
}
