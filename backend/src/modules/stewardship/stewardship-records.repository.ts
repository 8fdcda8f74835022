import { Injectable } from '@nestjs/common';
import {
  CANONICAL_COLUMNS,
  DEFAULT_MATCH_FIELD,
  normalize,
  tableSource,
  type EntityKind,
} from '@driftwatch/reconciliation-rules';
import { ClickHouseService } from '../../clickhouse/clickhouse.service';
import { ident, join, list, sql, type SqlFragment } from '../../clickhouse/sql';
import type { IdentityField } from './identity-fields';
import type { RecordRef, RecordState } from './stewardship-item';

export interface IdentityMatch {
  subjectKey: string;
  candidateKey: string;
  field: string;
}

export interface CrosswalkRow {
  entity: string;
  system: string;
  entityKey: string;
  globalId: string;
  linkId: string;
  deleted: boolean;
}

const live = (entity: EntityKind, system: string): SqlFragment =>
  tableSource(ident(`current_${entity}`), system, { final: true, liveOnly: true, materializedHashes: false });

/**
 * Every ClickHouse read and write of stewardship: records side by side from the current state,
 * identity-field matches for link suggestions, and the identity crosswalk reconciliation joins.
 */
// Epoch seconds, not ClickHouse's text of a DateTime (server zone, no offset): ISO like the rest of the API.
const isoFromSeconds = (seconds: string | undefined): string => new Date(Number(seconds ?? 0) * 1000).toISOString();

@Injectable()
export class StewardshipRecordsRepository {
  constructor(private readonly clickhouse: ClickHouseService) {}

  /** The latest state of each referenced record that still exists (absent ones are left out). */
  async records(entity: EntityKind, refs: readonly RecordRef[]): Promise<RecordState[]> {
    const bySystem = new Map<string, string[]>();
    for (const ref of refs) bySystem.set(ref.system, [...(bySystem.get(ref.system) ?? []), ref.entityKey]);
    if (bySystem.size === 0) return [];
    const columns = CANONICAL_COLUMNS[entity].map((c) => c.name);
    const picked = join(columns.map((c) => sql`toString(${ident(c)}) AS ${ident(c)}`));
    const parts = [...bySystem.entries()].map(
      ([system, keys]) => sql`SELECT system, entity_key, snapshot_id, toString(toUInt32(captured_at)) AS captured_s,
        toString(toUInt32(source_updated_at)) AS source_updated_s, ${picked}
      FROM ${live(entity, system)} WHERE entity_key IN ${list(keys)}`,
    );
    const rows = await this.clickhouse.query<Record<string, string>>(join(parts, ' UNION ALL '), {
      tag: 'stewardship.records',
    });
    return rows.map((row) => ({
      system: row.system,
      entityKey: row.entity_key,
      snapshotId: row.snapshot_id,
      capturedAt: isoFromSeconds(row.captured_s),
      sourceUpdatedAt: isoFromSeconds(row.source_updated_s),
      fields: Object.fromEntries(columns.map((c) => [c, row[c] ?? ''])),
    }));
  }

  /**
   * Records of `targetSystem` that agree with a subject record of `subjectSystem` on a normalised
   * identity field and that have no counterpart by the default match key themselves (a record that
   * already matches something is not an unmatched record's missing twin).
   */
  async identityMatches(
    entity: EntityKind,
    subjectSystem: string,
    subjectKeys: readonly string[],
    targetSystem: string,
    fields: readonly IdentityField[],
  ): Promise<IdentityMatch[]> {
    if (subjectKeys.length === 0 || fields.length === 0) return [];
    const matchField = ident(DEFAULT_MATCH_FIELD[entity]);
    const subjects = live(entity, subjectSystem);
    const targets = live(entity, targetSystem);
    const parts = fields.map((f) => {
      const value = normalize(ident(f.field), f.normalize);
      const subjectValues = sql`SELECT entity_key AS f_subject_key, ${value} AS f_value FROM ${subjects}
        WHERE entity_key IN ${list([...subjectKeys])} AND f_value != ''`;
      return sql`SELECT f_subject_key, f_candidate_key, ${f.field} AS f_field FROM (${subjectValues})
        ALL INNER JOIN (
          SELECT entity_key AS f_candidate_key, ${value} AS f_value FROM ${targets}
          WHERE f_value != '' AND f_value IN (SELECT f_value FROM (${subjectValues}))
            AND ${matchField} NOT IN (SELECT ${matchField} FROM ${subjects} WHERE ${matchField} != '')
        ) USING f_value
        LIMIT 20 BY f_subject_key`;
    });
    const rows = await this.clickhouse.query<{ f_subject_key: string; f_candidate_key: string; f_field: string }>(
      join(parts, ' UNION ALL '),
      { tag: 'stewardship.identity-matches' },
    );
    return rows.map((r) => ({ subjectKey: r.f_subject_key, candidateKey: r.f_candidate_key, field: r.f_field }));
  }

  /** Writes crosswalk rows; a newer version replaces an older row of the same (entity, system, key). */
  async writeCrosswalk(rows: readonly CrosswalkRow[]): Promise<void> {
    if (rows.length === 0) return;
    const now = Date.now();
    await this.clickhouse.insert(
      ident('crosswalk'),
      rows.map((r) => ({
        entity: r.entity,
        system: r.system,
        entity_key: r.entityKey,
        global_id: r.globalId,
        link_id: r.linkId,
        linked_at: Math.floor(now / 1000),
        version: now,
        deleted: r.deleted ? 1 : 0,
      })),
      { tag: 'stewardship.crosswalk.write' },
    );
  }

  async crosswalkOf(entity: string, refs: readonly RecordRef[]): Promise<CrosswalkRow[]> {
    if (refs.length === 0) return [];
    const keys = [...new Set(refs.map((r) => r.entityKey))];
    const rows = await this.clickhouse.query<{
      system: string;
      entity_key: string;
      global_id: string;
      link_id: string;
    }>(
      sql`SELECT system, entity_key, global_id, link_id FROM crosswalk FINAL
        WHERE entity = ${entity} AND entity_key IN ${list(keys)} AND deleted = 0`,
      { tag: 'stewardship.crosswalk.read' },
    );
    return rows
      .filter((r) => refs.some((ref) => ref.system === r.system && ref.entityKey === r.entity_key))
      .map((r) => ({
        entity,
        system: r.system,
        entityKey: r.entity_key,
        globalId: r.global_id,
        linkId: r.link_id,
        deleted: false,
      }));
  }
}
