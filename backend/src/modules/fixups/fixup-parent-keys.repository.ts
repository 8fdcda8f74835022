import { Injectable, Optional } from '@nestjs/common';
import { DEFAULT_MATCH_FIELD, tableSource, type EntityKind } from '@driftwatch/reconciliation-rules';
import { ClickHouseService } from '../../clickhouse/clickhouse.service';
import { ident, list, sql } from '../../clickhouse/sql';

export class NoClickHouseError extends Error {
  constructor() {
    super('parent keys cannot be resolved: this process has no ClickHouse connection');
    this.name = 'NoClickHouseError';
  }
}

/**
 * Resolves a parent's match key (what hierarchy findings compare) to a system's own key for that
 * record, the way reconciliation matched it: the identity crosswalk's global id where a steward linked
 * the record, the default match field (customer number) elsewhere. Reads the current live state only.
 */
@Injectable()
export class FixupParentKeysRepository {
  constructor(@Optional() private readonly clickhouse?: ClickHouseService) {}

  get available(): boolean {
    return this.clickhouse !== undefined;
  }

  /** Match key → the entity keys in `system` that carry it (more than one: the parent is ambiguous). */
  async keysInSystem(
    entity: EntityKind,
    system: string,
    matchField: string | undefined,
    matchKeys: readonly string[],
  ): Promise<Map<string, string[]>> {
    if (!this.clickhouse) throw new NoClickHouseError();
    const wanted = [...new Set(matchKeys.filter((k) => k !== ''))];
    const found = new Map<string, string[]>();
    if (wanted.length === 0) return found;
    const field = ident(matchField ?? DEFAULT_MATCH_FIELD[entity]);
    const live = tableSource(ident(`current_${entity}`), system, {
      final: true,
      liveOnly: true,
      materializedHashes: false,
    });
    const links = sql`SELECT entity_key, global_id AS f_global_id FROM crosswalk FINAL
      WHERE entity = ${entity} AND system = ${system} AND deleted = 0`;
    // Only candidates are joined: records with a wanted match field or linked under a wanted global id
    // (a record whose link overrides its match field is then filtered out by its resolved match key).
    const rows = await this.clickhouse.query<{ f_match_key: string; entity_key: string }>(
      sql`SELECT f_match_key, entity_key FROM (
          SELECT entity_key, if(ifNull(f_global_id, '') != '', f_global_id, f_default_key) AS f_match_key
          FROM (SELECT entity_key, toString(${field}) AS f_default_key FROM ${live}
            WHERE toString(${field}) IN ${list(wanted)}
              OR entity_key IN (SELECT entity_key FROM (${links}) WHERE f_global_id IN ${list(wanted)}))
          ALL LEFT JOIN (${links}) USING entity_key
        ) WHERE f_match_key IN ${list(wanted)}
        ORDER BY f_match_key, entity_key`,
      { tag: 'fixups.parent-keys' },
    );
    for (const row of rows) found.set(row.f_match_key, [...(found.get(row.f_match_key) ?? []), row.entity_key]);
    return found;
  }
}
