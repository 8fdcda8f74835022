import { Inject, Injectable, OnModuleInit, Optional } from '@nestjs/common';
import { StoreMetricsCollector } from '../metrics/store-metrics.collector';
import { CorrectiveSyncQueues } from './corrective-sync-queues';
import { FIXUP_TARGETS, type FixupTargets } from './fixup-connectors';

/**
 * Reports each configured target's `corrective-sync:<connector>` queue in `driftwatch_queue_jobs_*`
 * beside the registry's queues: a target that stopped taking writes shows as a growing backlog or
 * dead-letter set of its own, before its fix-up tasks age.
 */
@Injectable()
export class CorrectiveSyncQueueMetrics implements OnModuleInit {
  constructor(
    // Absent where no /metrics is served (the fixups CLI, harnesses without the metrics module).
    @Optional() @Inject(StoreMetricsCollector) private readonly collector: StoreMetricsCollector | null,
    private readonly queues: CorrectiveSyncQueues,
    @Inject(FIXUP_TARGETS) private readonly targets: FixupTargets,
  ) {}

  onModuleInit(): void {
    this.collector?.watchQueues(() => this.targets.ids().map((id) => this.queues.queue(id)));
  }
}
