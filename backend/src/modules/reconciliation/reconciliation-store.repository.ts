import { Injectable } from '@nestjs/common';
import {
  COMPILED_RULE_SETTINGS,
  FINDING_COLUMNS,
  UNSETTLED_KIND,
  type EntityKind,
  type FindingRow,
} from '@driftwatch/reconciliation-rules';
import { ClickHouseService } from '../../clickhouse/clickhouse.service';
import { array, ident, join, list, raw, sql, uint, type SqlFragment } from '../../clickhouse/sql';
import { WHOLE_SNAPSHOT } from '../snapshots/snapshot-catalog-modes';
import type { RulePlacement } from './rule-placement';

export interface CatalogSnapshot {
  snapshotId: string;
  system: string;
  entity: EntityKind;
  mode: 'full' | 'incremental';
  rowCount: number;
  completedAt: Date;
  /** When the pair's latest snapshot that was not keyed (a change event's records only) completed. */
  wholeCompletedAt: Date;
}

interface CatalogRow {
  snapshot_id: string;
  system: string;
  entity: string;
  mode: string;
  row_count: string;
  completed_s: number;
  whole_s?: number;
}

const seconds = (date: Date): number => Math.floor(date.getTime() / 1000);
const FINDING_COLUMN_LIST = join(FINDING_COLUMNS.map((c) => ident(c.name)));
// A targeted run inlines its keys (up to 10,000) into every source of a rule: far past the 256 KiB
// query and 50,000 AST-element defaults.
// COMPILED_RULE_SETTINGS: what the rules package requires of every compiled rule (see compile-context.ts).
const RULE_QUERY_SETTINGS = {
  ...COMPILED_RULE_SETTINGS,
  max_query_size: String(16 * 1024 * 1024),
  max_ast_elements: String(2_000_000),
  max_expanded_ast_elements: String(2_000_000),
};

function toSnapshot(row: CatalogRow): CatalogSnapshot {
  return {
    snapshotId: row.snapshot_id,
    system: row.system,
    entity: row.entity as EntityKind,
    // A keyed snapshot holds some records only, as an incremental one does.
    mode: row.mode === 'full' ? 'full' : 'incremental',
    rowCount: Number(row.row_count),
    completedAt: new Date(Number(row.completed_s) * 1000),
    wholeCompletedAt: new Date(Number(row.whole_s ?? row.completed_s) * 1000),
  };
}

/**
 * Every ClickHouse read and write of reconciliation: the snapshot catalog, `findings_history`
 * (filled by INSERT … SELECT from a compiled rule, so findings never pass through Node on the way
 * in) and previews for dry-runs and backtests.
 */
@Injectable()
export class ReconciliationStoreRepository {
  constructor(private readonly clickhouse: ClickHouseService) {}

  /**
   * The latest complete snapshot of every (system, entity), any mode, of the pairs that have a whole
   * snapshot (full or incremental, not keyed). A pair with keyed snapshots only (change events landed
   * before its first whole snapshot finished) holds a handful of records in its current state: rules
   * reading it would find every other record missing, so it is not available yet.
   */
  async latestSnapshots(): Promise<CatalogSnapshot[]> {
    const rows = await this.clickhouse.query<CatalogRow>(
      // The latest mode is aliased apart: an alias named mode would stand for it inside the other aggregates.
      sql`SELECT system, entity, snapshot_id, latest_mode AS mode, row_count, completed_s, whole_s FROM (
          SELECT system, entity, argMax(snapshot_id, completed_at) AS snapshot_id,
            argMax(mode, completed_at) AS latest_mode, argMax(row_count, completed_at) AS row_count,
            toUInt32(max(completed_at)) AS completed_s, toUInt32(maxIf(completed_at, ${WHOLE_SNAPSHOT})) AS whole_s,
            countIf(${WHOLE_SNAPSHOT}) AS whole_snapshots
          FROM snapshot_catalog FINAL GROUP BY system, entity
        ) WHERE whole_snapshots > 0`,
      { tag: 'reconciliation.catalog.latest' },
    );
    return rows.map(toSnapshot);
  }

  /**
   * The snapshots that are, on their own, their system's current state: per (system, entity) the
   * single snapshot that completed last, when it is full and holds each record once (distinct_keys).
   * Two snapshots completing in the same second leave their order unknown, so neither qualifies.
   */
  async wholeStateSnapshots(): Promise<{ system: string; entity: EntityKind; snapshotId: string }[]> {
    const rows = await this.clickhouse.query<{
      system: string;
      entity: string;
      snapshot_id: string;
      mode: string;
      distinct_keys: number;
    }>(
      sql`SELECT system, entity, snapshot_id, mode, distinct_keys FROM snapshot_catalog FINAL
        WHERE (system, entity, completed_at) IN (
          SELECT system, entity, max(completed_at) FROM snapshot_catalog FINAL GROUP BY system, entity)`,
      { tag: 'reconciliation.catalog.whole' },
    );
    const byPair = new Map<string, (typeof rows)[number][]>();
    for (const row of rows) {
      const pair = `${row.system}/${row.entity}`;
      byPair.set(pair, [...(byPair.get(pair) ?? []), row]);
    }
    const whole: { system: string; entity: EntityKind; snapshotId: string }[] = [];
    for (const [last, ...tied] of byPair.values()) {
      if (last && tied.length === 0 && last.mode === 'full' && Number(last.distinct_keys) === 1) {
        whole.push({ system: last.system, entity: last.entity as EntityKind, snapshotId: last.snapshot_id });
      }
    }
    return whole;
  }

  /**
   * Per (system, entity) whose latest full snapshot holds each record once: that full snapshot and
   * every incremental snapshot that may hold newer versions than it, i.e. completed since the full one
   * started (the current state orders versions by when a snapshot started) — at least one, at most
   * `maxIncrementals`, none of them having deleted records by key (those deletions are no snapshot
   * rows). A run reads such a system as the overlay of the two instead of merging every
   * version (OverlayRelation). An incremental that is in fact older only costs a few more records read
   * from the current state, which is right for them either way.
   */
  async overlaySnapshots(
    maxIncrementals: number,
  ): Promise<{ system: string; entity: EntityKind; full: string; incrementals: string[] }[]> {
    const fulls = await this.clickhouse.query<{
      system: string;
      entity: string;
      snapshot_id: string;
      distinct_keys: number;
      started_s: number;
      completed_s: number;
    }>(
      sql`SELECT system, entity, snapshot_id, distinct_keys, toUInt32(started_at) AS started_s,
          toUInt32(completed_at) AS completed_s
        FROM snapshot_catalog FINAL WHERE mode = 'full'
        ORDER BY system, entity, completed_at DESC, snapshot_id LIMIT 2 BY system, entity`,
      { tag: 'reconciliation.catalog.overlay-fulls' },
    );
    // Rows come newest first per pair: the first is the latest full snapshot, the second only tells a tie.
    const latest = new Map<
      string,
      { system: string; entity: string; snapshotId: string; startedS: number; completedS: number }
    >();
    const skipped = new Set<string>();
    for (const row of fulls) {
      const pair = `${row.system}/${row.entity}`;
      const first = latest.get(pair);
      if (first) {
        if (first.completedS === Number(row.completed_s)) skipped.add(pair);
      } else if (!skipped.has(pair)) {
        latest.set(pair, {
          system: row.system,
          entity: row.entity,
          snapshotId: row.snapshot_id,
          startedS: Number(row.started_s),
          completedS: Number(row.completed_s),
        });
        if (Number(row.distinct_keys) !== 1) skipped.add(pair);
      }
    }
    const bases = [...latest.entries()].filter(([pair]) => !skipped.has(pair)).map(([, base]) => base);
    if (bases.length === 0) return [];
    const after = join(
      bases.map(
        (b) => sql`(system = ${b.system} AND entity = ${b.entity} AND completed_at >= toDateTime(${uint(b.startedS)}))`,
      ),
      ' OR ',
    );
    const incrementals = await this.clickhouse.query<{
      system: string;
      entity: string;
      snapshot_id: string;
      deleted_keys: string;
    }>(
      sql`SELECT system, entity, snapshot_id, deleted_keys FROM snapshot_catalog FINAL WHERE mode != 'full' AND (${after})`,
      { tag: 'reconciliation.catalog.overlay-incrementals' },
    );
    const overlays: { system: string; entity: EntityKind; full: string; incrementals: string[] }[] = [];
    for (const base of bases) {
      const since = incrementals.filter((i) => i.system === base.system && i.entity === base.entity);
      if (since.length === 0 || since.length > maxIncrementals) continue;
      // A record deleted by key is no row of its snapshot: the overlay would still show it.
      if (since.some((i) => Number(i.deleted_keys) > 0)) continue;
      overlays.push({
        system: base.system,
        entity: base.entity as EntityKind,
        full: base.snapshotId,
        incrementals: since.map((i) => i.snapshot_id).sort(),
      });
    }
    return overlays;
  }

  /** The last `perPair` complete full snapshots of every (system, entity), newest first. */
  async recentFullSnapshots(perPair: number): Promise<CatalogSnapshot[]> {
    const rows = await this.clickhouse.query<CatalogRow>(
      sql`SELECT snapshot_id, system, entity, mode, row_count, toUInt32(completed_at) AS completed_s
        FROM snapshot_catalog FINAL WHERE mode = 'full'
        ORDER BY system, entity, completed_at DESC, snapshot_id DESC LIMIT ${uint(perPair)} BY system, entity`,
      { tag: 'reconciliation.catalog.recent' },
    );
    return rows.map(toSnapshot);
  }

  /** Complete full snapshots of the given pairs in a time window, oldest first (backtests). */
  async fullSnapshotsBetween(
    pairs: readonly { entity: EntityKind; system: string }[],
    from: Date,
    to: Date,
  ): Promise<CatalogSnapshot[]> {
    if (pairs.length === 0) return [];
    const match = join(
      pairs.map((p) => sql`(system = ${p.system} AND entity = ${p.entity})`),
      ' OR ',
    );
    const rows = await this.clickhouse.query<CatalogRow>(
      sql`SELECT snapshot_id, system, entity, mode, row_count, toUInt32(completed_at) AS completed_s
        FROM snapshot_catalog FINAL
        WHERE mode = 'full' AND (${match})
          AND completed_at >= toDateTime(${uint(seconds(from))}) AND completed_at <= toDateTime(${uint(seconds(to))})
        ORDER BY completed_at, snapshot_id`,
      { tag: 'reconciliation.catalog.between' },
    );
    return rows.map(toSnapshot);
  }

  /** Entities with at least one live identity-crosswalk link (stewardship's confirmed links). */
  async linkedEntities(): Promise<EntityKind[]> {
    const rows = await this.clickhouse.query<{ entity: string }>(
      sql`SELECT DISTINCT entity FROM crosswalk FINAL WHERE deleted = 0`,
      { tag: 'reconciliation.crosswalk.entities' },
    );
    return rows.map((r) => r.entity as EntityKind);
  }

  /** The distinct match keys of the records some snapshots hold (targeted runs after event snapshots). */
  async matchKeysOfSnapshots(
    entity: EntityKind,
    matchField: string,
    snapshotIds: readonly string[],
  ): Promise<string[]> {
    const rows = await this.clickhouse.query<{ k: string }>(
      sql`SELECT DISTINCT ${ident(matchField)} AS k FROM (${this.snapshotKeySet(entity, matchField, snapshotIds)})`,
      { tag: 'reconciliation.snapshot.keys' },
    );
    return rows.map((r) => r.k);
  }

  /**
   * The same keys as a subquery, for rules to read in ClickHouse (see restrictToKeys), and `also`
   * (the match keys of records the snapshots deleted).
   */
  snapshotKeySet(
    entity: EntityKind,
    matchField: string,
    snapshotIds: readonly string[],
    also: readonly string[] = [],
  ): SqlFragment {
    const held = sql`SELECT ${ident(matchField)} FROM ${ident(`snapshot_${entity}`)}
      WHERE snapshot_id IN ${list(snapshotIds)} AND ${ident(matchField)} != ''`;
    return also.length === 0 ? held : sql`${held} UNION ALL SELECT arrayJoin(${array(also)})`;
  }

  /**
   * The match keys of the records these snapshots marked deleted by key (a keyed snapshot that asked
   * for a record its source no longer has): no row of the snapshot holds them, yet a targeted run must
   * see them gone. Only snapshots the catalog counts deletions for are looked up, so the current state
   * is read only after such a deletion.
   */
  async deletedMatchKeys(entity: EntityKind, matchField: string, snapshotIds: readonly string[]): Promise<string[]> {
    if (snapshotIds.length === 0) return [];
    const deleting = await this.clickhouse.query<{ system: string; snapshot_id: string }>(
      sql`SELECT system, snapshot_id FROM snapshot_catalog FINAL
        WHERE entity = ${entity} AND snapshot_id IN ${list(snapshotIds)} AND deleted_keys > 0`,
      { tag: 'reconciliation.snapshot.deleting' },
    );
    if (deleting.length === 0) return [];
    const rows = await this.clickhouse.query<{ k: string }>(
      sql`SELECT DISTINCT ${ident(matchField)} AS k FROM ${ident(`current_${entity}`)}
        WHERE system IN ${list([...new Set(deleting.map((d) => d.system))])}
          AND snapshot_id IN ${list(deleting.map((d) => d.snapshot_id))} AND deleted = 1 AND ${ident(matchField)} != ''`,
      { tag: 'reconciliation.snapshot.deleted-keys' },
    );
    return rows.map((r) => r.k);
  }

  /**
   * Runs a compiled rule inside ClickHouse, writing its findings under the run's id. On a cluster a
   * `shard_local` rule runs verbatim on every shard over the shard's own tables (see rule-placement.ts);
   * a `global` one runs once over the Distributed tables.
   */
  async insertFindings(
    runId: string,
    foundAt: Date,
    findings: SqlFragment,
    placement: RulePlacement = 'global',
  ): Promise<void> {
    const statement = sql`INSERT INTO findings_history (run_id, ${FINDING_COLUMN_LIST}, found_at)
        SELECT ${runId}, ${FINDING_COLUMN_LIST}, toDateTime(${uint(seconds(foundAt))}) FROM (${findings})`;
    const options = { tag: 'reconciliation.findings.insert', settings: RULE_QUERY_SETTINGS };
    if (placement === 'shard_local') await this.clickhouse.commandOnShards(statement, options);
    else await this.clickhouse.command(statement, options);
  }

  /** Findings produced in Node (suspicious snapshots) into the same history. */
  async insertFindingRows(runId: string, foundAt: Date, rows: readonly FindingRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.clickhouse.insert(
      raw('findings_history'),
      rows.map((r) => ({ run_id: runId, ...r, found_at: seconds(foundAt) })),
      { tag: 'reconciliation.findings.rows' },
    );
  }

  /** How many findings each of these rules wrote in a run (rules without any are absent). */
  async countRunFindings(runId: string, ruleIds: readonly string[]): Promise<Map<string, number>> {
    if (ruleIds.length === 0) return new Map();
    const rows = await this.clickhouse.query<{ rule_id: string; n: string }>(
      sql`SELECT rule_id, count() AS n FROM findings_history
        WHERE run_id = ${runId} AND rule_id IN ${list(ruleIds)} GROUP BY rule_id`,
      { tag: 'reconciliation.findings.count' },
    );
    return new Map(rows.map((r) => [r.rule_id, Number(r.n)]));
  }

  /**
   * One rule's findings of one run, streamed; with `part`, only part `index` of `of` disjoint parts.
   * A part holds every observation of the findings it holds: the parts split on what makes a finding's
   * id within a rule (entity is the rule's), so parts can be merged concurrently and apart.
   */
  streamFindings(runId: string, ruleId: string, part?: { index: number; of: number }): AsyncGenerator<FindingRow> {
    const slice = part
      ? sql` AND cityHash64(entity, match_key, field, actual_system) % ${uint(part.of)} = ${uint(part.index)}`
      : sql``;
    return this.clickhouse.stream<FindingRow>(
      sql`SELECT ${FINDING_COLUMN_LIST} FROM findings_history WHERE run_id = ${runId} AND rule_id = ${ruleId}${slice}`,
      { tag: 'reconciliation.findings.stream' },
    );
  }

  /**
   * The first `limit` findings of a compiled rule, without writing anything (dry-run). Held rows
   * (UNSETTLED_KIND) are no findings and left out, here and in countFindings.
   */
  async previewFindings(findings: SqlFragment, limit: number): Promise<FindingRow[]> {
    return this.clickhouse.query<FindingRow>(
      sql`SELECT * FROM (${findings}) WHERE kind != ${UNSETTLED_KIND} LIMIT ${uint(limit)}`,
      { tag: 'reconciliation.preview', settings: RULE_QUERY_SETTINGS },
    );
  }

  /** How many findings a compiled rule yields, per kind. */
  async countFindings(findings: SqlFragment): Promise<Record<string, number>> {
    const rows = await this.clickhouse.query<{ kind: string; n: string }>(
      sql`SELECT kind, count() AS n FROM (${findings}) WHERE kind != ${UNSETTLED_KIND} GROUP BY kind`,
      { tag: 'reconciliation.count', settings: RULE_QUERY_SETTINGS },
    );
    return Object.fromEntries(rows.map((r) => [r.kind, Number(r.n)]));
  }
}
