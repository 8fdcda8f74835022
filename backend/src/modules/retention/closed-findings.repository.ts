import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** Statuses a finding leaves the active set with for good unless a run sees it again. */
const CLOSED_STATUSES = ['resolved', 'retired'] as const;

export interface ClosedFindingsPruned {
  findings: number;
  /** Their done or dismissed fix-up tasks (with each task's event trail). */
  fixTasks: number;
}

/**
 * Deletes findings resolved or retired before a cutoff, with their finished fix-up tasks. A finding
 * stays while a fix-up task of it is unfinished, or while a stewardship item names it or one of its
 * tasks (a steward's decision keeps what it was about). The dashboard rollups do not change: a closed
 * finding counts in no open total, and its day's opened and resolved figures stay where they were
 * counted (the delete trigger of migration 0008 only counts active rows leaving). A finding a run sees
 * again after its deletion is new again, first seen that day.
 */
@Injectable()
export class ClosedFindingsRepository {
  batchSize = 5000;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async prune(cutoff: Date): Promise<ClosedFindingsPruned> {
    const pruned: ClosedFindingsPruned = { findings: 0, fixTasks: 0 };
    for (const status of CLOSED_STATUSES) {
      const one = await this.pruneStatus(status, cutoff);
      pruned.findings += one.findings;
      pruned.fixTasks += one.fixTasks;
    }
    return pruned;
  }

  /**
   * One closed status's findings, in keyset batches over (status_changed_at, id): findings that must
   * stay are stepped over once, not re-read by every batch. Each batch is one range of
   * findings_status_status_changed_idx (migration 0016), oldest first.
   */
  async pruneStatus(status: (typeof CLOSED_STATUSES)[number], cutoff: Date): Promise<ClosedFindingsPruned> {
    const pruned: ClosedFindingsPruned = { findings: 0, fixTasks: 0 };
    let after: { at: string; id: string } = { at: '-infinity', id: '' };
    for (;;) {
      const [row] = await this.dataSource.query<
        { scanned: number; findings: number; tasks: number; last_at: string | null; last_id: string | null }[]
      >(
        `WITH candidates AS (
             SELECT id, status_changed_at FROM findings
             WHERE status = $1 AND status_changed_at < $2 AND (status_changed_at, id) > ($3::timestamptz, $4::text)
             ORDER BY status_changed_at, id LIMIT $5
           ), doomed AS (
             SELECT c.id FROM candidates c
             WHERE NOT EXISTS (SELECT 1 FROM fix_tasks t WHERE t.finding_id = c.id AND t.state NOT IN ('done', 'dismissed'))
               AND NOT EXISTS (SELECT 1 FROM stewardship_items s WHERE s.source_type = 'finding' AND s.source_id = c.id)
               AND NOT EXISTS (SELECT 1 FROM fix_tasks t JOIN stewardship_items s
                 ON s.source_type = 'fixup_task' AND s.source_id = t.id::text WHERE t.finding_id = c.id)
           ), gone AS (
             -- A run may have seen one again meanwhile: it is active then, and stays with its tasks.
             DELETE FROM findings f USING doomed d WHERE f.id = d.id AND f.status = $1 RETURNING f.id
           ), tasks AS (
             -- In the same statement: the foreign key is checked at its end, when both are gone.
             DELETE FROM fix_tasks t USING gone g WHERE t.finding_id = g.id RETURNING 1
           ), last AS (
             SELECT status_changed_at, id FROM candidates ORDER BY status_changed_at DESC, id DESC LIMIT 1
           )
           SELECT (SELECT count(*)::integer FROM candidates) AS scanned,
             (SELECT count(*)::integer FROM gone) AS findings, (SELECT count(*)::integer FROM tasks) AS tasks,
             (SELECT to_char(status_changed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') FROM last) AS last_at,
             (SELECT id FROM last) AS last_id`,
        [status, cutoff, after.at, after.id, this.batchSize],
      );
      pruned.findings += row.findings;
      pruned.fixTasks += row.tasks;
      if (row.scanned < this.batchSize || row.last_at === null || row.last_id === null) return pruned;
      after = { at: row.last_at, id: row.last_id };
    }
  }
}
