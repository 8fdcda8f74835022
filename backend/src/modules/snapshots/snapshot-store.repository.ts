import { Injectable } from '@nestjs/common';
import { DEFAULT_MATCH_FIELD } from '@driftwatch/reconciliation-rules';
import type { Readable } from 'node:stream';
import { ClickHouseService } from '../../clickhouse/clickhouse.service';
import { array, ident, join, raw, sql, SqlFragment } from '../../clickhouse/sql';
import type { EntityKind, RejectedRecord } from '../../connectors/canonical-model';
import type { TransitionTime } from '../../connectors/mapping/entity-mapping';
import type { CatalogMode } from './snapshot-catalog-modes';
import { canonicalColumns, excerpt, snapshotColumns, STATUS_FIELDS } from './snapshot-row.mapper';

export interface CatalogEntry {
  snapshotId: string;
  system: string;
  entity: EntityKind;
  mode: CatalogMode;
  rowCount: number;
  rejectCount: number;
  /** Records the snapshot marked deleted by key (markKeyedDeletions); full snapshots' deletions are not counted here. */
  deletedKeys?: number;
  startedAt: Date;
  completedAt: Date;
}

/** Keys per statement of markKeyedDeletions: two inline lists of them stay far below max_query_size (256 KiB). */
const KEYED_DELETIONS_CHUNK = 2_000;

const seconds = (date: Date): number => Math.floor(date.getTime() / 1000);
const columnList = (columns: readonly string[]): SqlFragment => join(columns.map((c) => ident(c)));

/** Every ClickHouse read and write of the snapshot pipeline (schema: migrations/0001_snapshots.sql). */
@Injectable()
export class SnapshotStoreRepository {
  constructor(private readonly clickhouse: ClickHouseService) {}

  /**
   * Streams rows, encoded by RowBinaryEncoder in `snapshotColumns` order, into `snapshot_<entity>` as
   * one insert request; resolves once ClickHouse has them.
   */
  async insertRows(entity: EntityKind, rowBinary: Readable, signal?: AbortSignal): Promise<void> {
    // Row objects would reach ClickHouse as garbage bytes and it would only drop the connection.
    if (rowBinary.readableObjectMode) {
      throw new TypeError('insertRows takes RowBinary bytes (RowBinaryEncoder), not an object-mode stream of rows');
    }
    const table = sql`${ident(`snapshot_${entity}`)} (${columnList(snapshotColumns(entity))})`;
    await this.clickhouse.insertRowBinary(table, rowBinary, { tag: 'snapshots.insert', signal });
  }

  async insertRejects(snapshotId: string, rejects: readonly RejectedRecord[], at: Date): Promise<void> {
    if (rejects.length === 0) return;
    const rows = rejects.map((r) => ({
      system: r.system,
      entity: r.entity,
      entity_key: typeof r.sourceKey === 'string' ? r.sourceKey : '',
      snapshot_id: snapshotId,
      reason: String(r.reason),
      raw_excerpt: excerpt(r.rawExcerpt),
      rejected_at: seconds(at),
    }));
    await this.clickhouse.insert(raw('rejected_records'), rows, { tag: 'snapshots.rejects' });
  }

  async countRows(entity: EntityKind, system: string, snapshotId: string): Promise<number> {
    const rows = await this.clickhouse.query<{ n: string }>(
      sql`SELECT count() AS n FROM ${ident(`snapshot_${entity}`)} WHERE system = ${system} AND snapshot_id = ${snapshotId}`,
      { tag: 'snapshots.count' },
    );
    return Number(rows[0]?.n ?? 0);
  }

  /**
   * Appends the status transitions this snapshot shows relative to the current state (before the
   * current state is updated), with the source's own timestamp when it has one. A transition already
   * recorded (same key, value and time) is not recorded again, so a retried finalisation adds nothing.
   * `at: 'updatedAt'`: the system's status time is a copy of the system of record's (see the
   * connector's `transitionsAt`), so the record's modification time says when the status arrived.
   */
  async recordTransitions(
    entity: EntityKind,
    system: string,
    snapshotId: string,
    at: TransitionTime = 'statusTime',
  ): Promise<void> {
    const spec = STATUS_FIELDS[entity];
    if (!spec) return;
    const field = ident(spec.field);
    const occurred =
      spec.at && at === 'statusTime'
        ? sql`if(toUInt32(${ident(spec.at)}) > 0, ${ident(spec.at)}, if(toUInt32(source_updated_at) > 0, source_updated_at, captured_at))`
        : raw('if(toUInt32(source_updated_at) > 0, source_updated_at, captured_at)');
    const current = ident(`current_${entity}`);
    await this.clickhouse.command(
      sql`INSERT INTO entity_events (system, entity, entity_key, match_key, field, value, occurred_at, captured_at)
        SELECT system, ${entity}, entity_key, ${ident(spec.matchKey)}, ${spec.field}, ${field}, ${occurred} AS occurred, captured_at
        FROM ${ident(`snapshot_${entity}`)}
        WHERE system = ${system} AND snapshot_id = ${snapshotId}
          AND (entity_key, ${field}) NOT IN (
            SELECT entity_key, ${field} FROM (
              SELECT entity_key, ${field}, deleted FROM ${current} FINAL WHERE system = ${system}
            ) WHERE deleted = 0)
          AND (entity_key, ${field}, occurred) NOT IN (
            SELECT entity_key, value, occurred_at FROM entity_events
            WHERE system = ${system} AND entity = ${entity} AND field = ${spec.field})`,
      { tag: 'snapshots.transitions' },
    );
  }

  /**
   * Copies a complete snapshot into `current_<entity>` under a version newer than what it replaces
   * (on a cluster, superseding the older versions of records whose match key changed: below).
   */
  async updateCurrent(entity: EntityKind, system: string, snapshotId: string, version: number): Promise<void> {
    const columns = columnList(snapshotColumns(entity));
    await this.clickhouse.command(
      sql`INSERT INTO ${ident(`current_${entity}`)} (${columns}, version, deleted)
        SELECT ${columns}, ${version}, 0 FROM ${ident(`snapshot_${entity}`)}
        WHERE system = ${system} AND snapshot_id = ${snapshotId}`,
      { tag: 'snapshots.current' },
    );
    if (this.clickhouse.cluster) await this.supersedeMovedRecords(entity, system, snapshotId, version);
  }

  /**
   * On a cluster `current_<entity>` is sharded by match key, and each shard deduplicates only its own
   * rows: a record whose match key changed in this snapshot has its new version on one shard while
   * the older one stays live on another (a customer renumbered in its source would show under both
   * numbers). Each such older row gets a `deleted = 1` copy, which the Distributed table routes to
   * that row's shard. The copy's version is one below the snapshot's: above the row it supersedes
   * (versions are snapshot start times in ms), below the new version where both keys share a shard.
   */
  private async supersedeMovedRecords(
    entity: EntityKind,
    system: string,
    snapshotId: string,
    version: number,
  ): Promise<void> {
    const current = ident(`current_${entity}`);
    const snapshot = ident(`snapshot_${entity}`);
    const match = ident(DEFAULT_MATCH_FIELD[entity]);
    const columns = snapshotColumns(entity).filter((c) => c !== 'snapshot_id');
    // GLOBAL IN: a record's snapshot row may sit on another shard than its older current row.
    await this.clickhouse.command(
      sql`INSERT INTO ${current} (${columnList(columns)}, snapshot_id, version, deleted)
        SELECT ${columnList(columns)}, ${snapshotId}, ${version - 1}, 1 FROM (
          SELECT ${columnList(columns)}, key_hash, deleted FROM ${current} FINAL
          PREWHERE key_hash GLOBAL IN (
            SELECT key_hash FROM ${snapshot} WHERE system = ${system} AND snapshot_id = ${snapshotId}
          )
          WHERE system = ${system}
        ) WHERE deleted = 0 AND (key_hash, ${match}) NOT IN (
          SELECT key_hash, ${match} FROM ${snapshot} WHERE system = ${system} AND snapshot_id = ${snapshotId}
        )`,
      { tag: 'snapshots.current.moved' },
    );
  }

  /**
   * After a complete full snapshot: every key current holds as live but the snapshot lacks gets a
   * `deleted = 1` row (same fields, new version). Returns how many keys were marked.
   */
  async markDeletions(
    entity: EntityKind,
    system: string,
    snapshotId: string,
    capturedAt: Date,
    version: number,
  ): Promise<number> {
    const canonical = canonicalColumns(entity).map((c) => ident(c));
    const live = sql`(
      SELECT entity_key, source_updated_at, ${join(canonical)}, raw_excerpt, key_hash, deleted
      FROM ${ident(`current_${entity}`)} FINAL WHERE system = ${system}
    ) WHERE deleted = 0 AND key_hash NOT IN (
      SELECT key_hash FROM ${ident(`snapshot_${entity}`)} WHERE system = ${system} AND snapshot_id = ${snapshotId}
    )`;
    const counted = await this.clickhouse.query<{ n: string }>(sql`SELECT count() AS n FROM ${live}`, {
      tag: 'snapshots.deletions.count',
    });
    const n = Number(counted[0]?.n ?? 0);
    if (n === 0) return 0;
    const columns = columnList(snapshotColumns(entity));
    await this.clickhouse.command(
      sql`INSERT INTO ${ident(`current_${entity}`)} (${columns}, version, deleted)
        SELECT ${system}, entity_key, ${snapshotId}, toDateTime(${seconds(capturedAt)}), source_updated_at,
          ${join(canonical)}, raw_excerpt, ${version}, 1
        FROM ${live}`,
      { tag: 'snapshots.deletions' },
    );
    return n;
  }

  /**
   * Marks deleted, in the current state, the records a keyed snapshot asked for by key and did not get:
   * live in the current state, absent from the snapshot and not among its rejects (a malformed record
   * is no deleted one). A snapshot holding a reject without a key deletes nothing: that reject may be
   * any of the keys. The change stream and webhooks name deleted records too (a duplicate account
   * merged away in the CRM), and without this they stayed live until the next full snapshot.
   */
  async markKeyedDeletions(
    entity: EntityKind,
    system: string,
    snapshotId: string,
    keys: readonly string[],
    capturedAt: Date,
    version: number,
  ): Promise<number> {
    const canonical = canonicalColumns(entity).map((c) => ident(c));
    const columns = columnList(snapshotColumns(entity));
    const rejects = sql`SELECT entity_key FROM rejected_records
      WHERE system = ${system} AND entity = ${entity} AND snapshot_id = ${snapshotId}`;
    const [unkeyed] = await this.clickhouse.query<{ n: string }>(
      sql`SELECT count() AS n FROM (${rejects}) WHERE entity_key = ''`,
      { tag: 'snapshots.keyed-deletions.unkeyed' },
    );
    if (Number(unkeyed?.n ?? 0) > 0) return 0;
    let deleted = 0;
    const unique = [...new Set(keys)];
    for (let i = 0; i < unique.length; i += KEYED_DELETIONS_CHUNK) {
      const chunk = unique.slice(i, i + KEYED_DELETIONS_CHUNK);
      const live = sql`(
        SELECT entity_key, source_updated_at, ${join(canonical)}, raw_excerpt, key_hash, deleted
        FROM ${ident(`current_${entity}`)} FINAL
        PREWHERE key_hash IN (SELECT cityHash64(arrayJoin(${array(chunk)})))
        WHERE system = ${system}
      ) WHERE deleted = 0 AND has(${array(chunk)}, entity_key)
        AND key_hash NOT IN (
          SELECT key_hash FROM ${ident(`snapshot_${entity}`)} WHERE system = ${system} AND snapshot_id = ${snapshotId})
        AND entity_key NOT IN (${rejects})`;
      const [counted] = await this.clickhouse.query<{ n: string }>(sql`SELECT count() AS n FROM ${live}`, {
        tag: 'snapshots.keyed-deletions.count',
      });
      const n = Number(counted?.n ?? 0);
      if (n === 0) continue;
      await this.clickhouse.command(
        sql`INSERT INTO ${ident(`current_${entity}`)} (${columns}, version, deleted)
          SELECT ${system}, entity_key, ${snapshotId}, toDateTime(${seconds(capturedAt)}), source_updated_at,
            ${join(canonical)}, raw_excerpt, ${version}, 1
          FROM ${live}`,
        { tag: 'snapshots.keyed-deletions' },
      );
      deleted += n;
    }
    return deleted;
  }

  /**
   * Lists a complete snapshot. Whether it holds each record once is measured here (a source can page
   * a record twice) and recorded as `distinct_keys`: only then may a full run read the snapshot as the
   * system's state instead of merging current_<entity> (reconciliation-store.repository.ts).
   */
  async addToCatalog(entry: CatalogEntry): Promise<void> {
    const [counts] = await this.clickhouse.query<{ n: string; keys: string }>(
      sql`SELECT count() AS n, uniqExact(key_hash) AS keys FROM ${ident(`snapshot_${entry.entity}`)}
        WHERE system = ${entry.system} AND snapshot_id = ${entry.snapshotId}`,
      { tag: 'snapshots.catalog.distinct' },
    );
    const distinctKeys = counts !== undefined && counts.n === counts.keys ? 1 : 0;
    await this.clickhouse.insert(
      raw('snapshot_catalog'),
      [
        {
          snapshot_id: entry.snapshotId,
          system: entry.system,
          entity: entry.entity,
          mode: entry.mode,
          row_count: entry.rowCount,
          reject_count: entry.rejectCount,
          started_at: seconds(entry.startedAt),
          completed_at: seconds(entry.completedAt),
          distinct_keys: distinctKeys,
          deleted_keys: entry.deletedKeys ?? 0,
        },
      ],
      { tag: 'snapshots.catalog' },
    );
  }

  async isCatalogued(snapshotId: string): Promise<boolean> {
    const rows = await this.clickhouse.query<{ n: string }>(
      sql`SELECT count() AS n FROM snapshot_catalog WHERE snapshot_id = ${snapshotId}`,
      { tag: 'snapshots.catalog.check' },
    );
    return Number(rows[0]?.n ?? 0) > 0;
  }

  /** Removes what a run that did not complete wrote (mutations run asynchronously in ClickHouse). */
  /** Mutations run on every shard's own tables in cluster mode (a Distributed table refuses them). */
  async purge(entity: EntityKind, snapshotId: string): Promise<void> {
    await this.clickhouse.commandOnShards(
      sql`ALTER TABLE ${ident(`snapshot_${entity}`)} DELETE WHERE snapshot_id = ${snapshotId}`,
      { tag: 'snapshots.purge' },
    );
    await this.clickhouse.commandOnShards(sql`ALTER TABLE rejected_records DELETE WHERE snapshot_id = ${snapshotId}`, {
      tag: 'snapshots.purge.rejects',
    });
    // A run can fail after its catalog entry was written (Postgres down at the very end).
    await this.clickhouse.commandOnShards(sql`ALTER TABLE snapshot_catalog DELETE WHERE snapshot_id = ${snapshotId}`, {
      tag: 'snapshots.purge.catalog',
    });
  }
}
