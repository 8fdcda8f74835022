import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { mergedRanges } from '../../database/merged-ranges';
import type { FixupReviewsListQuery, FixupsListQuery } from './fixups-query';
import type { FixupBacklog } from './fixup-task';
import {
  FIXUP_STATES,
  OPEN_FILTER,
  REFUSED_BY_TARGET,
  type FixupEventView,
  type FixupReviewView,
  type FixupState,
  type FixupTaskView,
  type NewFixupTask,
  type ReviewReason,
} from './fixup-task';
import { REVIEW_STATES, sourcesOf, TERMINAL_STATES } from './fixup-state-machine';

interface TaskRecord {
  id: string;
  finding_id: string;
  rule_id: string;
  rule_kind: string;
  finding_kind: string;
  entity: string;
  match_key: string;
  target_system: string;
  source_key: string;
  changes: FixupTaskView['changes'];
  policy: FixupTaskView['policy'];
  state: FixupState;
  state_reason: string | null;
  attempts: number;
  last_error: string | null;
  idempotency_key: string;
  job_generation: number;
  created_run_id: string;
  resolved_run_id: string | null;
  created_at: string;
  updated_at: string;
  applied_at: string | null;
  finished_at: string | null;
}

/** Optional column changes that travel with a transition, in the same statement. */
export interface TransitionPatch {
  lastError?: string | null;
  incrementAttempts?: boolean;
  /** A new Bull job generation (retry, replay): the next job id differs from the spent one. */
  nextJobGeneration?: boolean;
  claim?: { worker: string; leaseMs: number } | null;
  appliedAt?: boolean;
  finished?: boolean;
  autoApproved?: boolean;
  /** Closes the task for planning (the run that closed it): its base key may get a fresh task later. */
  resolvedRunId?: string;
}

export interface TransitionRequest {
  ids: readonly string[];
  to: FixupState;
  /** Accepted current states; default: every state the table allows into `to`. */
  from?: readonly FixupState[];
  actor: string;
  reason?: string | null;
  details?: unknown;
  patch?: TransitionPatch;
  /** Move only tasks with at least one field change (approving a task that writes nothing is refused). */
  requireChanges?: boolean;
}

export interface Moved {
  id: string;
  from: FixupState;
}

const ts = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
const TASK_COLUMNS = `id::text AS id, finding_id, rule_id, rule_kind, finding_kind, entity, match_key, target_system,
  source_key, changes, policy, state, state_reason, attempts, last_error, idempotency_key, job_generation,
  created_run_id::text AS created_run_id, resolved_run_id::text AS resolved_run_id, ${ts('created_at')} AS created_at,
  ${ts('updated_at')} AS updated_at, ${ts('applied_at')} AS applied_at, ${ts('finished_at')} AS finished_at`;

// Column names come only from these maps; values only ever travel as $n parameters.
const FILTER_COLUMNS = {
  state: 'state',
  ruleId: 'rule_id',
  system: 'target_system',
  policy: 'policy',
  findingId: 'finding_id',
  createdRunId: 'created_run_id::text',
} as const;
const SORT_COLUMNS = { createdAt: 'created_at', updatedAt: 'updated_at' } as const;

/** Fix-up tasks and their transition trail (Postgres `fix_tasks`, `fix_task_events`). */
@Injectable()
export class FixupsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Creates tasks, at most one open task per base key: a base key (finding, target, changes) that still
   * has a task not closed by a reconciliation run is skipped. The idempotency key is the base key plus
   * the number of earlier tasks of that base key that runs closed, so it is deterministic and unique.
   */
  async insertMany(tasks: readonly NewFixupTask[], actor: string): Promise<FixupTaskView[]> {
    if (tasks.length === 0) return [];
    const col = <T>(pick: (t: NewFixupTask) => T): T[] => tasks.map(pick);
    const rows: TaskRecord[] = await this.dataSource.query(
      `WITH input AS (
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
           $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::uuid[])
           AS u(finding_id, rule_id, rule_kind, finding_kind, entity, match_key, target_system, source_key, changes,
                policy, state, state_reason, base_key, created_run_id)
       ),
       fresh AS (
         SELECT DISTINCT ON (i.base_key) i.* FROM input i
         WHERE NOT EXISTS (SELECT 1 FROM fix_tasks p WHERE p.base_key = i.base_key AND p.resolved_run_id IS NULL)
       ),
       ins AS (
         INSERT INTO fix_tasks (finding_id, rule_id, rule_kind, finding_kind, entity, match_key, target_system,
           source_key, changes, policy, state, state_reason, base_key, idempotency_key, created_run_id,
           auto_approved_at)
         SELECT f.finding_id, f.rule_id, f.rule_kind, f.finding_kind, f.entity, f.match_key, f.target_system,
           f.source_key, f.changes::jsonb, f.policy, f.state, f.state_reason, f.base_key,
           f.base_key || ':' || (SELECT count(*) FROM fix_tasks p WHERE p.base_key = f.base_key), f.created_run_id,
           CASE WHEN f.state = 'approved' AND f.policy = 'auto' THEN now() END
         FROM fresh f
         ON CONFLICT (idempotency_key) DO NOTHING
         RETURNING *
       ),
       ev AS (
         INSERT INTO fix_task_events (task_id, from_state, to_state, actor, reason)
         SELECT id, NULL, state, $15, state_reason FROM ins
       )
       SELECT ${TASK_COLUMNS} FROM ins`,
      [
        col((t) => t.findingId),
        col((t) => t.ruleId),
        col((t) => t.ruleKind),
        col((t) => t.findingKind),
        col((t) => t.entity),
        col((t) => t.matchKey),
        col((t) => t.targetSystem),
        col((t) => t.sourceKey),
        col((t) => JSON.stringify(t.changes)),
        col((t) => t.policy),
        col((t) => t.state),
        col((t) => t.stateReason),
        col((t) => t.baseKey),
        col((t) => t.createdRunId),
        actor,
      ],
    );
    return rows.map(toView);
  }

  /**
   * Compare-and-set: moves the tasks that are in one of `from` right now to `to` and records one event
   * each, in one statement. Rows are locked first, so of two concurrent callers exactly one moves a task;
   * the other gets nothing back for it.
   */
  async transition(request: TransitionRequest): Promise<Moved[]> {
    if (request.ids.length === 0) return [];
    const from = request.from ?? sourcesOf(request.to);
    const params: unknown[] = [[...request.ids], [...from], request.to, request.reason ?? null];
    const bind = (value: unknown) => {
      params.push(value);
      return `$${params.length}`;
    };
    const sets = ['state = $3', 'state_reason = $4', 'updated_at = now()'];
    const patch = request.patch ?? {};
    if (patch.lastError !== undefined) sets.push(`last_error = ${bind(patch.lastError)}`);
    if (patch.incrementAttempts) sets.push('attempts = t.attempts + 1');
    if (patch.nextJobGeneration) sets.push('job_generation = t.job_generation + 1');
    if (patch.claim === null) sets.push('claimed_by = NULL, claim_expires_at = NULL');
    if (patch.claim) {
      sets.push(`claimed_by = ${bind(patch.claim.worker)}`);
      sets.push(`claim_expires_at = now() + ${bind(patch.claim.leaseMs)} * interval '1 millisecond'`);
    }
    if (patch.appliedAt) sets.push('applied_at = now()');
    if (patch.finished) sets.push('finished_at = now()');
    if (patch.autoApproved) sets.push('auto_approved_at = now()');
    if (patch.resolvedRunId) sets.push(`resolved_run_id = ${bind(patch.resolvedRunId)}::uuid`);
    const actor = bind(request.actor);
    const details = bind(request.details === undefined ? null : JSON.stringify(request.details));
    const rows: { id: string; prev: FixupState }[] = await this.dataSource.query(
      `WITH locked AS (
         SELECT id, state FROM fix_tasks WHERE id = ANY($1::uuid[]) AND state = ANY($2::text[])
           ${request.requireChanges ? 'AND jsonb_array_length(changes) > 0' : ''}
         ORDER BY id FOR UPDATE
       ),
       moved AS (
         UPDATE fix_tasks t SET ${sets.join(', ')} FROM locked WHERE t.id = locked.id
         RETURNING t.id, locked.state AS prev
       ),
       ev AS (
         INSERT INTO fix_task_events (task_id, from_state, to_state, actor, reason, details)
         SELECT id, prev, $3, ${actor}, $4, ${details}::jsonb FROM moved
       )
       SELECT id::text AS id, prev FROM moved`,
      params,
    );
    return rows.map((r) => ({ id: r.id, from: r.prev }));
  }

  /**
   * Claims tasks for applying: queued ones, and applying ones whose worker's lease ran out (it died
   * mid-apply). A live worker's claim is never taken over. Returns the claimed tasks as they are now
   * (one statement: lock, move, record the event, read back).
   */
  async claim(ids: readonly string[], worker: string, leaseMs: number): Promise<FixupTaskView[]> {
    if (ids.length === 0) return [];
    const rows: TaskRecord[] = await this.dataSource.query(
      `WITH locked AS (
         SELECT id, state FROM fix_tasks
         WHERE id = ANY($1::uuid[])
           AND (state = 'queued'
             OR (state IN ('applying', 'verifying') AND (claim_expires_at IS NULL OR claim_expires_at < now())))
         ORDER BY id FOR UPDATE
       ),
       moved AS (
         UPDATE fix_tasks t SET state = 'applying', state_reason = NULL, claimed_by = $2,
           claim_expires_at = now() + $3 * interval '1 millisecond', attempts = t.attempts + 1, updated_at = now()
         FROM locked WHERE t.id = locked.id
         RETURNING t.*, locked.state AS prev
       ),
       ev AS (
         INSERT INTO fix_task_events (task_id, from_state, to_state, actor, reason)
         SELECT id, prev, 'applying', $4,
           CASE WHEN prev <> 'queued' THEN 'reclaimed: the previous worker''s lease expired' END FROM moved
       )
       SELECT ${TASK_COLUMNS} FROM moved`,
      [[...ids], worker, leaseMs, `worker:${worker}`],
    );
    return rows.map(toView);
  }

  async findMany(ids: readonly string[]): Promise<FixupTaskView[]> {
    if (ids.length === 0) return [];
    const rows: TaskRecord[] = await this.dataSource.query(
      `SELECT ${TASK_COLUMNS} FROM fix_tasks WHERE id = ANY($1::uuid[])`,
      [[...ids]],
    );
    return rows.map(toView);
  }

  /**
   * The owner's record of each field task's finding: its system and key there (`details.owner_key` of a
   * field_match finding). Tasks whose finding names no owner record are left out.
   */
  async ownerRecords(taskIds: readonly string[]): Promise<Map<string, { system: string; key: string }>> {
    if (taskIds.length === 0) return new Map();
    const rows: { id: string; system: string; key: string }[] = await this.dataSource.query(
      `SELECT t.id::text AS id, f.owner_system AS system, f.details->>'owner_key' AS key
       FROM fix_tasks t JOIN findings f ON f.id = t.finding_id
       WHERE t.id = ANY($1::uuid[]) AND t.rule_kind = 'field_match'
         AND coalesce(f.details->>'owner_key', '') <> '' AND f.owner_system <> ''`,
      [[...taskIds]],
    );
    return new Map(rows.map((r) => [r.id, { system: r.system, key: r.key }]));
  }

  async findById(id: string): Promise<FixupTaskView | null> {
    return (await this.findMany([id]))[0] ?? null;
  }

  /** Those of `ids` in one of `states` that have no field change to write (a decision, not a write). */
  async withoutChanges(ids: readonly string[], states: readonly FixupState[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const rows: { id: string }[] = await this.dataSource.query(
      `SELECT id::text AS id FROM fix_tasks
       WHERE id = ANY($1::uuid[]) AND state = ANY($2::text[]) AND jsonb_array_length(changes) = 0`,
      [[...ids], [...states]],
    );
    return rows.map((r) => r.id);
  }

  /** Of `ids`, the tasks whose finding is suppressed (an accepted exception: nothing to write). */
  async withSuppressedFinding(ids: readonly string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const rows: { id: string }[] = await this.dataSource.query(
      `SELECT t.id::text AS id FROM fix_tasks t JOIN findings f ON f.id = t.finding_id
       WHERE t.id = ANY($1::uuid[]) AND f.status = 'suppressed'`,
      [[...ids]],
    );
    return rows.map((r) => r.id);
  }

  /** Every task with one of these base keys, whatever its state (a merge decision's tasks, planned once). */
  async findByBaseKeys(baseKeys: readonly string[]): Promise<{ baseKey: string; task: FixupTaskView }[]> {
    if (baseKeys.length === 0) return [];
    const rows: (TaskRecord & { base_key: string })[] = await this.dataSource.query(
      `SELECT ${TASK_COLUMNS}, base_key FROM fix_tasks WHERE base_key = ANY($1::text[]) ORDER BY created_at, id`,
      [[...baseKeys]],
    );
    return rows.map((r) => ({ baseKey: r.base_key, task: toView(r) }));
  }

  async events(taskId: string): Promise<FixupEventView[]> {
    const rows: {
      id: string;
      from_state: FixupState | null;
      to_state: FixupState;
      actor: string;
      reason: string | null;
      details: unknown;
      at: string;
    }[] = await this.dataSource.query(
      `SELECT id::text AS id, from_state, to_state, actor, reason, details, ${ts('at')} AS at
       FROM fix_task_events e WHERE task_id = $1 ORDER BY e.id`,
      [taskId],
    );
    return rows.map((r) => ({
      id: r.id,
      fromState: r.from_state,
      toState: r.to_state,
      actor: r.actor,
      reason: r.reason,
      details: r.details,
      at: r.at,
    }));
  }

  /** One page (`limit` + 1 rows, so the caller knows whether more exist). */
  async find(query: FixupsListQuery, limit: number, states?: readonly FixupState[]): Promise<FixupTaskView[]> {
    return (await this.page<TaskRecord>(query, limit, states)).map(toView);
  }

  /**
   * One page of tasks waiting for a person (`needs_review`, `conflict`), each with why it waits and,
   * for a conflict, the target's values its latest move to `conflict` recorded. The reason is derived
   * here and nowhere else, in SQL, so that the `reason` filter pages like any other filter.
   */
  async findReviews(query: FixupReviewsListQuery, limit: number): Promise<FixupReviewView[]> {
    const rows = await this.page<TaskRecord & { review_reason: ReviewReason; current_values: unknown }>(
      query,
      limit,
      REVIEW_STATES,
      (bind) => {
        const refused = bind(REFUSED_BY_TARGET);
        const reason = `CASE WHEN state = 'conflict' THEN 'conflict'
          WHEN left(last_error, char_length(${refused}::text)) = ${refused} THEN 'validation_failure'
          ELSE 'needs_decision' END`;
        return {
          columns: `${reason} AS review_reason,
            CASE WHEN state = 'conflict' THEN (
              SELECT e.details -> 'currentValues' FROM fix_task_events e
              WHERE e.task_id = fix_tasks.id AND e.to_state = 'conflict' ORDER BY e.id DESC LIMIT 1
            ) END AS current_values`,
          where: query.filters.reason === undefined ? [] : [`(${reason}) = ${bind(query.filters.reason)}`],
        };
      },
    );
    return rows.map((row) => ({
      reason: row.review_reason,
      task: toView(row),
      currentValues: isRecord(row.current_values) ? row.current_values : null,
    }));
  }

  private async page<R>(
    query: FixupsListQuery,
    limit: number,
    states: readonly FixupState[] | undefined,
    extra?: (bind: (value: unknown) => string) => { columns: string; where: string[] },
  ): Promise<R[]> {
    const params: unknown[] = [];
    const bind = (value: unknown): string => {
      params.push(value);
      return `$${params.length}`;
    };
    const open = query.filters.state === OPEN_FILTER;
    const wanted = open ? (states ?? FIXUP_STATES).filter((s) => !TERMINAL_STATES.includes(s)) : states;
    const where: string[] = [];
    for (const [name, column] of Object.entries(FILTER_COLUMNS)) {
      const value = query.filters[name as keyof typeof FILTER_COLUMNS];
      if (value !== undefined && !(name === 'state' && open)) where.push(`${column} = ${bind(value)}`);
    }
    const more = extra?.(bind);
    if (more) where.push(...more.where);
    const column = SORT_COLUMNS[query.sort.key];
    const direction = query.sort.direction === 'desc' ? 'DESC' : 'ASC';
    if (query.after) {
      const op = direction === 'DESC' ? '<' : '>';
      where.push(
        `(fix_tasks.${column}, fix_tasks.id) ${op} (${bind(query.after.value)}::timestamptz, ${bind(query.after.id)}::uuid)`,
      );
    }
    // Qualified: SELECT names its to_char() text columns like the timestamps, and an unqualified ORDER BY
    // would sort by that text (no index: a sort of every match).
    const order = `ORDER BY fix_tasks.${column} ${direction}, fix_tasks.id ${direction}`;
    const columns = `${TASK_COLUMNS}${more ? `, ${more.columns}` : ''}`;
    const top = bind(limit);
    if (wanted && wanted.length > 1 && column === 'created_at') {
      // Several states, newest first: one ordered range of (state, created_at, id) per state, each read
      // at most `limit` rows, and the page taken from those (migration 0019), instead of walking every
      // done task to find the few in flight.
      const values = bind([...wanted]);
      return this.dataSource.query(
        mergedRanges({ table: 'fix_tasks', column: 'state', values, where, columns, order, top }),
        params,
      );
    }
    if (wanted) where.push(`fix_tasks.state = ANY(${bind([...wanted])}::text[])`);
    return this.dataSource.query(
      `SELECT ${columns} FROM fix_tasks ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ${order} LIMIT ${top}`,
      params,
    );
  }

  /** Ids of tasks in one of `states` matching the filters (bulk approve/replay by filter). */
  async idsWhere(filter: { states: readonly FixupState[]; ruleId?: string; system?: string }, limit: number) {
    const rows: { id: string }[] = await this.dataSource.query(
      `SELECT id::text AS id FROM fix_tasks WHERE state = ANY($1::text[])
         AND ($2::text IS NULL OR rule_id = $2) AND ($3::text IS NULL OR target_system = $3)
       ORDER BY created_at, id LIMIT $4`,
      [[...filter.states], filter.ruleId ?? null, filter.system ?? null, limit],
    );
    return rows.map((r) => r.id);
  }

  /**
   * Per target system: its dead letters (how many, the longest untouched, the latest three with their
   * error) and its tasks waiting for a person untouched since before `waitingBefore` (index
   * fix_tasks_state_idx: only those three states are read).
   */
  async backlog(waitingBefore: Date | null): Promise<FixupBacklog[]> {
    const rows: {
      system: string;
      dead: number;
      oldest_dead: Date | null;
      waiting: number;
      oldest_waiting: Date | null;
    }[] = await this.dataSource.query(
      `SELECT target_system AS system,
              count(*) FILTER (WHERE state = 'dead_lettered')::int AS dead,
              min(updated_at) FILTER (WHERE state = 'dead_lettered') AS oldest_dead,
              count(*) FILTER (WHERE state = ANY($1::text[]) AND updated_at < $2)::int AS waiting,
              min(updated_at) FILTER (WHERE state = ANY($1::text[]) AND updated_at < $2) AS oldest_waiting
         FROM fix_tasks WHERE state = ANY($3::text[])
        GROUP BY target_system ORDER BY target_system`,
      [[...REVIEW_STATES], waitingBefore ?? '-infinity', ['dead_lettered', ...REVIEW_STATES]],
    );
    const recent: { system: string; rule_id: string; match_key: string; last_error: string | null }[] =
      await this.dataSource.query(
        `SELECT system, rule_id, match_key, last_error FROM (
           SELECT target_system AS system, rule_id, match_key, last_error,
                  row_number() OVER (PARTITION BY target_system ORDER BY updated_at DESC, id DESC) AS n
             FROM fix_tasks WHERE state = 'dead_lettered') latest
          WHERE n <= 3 ORDER BY system, n`,
      );
    return rows.map((r) => ({
      system: r.system,
      deadLettered: r.dead,
      oldestDeadLetterAt: r.oldest_dead,
      waitingSince: { count: r.waiting, oldest: r.oldest_waiting },
      recentDeadLetters: recent
        .filter((d) => d.system === r.system)
        .map((d) => ({ ruleId: d.rule_id, matchKey: d.match_key, lastError: d.last_error })),
    }));
  }

  async countByState(): Promise<Record<string, number>> {
    const rows: { state: string; n: string }[] = await this.dataSource.query(
      `SELECT state, count(*) AS n FROM fix_tasks GROUP BY state`,
    );
    return Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
  }

  /** Auto-approved tasks for one target since a time (the hourly blast-radius cap). */
  async countAutoSince(targetSystem: string, since: Date): Promise<number> {
    const [row]: { n: string }[] = await this.dataSource.query(
      `SELECT count(*) AS n FROM fix_tasks WHERE target_system = $1 AND auto_approved_at >= $2`,
      [targetSystem, since],
    );
    return Number(row?.n ?? 0);
  }

  /**
   * Tasks a worker should have in Bull: queued ones and applying ones whose lease expired. The sweep
   * re-adds their jobs (same job id, so a job that still exists is not duplicated).
   */
  async stranded(limit: number): Promise<{ id: string; targetSystem: string; jobGeneration: number }[]> {
    const rows: { id: string; target_system: string; job_generation: number }[] = await this.dataSource.query(
      `SELECT id::text AS id, target_system, job_generation FROM fix_tasks
       WHERE state = 'queued' OR (state IN ('applying', 'verifying') AND claim_expires_at < now())
       ORDER BY updated_at LIMIT $1`,
      [limit],
    );
    return rows.map((r) => ({ id: r.id, targetSystem: r.target_system, jobGeneration: r.job_generation }));
  }

  /**
   * Links tasks whose finding a run resolved or retired to the run that did so (the run whose window
   * holds the finding's resolved_at, else `runId`); returns the linked ids with their state and the
   * finding's status.
   */
  async linkResolved(
    runId: string,
  ): Promise<{ id: string; state: FixupState; findingStatus: 'resolved' | 'retired' }[]> {
    return this.dataSource.query(
      `WITH linked AS (
         UPDATE fix_tasks t SET resolved_run_id = coalesce(
             (SELECT r.id FROM reconciliation_runs r
              WHERE r.started_at <= f.resolved_at AND (r.finished_at IS NULL OR r.finished_at >= f.resolved_at)
              ORDER BY r.started_at DESC LIMIT 1),
             $1::uuid),
           updated_at = now()
         FROM findings f
         WHERE t.finding_id = f.id AND t.resolved_run_id IS NULL AND f.status IN ('resolved', 'retired')
         RETURNING t.id, t.state, f.status
       )
       SELECT id::text AS id, state, status AS "findingStatus" FROM linked`,
      [runId],
    );
  }

  /**
   * Tasks in one of `states` that no run has closed yet whose finding is suppressed, with who suppressed
   * it and why (null for a suppression from before migration 0014).
   */
  async ofSuppressedFindings(
    states: readonly FixupState[],
  ): Promise<{ id: string; suppressedBy: string | null; suppressedReason: string | null }[]> {
    return this.dataSource.query(
      `SELECT t.id::text AS id, f.suppressed_by AS "suppressedBy", f.suppressed_reason AS "suppressedReason"
       FROM fix_tasks t JOIN findings f ON f.id = t.finding_id
       WHERE t.resolved_run_id IS NULL AND t.state = ANY($1::text[]) AND f.status = 'suppressed'
       ORDER BY t.id`,
      [[...states]],
    );
  }

  /**
   * Open tasks (not yet acted on) of these findings whose base key differs: their values changed. A
   * steward's merge tasks hang off a duplicate finding too, but come from a decision, not the values.
   */
  async superseded(pairs: readonly { findingId: string; baseKey: string }[]): Promise<string[]> {
    if (pairs.length === 0) return [];
    const rows: { id: string }[] = await this.dataSource.query(
      `SELECT t.id::text AS id FROM fix_tasks t
       JOIN unnest($1::text[], $2::text[]) AS u(finding_id, base_key) ON u.finding_id = t.finding_id
       WHERE t.base_key <> u.base_key AND t.state IN ('proposed', 'needs_review', 'approved')
         AND t.finding_kind NOT IN ('merge_survivor', 'merge_duplicate')`,
      [pairs.map((p) => p.findingId), pairs.map((p) => p.baseKey)],
    );
    return rows.map((r) => r.id);
  }
}

function toView(row: TaskRecord): FixupTaskView {
  return {
    id: row.id,
    findingId: row.finding_id,
    ruleId: row.rule_id,
    ruleKind: row.rule_kind,
    findingKind: row.finding_kind,
    entity: row.entity,
    matchKey: row.match_key,
    targetSystem: row.target_system,
    sourceKey: row.source_key,
    changes: row.changes,
    policy: row.policy,
    state: row.state,
    stateReason: row.state_reason,
    attempts: row.attempts,
    lastError: row.last_error,
    idempotencyKey: row.idempotency_key,
    jobGeneration: row.job_generation,
    createdRunId: row.created_run_id,
    resolvedRunId: row.resolved_run_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    appliedAt: row.applied_at,
    finishedAt: row.finished_at,
  };
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
