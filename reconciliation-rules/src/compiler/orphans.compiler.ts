/**
 * presence, check: orphan: children whose parent record is absent in the same system, or in
 * `parent_system` (a WMS shipment's order in the ERP); with `settle`, an orphan changed within it before
 * the evaluation is held (UNSETTLED_KIND: its parent may still be on its way; source_updated_at, a
 * system that sends none counts as settled), not reported. The parents
 * are a narrow set of hashes, and only of the parents some child references, so the set stays as
 * small as the children; where the parent is named by its entity key, only those parent records are
 * read (by key_hash), and merged when the source is the current state.
 */
import type { RuleOfKind } from '../rules/rule.schema';
import { ident, sql, type SqlFragment } from '../sql/sql-fragment';
import type { ContextReader } from './compile-context';
import { jsonObject, unionAll, UNSETTLED_KIND } from './finding-row';

type OrphanSpec = Extract<RuleOfKind<'presence'>['spec'], { check: 'orphan' }>;

/** Hashes of the parent records some child of `system` references (key_hash when named by entity key). */
function parentHashes(spec: OrphanSpec, reader: ContextReader, system: string): SqlFragment {
  const reference = ident(spec.reference);
  // Any stored version of a child may add a reference; the set only narrows which parents are read.
  const referenced = sql`SELECT cityHash64(${reference}) FROM ${reader.anyVersionRows(spec.entity, system, sql`${reference} != ''`)}`;
  if (spec.parent_field === 'entity_key') {
    const parents = reader.keyedRows(
      spec.parent_entity,
      [system],
      [sql`key_hash AS f_parent_hash`, sql`entity_key AS f_parent_key`],
      referenced,
    );
    return sql`SELECT f_parent_hash FROM (${parents}) WHERE f_parent_key != ''`;
  }
  const field = ident(spec.parent_field);
  return sql`SELECT cityHash64(${field}) FROM ${reader.lookupSource(spec.parent_entity, spec.parent_system ?? system)}
      WHERE ${field} != '' AND cityHash64(${field}) IN (${referenced})`;
}

export function compileOrphans(spec: OrphanSpec, reader: ContextReader): SqlFragment {
  const reference = ident(spec.reference);
  const parts = spec.systems.map((system) => {
    // Without require_reference only children holding a reference can be orphans: read just those.
    const children = spec.require_reference
      ? reader.source(spec.entity, system)
      : reader.sourceWhere(spec.entity, system, sql`${reference} != ''`);
    const emptyIsOrphan = spec.require_reference ? sql`${reference} = '' OR ` : sql``;
    const orphan = sql`${emptyIsOrphan}(${reference} != '' AND cityHash64(${reference}) NOT IN (${parentHashes(spec, reader, system)}))`;
    const kind =
      spec.settle === undefined
        ? sql`'orphan'`
        : sql`if(${reader.stillSettling(sql`toUInt32(source_updated_at)`, spec.settle)}, ${UNSETTLED_KIND}, 'orphan')`;
    const details = jsonObject({
      child_key: { text: sql`entity_key` },
      parent_entity: { text: sql`${spec.parent_entity}` },
      parent_field: { text: sql`${spec.parent_field}` },
      ...(spec.parent_system ? { parent_system: { text: sql`${spec.parent_system}` } } : {}),
    });
    return sql`SELECT entity_key AS f_match_key, ${spec.reference} AS f_field, ${kind} AS f_kind, ${system} AS f_owner_system,
      '' AS f_expected_value, ${system} AS f_actual_system, ${reference} AS f_actual_value, ${details} AS f_details, 1 AS f_score
    FROM ${children}
    WHERE ${orphan}`;
  });
  return unionAll(parts);
}
