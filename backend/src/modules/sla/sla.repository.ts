import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ClickHouseService } from '../../clickhouse/clickhouse.service';
import { sql, type SqlFragment } from '../../clickhouse/sql';
import { WHOLE_SNAPSHOT } from '../snapshots/snapshot-catalog-modes';

/** One route's delivery figures over a window, as the rules package's latency query returns them. */
export interface RouteLatency {
  events: number;
  delivered: number;
  breaches: number;
  pending: number;
  p50Seconds: number | null;
  p95Seconds: number | null;
  maxSeconds: number | null;
}

interface LatencyRow {
  events: string;
  delivered: string;
  breaches: string;
  pending: string;
  p50_seconds: number | null;
  p95_seconds: number | null;
  max_seconds: string | number | null;
}

const finite = (value: number | null | undefined): number | null =>
  value === null || value === undefined || !Number.isFinite(Number(value)) ? null : Number(value);

/** Reads for SLA metrics: route latencies from ClickHouse `entity_events`, breach findings and snapshot ages. */
@Injectable()
export class SlaRepository {
  constructor(
    private readonly clickhouse: ClickHouseService,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  /** Runs a compiled `latency` query (rules package) and returns its one row. */
  async routeLatency(latency: SqlFragment): Promise<RouteLatency> {
    const rows = await this.clickhouse.query<LatencyRow>(
      sql`SELECT events, delivered, breaches, pending, p50_seconds, p95_seconds, max_seconds FROM (${latency})`,
      { tag: 'sla.route-latency' },
    );
    const row = rows[0];
    const delivered = Number(row?.delivered ?? 0);
    return {
      events: Number(row?.events ?? 0),
      delivered,
      breaches: Number(row?.breaches ?? 0),
      pending: Number(row?.pending ?? 0),
      // quantilesIf over no delivered event gives nan/0: report no figure rather than a fake zero.
      p50Seconds: delivered > 0 ? finite(row?.p50_seconds) : null,
      p95Seconds: delivered > 0 ? finite(row?.p95_seconds) : null,
      maxSeconds: delivered > 0 ? finite(Number(row?.max_seconds)) : null,
    };
  }

  /** Open (new, open, reopened) findings per rule, from the dashboard rollup. */
  async openFindingsByRule(ruleIds: readonly string[]): Promise<Map<string, number>> {
    if (ruleIds.length === 0) return new Map();
    const rows: { rule_id: string; open: string }[] = await this.dataSource.query(
      `SELECT rule_id, sum(open)::bigint AS open FROM findings_open_counts WHERE rule_id = ANY($1::text[]) GROUP BY rule_id`,
      [[...ruleIds]],
    );
    return new Map(rows.map((r) => [r.rule_id, Number(r.open)]));
  }

  /**
   * When each system last completed a whole snapshot (any entity, full or incremental; not a change
   * event's keyed records): what freshness rules judge.
   */
  async lastCompleteBySystem(): Promise<Map<string, Date>> {
    const rows = await this.clickhouse.query<{ system: string; completed_s: number }>(
      sql`SELECT system, toUInt32(max(completed_at)) AS completed_s FROM snapshot_catalog FINAL
        WHERE ${WHOLE_SNAPSHOT} GROUP BY system`,
      { tag: 'sla.catalog.last-complete' },
    );
    return new Map(rows.map((r) => [r.system, new Date(Number(r.completed_s) * 1000)]));
  }
}
