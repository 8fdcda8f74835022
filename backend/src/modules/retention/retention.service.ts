import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '../../config/config.service';
import { AuditService } from '../audit/audit.service';
import { ClosedFindingsRepository } from './closed-findings.repository';
import { cutoffOf, partitionOlderThan, retainedTables } from './retention-plan';
import { RetentionRepository, type TablePartition } from './retention.repository';
import { RunHistoryRepository } from './run-history.repository';

export interface TableRetention {
  table: string;
  days: number;
  cutoff: string;
  dropped: TablePartition[];
  /** Old enough, but holding a snapshot that reads still use. */
  kept: string[];
}

export interface RetentionOutcome {
  at: string;
  tables: TableRetention[];
  /** Snapshots taken out of the catalog because their rows were dropped. */
  forgottenSnapshots: number;
  /** Postgres rows deleted per history (`audit_log:connector-events` for received events' entries). */
  pruned: Record<string, number>;
}

/**
 * Drops ClickHouse history older than the configured retention, a month partition at a time: snapshots
 * (never one that reads still use), rejected records, each run's raw findings and status events. Then
 * deletes Postgres run history past its own retention: reconciliation and snapshot runs (never one that
 * reads still use), alert deliveries, received connector events' audit entries and, when configured,
 * the rest of the audit log, and findings closed (resolved or retired) long ago with their finished
 * fix-up tasks. Current state, the catalog of kept snapshots, active and suppressed findings and the
 * dashboard's daily rollups stay. Every pass that drops or deletes something is audited.
 */
@Injectable()
export class RetentionService {
  private readonly logger = new Logger(RetentionService.name);

  constructor(
    private readonly repository: RetentionRepository,
    private readonly history: RunHistoryRepository,
    private readonly closedFindings: ClosedFindingsRepository,
    private readonly config: ConfigService,
    private readonly audit: AuditService,
  ) {}

  async apply(at: Date): Promise<RetentionOutcome> {
    const tables = retainedTables({
      SNAPSHOT_RETENTION_DAYS: this.config.get('SNAPSHOT_RETENTION_DAYS'),
      FINDINGS_HISTORY_RETENTION_DAYS: this.config.get('FINDINGS_HISTORY_RETENTION_DAYS'),
      ENTITY_EVENTS_RETENTION_DAYS: this.config.get('ENTITY_EVENTS_RETENTION_DAYS'),
    });
    // Read once, and only when some snapshot table has a month old enough to drop.
    let protectedIds: Promise<string[]> | undefined;
    const outcome: RetentionOutcome = { at: at.toISOString(), tables: [], forgottenSnapshots: 0, pruned: {} };
    for (const { table, days, snapshots } of tables) {
      const cutoff = cutoffOf(at, days);
      const old = (await this.repository.partitions(table)).filter((p) => partitionOlderThan(p.partitionId, cutoff));
      const keep = new Set(
        snapshots && old.length > 0
          ? await this.repository.partitionsHolding(
              table,
              await (protectedIds ??= this.repository.protectedSnapshotIds()),
            )
          : [],
      );
      const dropped = old.filter((p) => !keep.has(p.partitionId));
      if (snapshots) {
        const gone = await this.repository.snapshotsIn(
          table,
          dropped.map((p) => p.partitionId),
        );
        await this.repository.forgetSnapshots(gone);
        outcome.forgottenSnapshots += gone.length;
      }
      for (const p of dropped) await this.repository.dropPartition(table, p.partitionId);
      outcome.tables.push({
        table,
        days,
        cutoff: cutoff.toISOString(),
        dropped,
        kept: old.filter((p) => keep.has(p.partitionId)).map((p) => p.partitionId),
      });
    }
    const dropped = outcome.tables.flatMap((t) => t.dropped.map((p) => `${t.table}/${p.partitionId}`));
    outcome.pruned = await this.pruneHistory(at);
    const pruned = Object.entries(outcome.pruned).filter(([, n]) => n > 0);
    if (pruned.length > 0) {
      await this.audit.record({
        actor: 'system:retention',
        action: 'retention.prune',
        subjectType: 'postgres',
        subjectId: null,
        before: null,
        after: {
          at: outcome.at,
          runHistoryDays: this.config.get('RUN_HISTORY_RETENTION_DAYS'),
          auditLogDays: this.config.get('AUDIT_LOG_RETENTION_DAYS'),
          closedFindingsDays: this.config.get('CLOSED_FINDINGS_RETENTION_DAYS'),
          deleted: outcome.pruned,
        },
      });
    }
    if (dropped.length > 0) {
      await this.audit.record({
        actor: 'system:retention',
        action: 'retention.drop',
        subjectType: 'clickhouse',
        subjectId: null,
        before: null,
        after: outcome,
      });
    }
    this.logger.log(
      dropped.length > 0
        ? `retention: dropped ${dropped.join(', ')}; ${outcome.forgottenSnapshots} snapshots left the catalog`
        : 'retention: nothing older than the retention to drop',
    );
    if (pruned.length > 0) {
      this.logger.log(`retention: deleted ${pruned.map(([history, n]) => `${n} ${history}`).join(', ')}`);
    }
    return outcome;
  }

  private async pruneHistory(at: Date): Promise<Record<string, number>> {
    const pruned: Record<string, number> = {};
    const runDays = this.config.get('RUN_HISTORY_RETENTION_DAYS');
    if (runDays > 0) {
      const cutoff = cutoffOf(at, runDays);
      pruned.reconciliation_runs = await this.history.pruneReconciliationRuns(cutoff);
      pruned.snapshot_runs = await this.history.pruneSnapshotRuns(cutoff);
      pruned.alert_deliveries = await this.history.pruneAlertDeliveries(cutoff);
      pruned['audit_log:connector-events'] = await this.history.pruneAuditLog(cutoff, 'connector-events');
    }
    const auditDays = this.config.get('AUDIT_LOG_RETENTION_DAYS');
    if (auditDays > 0) pruned.audit_log = await this.history.pruneAuditLog(cutoffOf(at, auditDays), 'others');
    const findingDays = this.config.get('CLOSED_FINDINGS_RETENTION_DAYS');
    if (findingDays > 0) {
      const closed = await this.closedFindings.prune(cutoffOf(at, findingDays));
      pruned.findings = closed.findings;
      pruned.fix_tasks = closed.fixTasks;
    }
    return pruned;
  }
}
