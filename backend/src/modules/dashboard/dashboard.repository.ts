import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** One row of `findings_open_counts`: active findings of one rule × entity × system × kind × severity × domain. */
export interface OpenCount {
  ruleId: string;
  entity: string;
  system: string;
  kind: string;
  severity: string;
  domain: string;
  open: number;
}

/** Flow of findings over whole UTC days (from `findings_daily_flow`). */
export interface FlowTotals {
  opened: number;
  reopened: number;
  resolved: number;
  resolveSeconds: number;
}

export interface RuleFlow extends FlowTotals {
  ruleId: string;
}

export const TREND_DIMENSIONS = ['domain', 'severity', 'rule'] as const;
export type TrendDimension = (typeof TREND_DIMENSIONS)[number];

/** Flow of one day and one value of the trend's dimension. */
export interface DailyFlow {
  day: string;
  key: string;
  opened: number;
  reopened: number;
  resolved: number;
  /** opened + reopened + returned − resolved − exited: the change of the active set that day. */
  net: number;
}

export interface FlowFilter {
  fromDay: string;
  toDay: string;
  systems?: readonly string[];
  domains?: readonly string[];
  severities?: readonly string[];
  ruleIds?: readonly string[];
}

// Column names come from this map only; values always travel as $n parameters.
const DIMENSION_COLUMN: Record<TrendDimension, string> = { domain: 'domain', severity: 'severity', rule: 'rule_id' };

/**
 * Dashboard reads from Postgres: the rollups of migration 0008 (kept by triggers on `findings`) and,
 * when the fix-ups module's `fix_tasks` exists, which resolved findings a fix-up healed.
 */
@Injectable()
export class DashboardRepository {
  private fixTasksKnown: { at: number; exists: boolean } | undefined;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async openCounts(systems?: readonly string[]): Promise<OpenCount[]> {
    const rows: {
      rule_id: string;
      entity: string;
      actual_system: string;
      kind: string;
      severity: string;
      domain: string;
      open: string;
    }[] = await this.dataSource.query(
      `SELECT rule_id, entity, actual_system, kind, severity, domain, open FROM findings_open_counts
       WHERE open <> 0 ${systems ? 'AND actual_system = ANY($1::text[])' : ''}`,
      systems ? [[...systems]] : [],
    );
    return rows.map((r) => ({
      ruleId: r.rule_id,
      entity: r.entity,
      system: r.actual_system,
      kind: r.kind,
      severity: r.severity,
      domain: r.domain,
      open: Number(r.open),
    }));
  }

  /** Flow per rule over the days of the range (a rule absent from the result had no flow). */
  async flowByRule(filter: FlowFilter): Promise<RuleFlow[]> {
    const { where, params } = flowWhere(filter);
    const rows: { rule_id: string; opened: string; reopened: string; resolved: string; resolve_seconds: number }[] =
      await this.dataSource.query(
        `SELECT rule_id, sum(opened)::bigint AS opened, sum(reopened)::bigint AS reopened, sum(resolved)::bigint AS resolved,
           sum(resolve_seconds)::float8 AS resolve_seconds
         FROM findings_daily_flow WHERE ${where} GROUP BY rule_id`,
        params,
      );
    return rows.map((r) => ({
      ruleId: r.rule_id,
      opened: Number(r.opened),
      reopened: Number(r.reopened),
      resolved: Number(r.resolved),
      resolveSeconds: Number(r.resolve_seconds),
    }));
  }

  /** Per day and dimension value: the flow inside the range. */
  async dailyFlow(dimension: TrendDimension, filter: FlowFilter): Promise<DailyFlow[]> {
    const { where, params } = flowWhere(filter);
    const column = DIMENSION_COLUMN[dimension];
    const rows: { day: string; key: string; opened: string; reopened: string; resolved: string; net: string }[] =
      await this.dataSource.query(
        `SELECT to_char(day, 'YYYY-MM-DD') AS day, ${column} AS key, sum(opened)::bigint AS opened,
           sum(reopened)::bigint AS reopened, sum(resolved)::bigint AS resolved,
           sum(opened + reopened + returned - resolved - exited)::bigint AS net
         FROM findings_daily_flow WHERE ${where} GROUP BY 1, 2 ORDER BY 1, 2`,
        params,
      );
    return rows.map((r) => ({
      day: r.day,
      key: r.key,
      opened: Number(r.opened),
      reopened: Number(r.reopened),
      resolved: Number(r.resolved),
      net: Number(r.net),
    }));
  }

  /** Net change of the active set per dimension value on every day after `afterDay` (to walk back from now). */
  async netAfter(dimension: TrendDimension, afterDay: string, filter: Omit<FlowFilter, 'fromDay' | 'toDay'>) {
    const { where, params } = flowWhere({ ...filter, fromDay: afterDay, toDay: '9999-12-31' }, true);
    const column = DIMENSION_COLUMN[dimension];
    const rows: { key: string; net: string }[] = await this.dataSource.query(
      `SELECT ${column} AS key, sum(opened + reopened + returned - resolved - exited)::bigint AS net
       FROM findings_daily_flow WHERE ${where} GROUP BY 1`,
      params,
    );
    return new Map(rows.map((r) => [r.key, Number(r.net)]));
  }

  /** Active findings now per dimension value, with the same filters. */
  async openNow(
    dimension: TrendDimension,
    filter: Omit<FlowFilter, 'fromDay' | 'toDay'>,
  ): Promise<Map<string, number>> {
    const params: unknown[] = [];
    const conditions = dimensionConditions(filter, params);
    const column = DIMENSION_COLUMN[dimension];
    const rows: { key: string; open: string }[] = await this.dataSource.query(
      `SELECT ${column} AS key, sum(open)::bigint AS open FROM findings_open_counts
       ${conditions.length ? `WHERE ${conditions.join(' AND ')}` : ''} GROUP BY 1`,
      params,
    );
    return new Map(rows.map((r) => [r.key, Number(r.open)]));
  }

  /**
   * Findings resolved in [from, to) whose fix-up task finished (`done`): the auto-healed ones.
   * Null when the fix-ups module's table does not exist in this database.
   */
  async healedByFixup(from: Date, to: Date, systems?: readonly string[]): Promise<number | null> {
    if (!(await this.fixTasksExist())) return null;
    const rows: { n: string }[] = await this.dataSource.query(
      `SELECT count(DISTINCT f.id) AS n FROM fix_tasks t JOIN findings f ON f.id = t.finding_id
       WHERE t.state = 'done' AND f.status = 'resolved' AND f.resolved_at >= $1 AND f.resolved_at < $2
       ${systems ? 'AND f.actual_system = ANY($3::text[])' : ''}`,
      systems ? [from, to, [...systems]] : [from, to],
    );
    return Number(rows[0]?.n ?? 0);
  }

  /**
   * Suppressed findings now (accepted exceptions), and how many of them end before `soon`. An index
   * range of the status index, however many findings there are.
   */
  async suppressedCounts(soon: Date, systems?: readonly string[]): Promise<{ findings: number; endingSoon: number }> {
    const rows: { findings: string; ending: string }[] = await this.dataSource.query(
      `SELECT count(*) AS findings, count(*) FILTER (WHERE suppressed_until < $1) AS ending
       FROM findings WHERE status = 'suppressed' ${systems ? 'AND actual_system = ANY($2::text[])' : ''}`,
      systems ? [soon, [...systems]] : [soon],
    );
    return { findings: Number(rows[0]?.findings ?? 0), endingSoon: Number(rows[0]?.ending ?? 0) };
  }

  /** Findings resolved in [from, to) (exact timestamps, unlike the day rollup). */
  async resolvedBetween(from: Date, to: Date, systems?: readonly string[]): Promise<number> {
    const rows: { n: string }[] = await this.dataSource.query(
      `SELECT count(*) AS n FROM findings WHERE resolved_at >= $1 AND resolved_at < $2 AND status = 'resolved'
       ${systems ? 'AND actual_system = ANY($3::text[])' : ''}`,
      systems ? [from, to, [...systems]] : [from, to],
    );
    return Number(rows[0]?.n ?? 0);
  }

  /**
   * Recomputes both rollups from `findings` in one transaction (after a bulk load with the rollup
   * triggers disabled, or to repair them). Same definitions as the triggers of migration 0008 (a
   * suppressed or retired finding exited once); history before the rebuild is not known.
   */
  async rebuildRollups(): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await manager.query('LOCK TABLE findings IN SHARE MODE');
      await manager.query('TRUNCATE findings_open_counts, findings_daily_flow');
      await manager.query(`
        INSERT INTO findings_open_counts (rule_id, entity, actual_system, kind, severity, domain, open)
        SELECT rule_id, entity, actual_system, kind, severity, domain, count(*) FROM findings
        WHERE status IN ('new','open','reopened') GROUP BY 1, 2, 3, 4, 5, 6`);
      await manager.query(`
        INSERT INTO findings_daily_flow (day, rule_id, entity, actual_system, kind, severity, domain, opened, resolved,
          resolve_seconds, exited)
        SELECT day, rule_id, entity, actual_system, kind, severity, domain, sum(opened), sum(resolved), sum(secs), sum(exited)
        FROM (
          SELECT (first_seen_at AT TIME ZONE 'UTC')::date AS day, rule_id, entity, actual_system, kind, severity, domain,
            1 AS opened, 0 AS resolved, 0::double precision AS secs, 0 AS exited FROM findings
          UNION ALL
          SELECT (coalesce(resolved_at, updated_at) AT TIME ZONE 'UTC')::date, rule_id, entity, actual_system, kind, severity,
            domain, 0, 1, greatest(0, extract(epoch FROM coalesce(resolved_at, updated_at) - first_seen_at)), 0
          FROM findings WHERE status = 'resolved'
          UNION ALL
          SELECT (updated_at AT TIME ZONE 'UTC')::date, rule_id, entity, actual_system, kind, severity, domain, 0, 0, 0, 1
          FROM findings WHERE status IN ('suppressed', 'retired')
        ) e GROUP BY 1, 2, 3, 4, 5, 6, 7`);
    });
  }

  private async fixTasksExist(): Promise<boolean> {
    const now = Date.now();
    if (this.fixTasksKnown && now - this.fixTasksKnown.at < 60_000) return this.fixTasksKnown.exists;
    const rows: { exists: boolean }[] = await this.dataSource.query(
      `SELECT to_regclass('fix_tasks') IS NOT NULL AS exists`,
    );
    const exists = rows[0]?.exists === true;
    this.fixTasksKnown = { at: now, exists };
    return exists;
  }
}

function dimensionConditions(filter: Omit<FlowFilter, 'fromDay' | 'toDay'>, params: unknown[]): string[] {
  const conditions: string[] = [];
  const any = (column: string, values: readonly string[] | undefined) => {
    if (!values) return;
    params.push([...values]);
    conditions.push(`${column} = ANY($${params.length}::text[])`);
  };
  any('actual_system', filter.systems);
  any('domain', filter.domains);
  any('severity', filter.severities);
  any('rule_id', filter.ruleIds);
  return conditions;
}

function flowWhere(filter: FlowFilter, exclusiveFrom = false): { where: string; params: unknown[] } {
  const params: unknown[] = [filter.fromDay, filter.toDay];
  const conditions = [`day ${exclusiveFrom ? '>' : '>='} $1::date`, 'day <= $2::date'];
  conditions.push(...dimensionConditions(filter, params));
  return { where: conditions.join(' AND '), params };
}
