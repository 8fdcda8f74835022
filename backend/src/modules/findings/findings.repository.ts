import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { mergedRanges } from '../../database/merged-ranges';
import { ACTIVE_FILTER, ACTIVE_STATUSES, FINDING_STATUSES, type FindingStatus } from './finding';
import type { FindingView } from './findings.dto';
import type { FindingsListQuery } from './findings-query';

/** The assignee filter once `me` is resolved: nobody, or one name. */
export type AssigneeFilter = { unassigned: true } | { name: string };

/** One finding whose assignee an assignment changed, with the assignee it had before. */
export interface AssignmentChange {
  id: string;
  before: string | null;
}

/** A suppression as a request sets it: who, why, and until when (null: until someone lifts it). */
export interface Suppression {
  by: string;
  reason: string;
  until: Date | null;
}

/** A finding's suppression as it was before a change (all null when it was not suppressed). */
export interface SuppressionState {
  id: string;
  status: FindingStatus;
  by: string | null;
  reason: string | null;
  /** ISO 8601 (UTC), or null. */
  until: string | null;
}

export interface SuppressionOutcome {
  /** Ids that do not exist: when any, nothing was changed. */
  unknown: string[];
  /** Findings whose status forbids the change (with it): when any, nothing was changed. */
  refused: { id: string; status: FindingStatus }[];
  /** Findings changed, each with its state before. */
  changed: SuppressionState[];
  /** Findings already in the requested state. */
  unchanged: string[];
}

export interface AssignmentOutcome {
  /** Ids that do not exist: when any, nothing was changed. */
  unknown: string[];
  changed: AssignmentChange[];
  /** Findings that already had this assignee. */
  unchanged: string[];
}

interface FindingRecord {
  id: string;
  rule_id: string;
  rule_version: number;
  entity: string;
  match_key: string;
  field: string;
  kind: string;
  owner_system: string;
  expected_value: string;
  actual_system: string;
  actual_value: string;
  details: unknown;
  score: number;
  severity: string;
  domain: string;
  status: FindingView['status'];
  occurrences: number;
  first_seen_at: string;
  last_seen_at: string;
  status_changed_at: string;
  resolved_at: string | null;
  first_run_id: string;
  last_run_id: string;
  assignee: string | null;
  assigned_at: string | null;
  suppressed_by: string | null;
  suppressed_reason: string | null;
  suppressed_at: string | null;
  suppressed_until: string | null;
}

// Column names come only from these maps; values only ever travel as $n parameters.
const FILTER_COLUMNS = {
  status: 'status',
  ruleId: 'rule_id',
  entity: 'entity',
  kind: 'kind',
  severity: 'severity',
  domain: 'domain',
  actualSystem: 'actual_system',
  matchKey: 'match_key',
  lastRunId: 'last_run_id',
} as const;
const SORT_COLUMNS = {
  statusChangedAt: { column: 'status_changed_at', cast: 'timestamptz' },
  lastSeenAt: { column: 'last_seen_at', cast: 'timestamptz' },
  firstSeenAt: { column: 'first_seen_at', cast: 'timestamptz' },
  occurrences: { column: 'occurrences', cast: 'integer' },
  matchKey: { column: 'match_key', cast: 'text' },
} as const;

const ts = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS ${column}`;
const COLUMNS = `id, rule_id, rule_version, entity, match_key, field, kind, owner_system, expected_value,
  actual_system, actual_value, details, score, severity, domain, status, occurrences, ${ts('first_seen_at')},
  ${ts('last_seen_at')}, ${ts('status_changed_at')}, ${ts('resolved_at')}, first_run_id::text AS first_run_id, last_run_id::text AS last_run_id,
  assignee, ${ts('assigned_at')}, suppressed_by, suppressed_reason, ${ts('suppressed_at')}, ${ts('suppressed_until')}`;
const SELECT = `SELECT ${COLUMNS} FROM findings`;
/**
 * Filters whose list index is (filter, status, status_changed_at DESC, id DESC) (migrations 0008, 0016). Without a
 * status filter the list reads it once per status and merges the ordered parts (see find).
 */
const STATUS_LED_FILTERS = ['ruleId', 'severity', 'domain', 'actualSystem'] as const;

/** The current state and lifecycle of findings (Postgres `findings`). */
@Injectable()
export class FindingsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * One page (`limit` + 1 rows, so the caller knows whether more exist). `assignee` is the resolved
   * form of the query's assignee filter (the service knows who `me` is).
   */
  async find(query: FindingsListQuery, limit: number, assignee?: AssigneeFilter): Promise<FindingView[]> {
    const params: unknown[] = [];
    const bind = (value: unknown): string => {
      params.push(value);
      return `$${params.length}`;
    };
    const where: string[] = [];
    const active = query.filters.status === ACTIVE_FILTER;
    for (const [name, column] of Object.entries(FILTER_COLUMNS)) {
      const value = query.filters[name as keyof typeof FILTER_COLUMNS];
      if (name === 'status' && active) continue;
      // lastRunId is bound as uuid (the filter's pattern is a UUID): compared as text it would cast every row's.
      if (value !== undefined) where.push(`${column} = ${bind(value)}${name === 'lastRunId' ? '::uuid' : ''}`);
    }
    if (assignee) where.push('unassigned' in assignee ? 'assignee IS NULL' : `assignee = ${bind(assignee.name)}`);
    const sort = SORT_COLUMNS[query.sort.key];
    const direction = query.sort.direction === 'desc' ? 'DESC' : 'ASC';
    if (query.after) {
      const op = direction === 'DESC' ? '<' : '>';
      where.push(
        `(${sort.column}, id) ${op} (${bind(query.after.value)}::${sort.cast}, ${bind(query.after.id)}::text)`,
      );
    }
    const order = `ORDER BY findings.${sort.column} ${direction}, findings.id ${direction}`;
    const top = bind(limit);
    let text: string;
    const merged = active ? query.sort.key === 'statusChangedAt' : mergesStatuses(query, assignee);
    if (active && !merged) where.push(`status = ANY(${bind([...ACTIVE_STATUSES])}::text[])`);
    if (merged) {
      // Several statuses (all of them for a rule, severity, domain or system without a status filter, or
      // the active ones): one ordered index range per status (each reads at most `limit` rows; one
      // parameterized plan run once per status), the page taken from those few rows, instead of a second
      // index per filter without the status (migration 0011 dropped them: every sighting wrote them).
      text = mergedRanges({
        table: 'findings',
        column: 'status',
        values: bind(active ? [...ACTIVE_STATUSES] : [...FINDING_STATUSES]),
        where,
        columns: COLUMNS,
        order,
        top,
      });
    } else {
      // Qualified: SELECT names its to_char() text columns like the timestamps, and an unqualified ORDER BY
      // would sort by that text (no index, a full sort of every match).
      text = `${SELECT} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ${order} LIMIT ${top}`;
    }
    const rows: FindingRecord[] = await this.dataSource.query(text, params);
    return rows.map(toView);
  }

  async findById(id: string): Promise<FindingView | null> {
    const rows: FindingRecord[] = await this.dataSource.query(`${SELECT} WHERE id = $1`, [id]);
    return rows[0] ? toView(rows[0]) : null;
  }

  /** Every system's finding for the same rule, record and field: the side-by-side view. */
  async siblings(f: Pick<FindingView, 'ruleId' | 'entity' | 'matchKey' | 'field'>): Promise<FindingView[]> {
    const rows: FindingRecord[] = await this.dataSource.query(
      `${SELECT} WHERE rule_id = $1 AND entity = $2 AND match_key = $3 AND field = $4 ORDER BY actual_system, id`,
      [f.ruleId, f.entity, f.matchKey, f.field],
    );
    return rows.map(toView);
  }

  /**
   * Sets the assignee of `ids` (null: unassigns) in one transaction: the rows are locked, and when any
   * id is unknown nothing changes. `record` runs in the same transaction with the findings whose
   * assignee changed, so the change and its audit entries commit together.
   */
  async assign(
    ids: readonly string[],
    assignee: string | null,
    at: Date,
    record: (changes: AssignmentChange[], tx: EntityManager) => Promise<void>,
  ): Promise<AssignmentOutcome> {
    return this.dataSource.transaction(async (tx) => {
      // Locked in id order so two overlapping bulk assignments cannot deadlock.
      const rows: { id: string; assignee: string | null }[] = await tx.query(
        `SELECT id, assignee FROM findings WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE`,
        [[...ids]],
      );
      const found = new Map(rows.map((r) => [r.id, r.assignee]));
      const unknown = ids.filter((id) => !found.has(id));
      if (unknown.length) return { unknown, changed: [], unchanged: [] };
      const changed = rows.filter((r) => r.assignee !== assignee).map((r) => ({ id: r.id, before: r.assignee }));
      const unchanged = rows.filter((r) => r.assignee === assignee).map((r) => r.id);
      if (changed.length) {
        await tx.query(
          `UPDATE findings SET assignee = $2, assigned_at = CASE WHEN $2::text IS NULL THEN NULL ELSE $3::timestamptz END,
             updated_at = now()
           WHERE id = ANY($1::text[])`,
          [changed.map((c) => c.id), assignee, at],
        );
        await record(changed, tx);
      }
      return { unknown: [], changed, unchanged };
    });
  }

  /**
   * Suppresses `ids` in one transaction: active findings become `suppressed` with `suppression`;
   * already suppressed ones take its reason, end and author (their suppressed_at stays). The rows are
   * locked, and when any id is unknown, or resolved or retired (nothing to suppress), nothing changes.
   * `record` runs in the same transaction with the findings that changed.
   */
  async suppress(
    ids: readonly string[],
    suppression: Suppression,
    at: Date,
    record: (changes: SuppressionState[], tx: EntityManager) => Promise<void>,
  ): Promise<SuppressionOutcome> {
    return this.dataSource.transaction(async (tx) => {
      const { rows, unknown, refused } = await lockSuppressionStates(
        tx,
        ids,
        (status) => status === 'suppressed' || ACTIVE_STATUSES.includes(status),
      );
      if (unknown.length || refused.length) return { unknown, refused, changed: [], unchanged: [] };
      const until = suppression.until?.toISOString() ?? null;
      const same = (r: SuppressionState) =>
        r.status === 'suppressed' && r.by === suppression.by && r.reason === suppression.reason && r.until === until;
      const changed = rows.filter((r) => !same(r));
      if (changed.length) {
        await tx.query(
          `UPDATE findings SET status = 'suppressed', suppressed_by = $2, suppressed_reason = $3,
             suppressed_until = $4, suppressed_at = CASE WHEN status = 'suppressed' AND suppressed_at IS NOT NULL
               THEN suppressed_at ELSE $5::timestamptz END, updated_at = now()
           WHERE id = ANY($1::text[])`,
          [changed.map((r) => r.id), suppression.by, suppression.reason, suppression.until, at],
        );
        await record(changed, tx);
      }
      return { unknown: [], refused: [], changed, unchanged: rows.filter(same).map((r) => r.id) };
    });
  }

  /**
   * Lifts the suppression of `ids` in one transaction: they become `open` (the next run that does not
   * see one resolves it) and lose their suppression columns. When any id is unknown or not suppressed,
   * nothing changes. `record` runs in the same transaction with the findings lifted.
   */
  async unsuppress(
    ids: readonly string[],
    record: (changes: SuppressionState[], tx: EntityManager) => Promise<void>,
  ): Promise<SuppressionOutcome> {
    return this.dataSource.transaction(async (tx) => {
      const { rows, unknown, refused } = await lockSuppressionStates(tx, ids, (status) => status === 'suppressed');
      if (unknown.length || refused.length) return { unknown, refused, changed: [], unchanged: [] };
      await tx.query(`UPDATE findings SET status = 'open', ${LIFTED} WHERE id = ANY($1::text[])`, [
        rows.map((r) => r.id),
      ]);
      await record(rows, tx);
      return { unknown: [], refused: [], changed: rows, unchanged: [] };
    });
  }

  /**
   * Lifts every suppression whose end is at or before `at`, as unsuppress does; returns the findings
   * lifted with the suppression they had. `record` runs in the same transaction.
   */
  async liftExpiredSuppressions(
    at: Date,
    record: (lifted: SuppressionState[], tx: EntityManager) => Promise<void>,
  ): Promise<SuppressionState[]> {
    return this.dataSource.transaction(async (tx) => {
      // Locked in id order, as the API's bulk actions lock, so the two cannot deadlock.
      // A top-level SELECT (an UPDATE's result would come back as [rows, count]).
      const rows: SuppressionRecord[] = await tx.query(
        `WITH expired AS (
           SELECT id, status, suppressed_by, suppressed_reason, suppressed_until FROM findings
           WHERE status = 'suppressed' AND suppressed_until <= $1 ORDER BY id FOR UPDATE
         ),
         lifted AS (
           UPDATE findings f SET status = 'open', ${LIFTED} FROM expired e WHERE f.id = e.id
           RETURNING e.id, e.status, e.suppressed_by, e.suppressed_reason, e.suppressed_until
         )
         SELECT * FROM lifted ORDER BY id`,
        [at],
      );
      const lifted = rows.map(toSuppressionState);
      if (lifted.length) await record(lifted, tx);
      return lifted;
    });
  }

  /** Count per status of a set of rules (run summaries, tests). */
  async countByStatus(ruleIds?: readonly string[]): Promise<Record<string, number>> {
    const rows: { status: string; n: string }[] = await this.dataSource.query(
      `SELECT status, count(*) AS n FROM findings ${ruleIds ? 'WHERE rule_id = ANY($1::text[])' : ''} GROUP BY status`,
      ruleIds ? [[...ruleIds]] : [],
    );
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  }
}

/** What lifting a suppression clears (the audit log keeps who suppressed it and why). */
const LIFTED = `suppressed_by = NULL, suppressed_reason = NULL, suppressed_at = NULL, suppressed_until = NULL,
  updated_at = now()`;

interface SuppressionRecord {
  id: string;
  status: FindingStatus;
  suppressed_by: string | null;
  suppressed_reason: string | null;
  suppressed_until: Date | null;
}

const toSuppressionState = (r: SuppressionRecord): SuppressionState => ({
  id: r.id,
  status: r.status,
  by: r.suppressed_by,
  reason: r.suppressed_reason,
  until: r.suppressed_until?.toISOString() ?? null,
});

/** The rows of `ids` with their suppression, locked in id order (two overlapping requests cannot deadlock). */
/**
 * Locks the rows of `ids` (in id order, as every bulk action does) and judges them for a suppression
 * change: the ids that are no finding, and the findings whose status `accepts` refuses.
 */
async function lockSuppressionStates(
  tx: EntityManager,
  ids: readonly string[],
  accepts: (status: FindingStatus) => boolean,
): Promise<{ rows: SuppressionState[]; unknown: string[]; refused: { id: string; status: FindingStatus }[] }> {
  const records: SuppressionRecord[] = await tx.query(
    `SELECT id, status, suppressed_by, suppressed_reason, suppressed_until
     FROM findings WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE`,
    [[...ids]],
  );
  const rows = records.map(toSuppressionState);
  const found = new Set(rows.map((r) => r.id));
  return {
    rows,
    unknown: ids.filter((id) => !found.has(id)),
    refused: rows.filter((r) => !accepts(r.status)).map((r) => ({ id: r.id, status: r.status })),
  };
}

/**
 * Whether a list page is read per status (find): in the list's indexed order, filtered by a column
 * whose index leads with it and then the status, with no status given, and no filter with an index
 * of its own (a named assignee) that serves the page better.
 */
function mergesStatuses(query: FindingsListQuery, assignee?: AssigneeFilter): boolean {
  const { filters } = query;
  if (query.sort.key !== 'statusChangedAt' || filters.status !== undefined) return false;
  if (assignee && 'name' in assignee) return false;
  return STATUS_LED_FILTERS.some((name) => filters[name] !== undefined);
}

function toView(row: FindingRecord): FindingView {
  return {
    id: row.id,
    ruleId: row.rule_id,
    ruleVersion: row.rule_version,
    entity: row.entity,
    matchKey: row.match_key,
    field: row.field,
    kind: row.kind,
    ownerSystem: row.owner_system,
    expectedValue: row.expected_value,
    actualSystem: row.actual_system,
    actualValue: row.actual_value,
    details: row.details,
    score: row.score,
    severity: row.severity,
    domain: row.domain,
    status: row.status,
    occurrences: row.occurrences,
    firstSeenAt: row.first_seen_at,
    lastSeenAt: row.last_seen_at,
    statusChangedAt: row.status_changed_at,
    resolvedAt: row.resolved_at,
    firstRunId: row.first_run_id,
    lastRunId: row.last_run_id,
    assignee: row.assignee,
    assignedAt: row.assigned_at,
    suppressedBy: row.suppressed_by,
    suppressedReason: row.suppressed_reason,
    suppressedAt: row.suppressed_at,
    suppressedUntil: row.suppressed_until,
  };
}
