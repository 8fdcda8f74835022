/**
 * The identity crosswalk in the compile context. For entities with confirmed links, every source
 * gets the crosswalk's global id joined on entity_key, and the match key becomes that global id
 * where a record has one, the default match field elsewhere. Entities without links compile
 * exactly as before, so a run pays for the join only once a steward has linked something.
 */
import { DEFAULT_MATCH_FIELD, type CompileContext, type EntityKind } from '@driftwatch/reconciliation-rules';
import { ident, sql } from '../../clickhouse/sql';

export const CROSSWALK_COLUMN = 'crosswalk_global_id';

export function withCrosswalk(
  sources: CompileContext['sources'],
  linked: readonly EntityKind[],
): { sources: CompileContext['sources']; matchKeys: NonNullable<CompileContext['matchKeys']> } {
  const joined: CompileContext['sources'] = { ...sources };
  const matchKeys: NonNullable<CompileContext['matchKeys']> = {};
  for (const entity of linked) {
    const relations = sources[entity];
    if (!relations) continue;
    const column = ident(CROSSWALK_COLUMN);
    joined[entity] = Object.fromEntries(
      Object.entries(relations).map(([system, relation]) => [
        system,
        sql`(SELECT * FROM ${relation}
        ALL LEFT JOIN (SELECT entity_key, global_id AS ${column} FROM crosswalk FINAL
          WHERE entity = ${entity} AND system = ${system} AND deleted = 0) USING entity_key)`,
      ]),
    );
    matchKeys[entity] = sql`if(${column} != '', ${column}, ${ident(DEFAULT_MATCH_FIELD[entity])})`;
  }
  return { sources: joined, matchKeys };
}
