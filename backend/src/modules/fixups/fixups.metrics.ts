import { Counter, Gauge, register, type Registry } from 'prom-client';

/**
 * Fix-up metrics on prom-client's default registry (what `/metrics` serves): tasks per state (set from
 * Postgres, so every process reports the same truth) and corrective writes by connector and outcome.
 */
export class FixupsMetrics {
  readonly tasks: Gauge<'status'>;
  readonly sync: Counter<'connector' | 'outcome'>;

  constructor(registry: Registry = register) {
    this.tasks =
      (registry.getSingleMetric('driftwatch_fix_tasks') as Gauge<'status'> | undefined) ??
      new Gauge({
        name: 'driftwatch_fix_tasks',
        help: 'Fix-up tasks by state (proposed, queued, done, dead_lettered, …).',
        labelNames: ['status'] as const,
        registers: [registry],
      });
    this.sync =
      (registry.getSingleMetric('driftwatch_corrective_sync_total') as Counter<'connector' | 'outcome'> | undefined) ??
      new Counter({
        name: 'driftwatch_corrective_sync_total',
        help: 'Corrective writes by target connector and outcome: applied, already_applied, conflict, rejected, retried, dead_lettered, verify_failed.',
        labelNames: ['connector', 'outcome'] as const,
        registers: [registry],
      });
  }

  setStates(counts: Record<string, number>, states: readonly string[]): void {
    for (const state of states) this.tasks.set({ status: state }, counts[state] ?? 0);
  }
}
