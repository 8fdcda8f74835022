/**
 * `pairs(connector_id, entity)`: every (system, entity) with a snapshot run, for a `WITH RECURSIVE`
 * clause. Postgres has no skip scan, so listing the few pairs with DISTINCT (or DISTINCT ON) reads every
 * run; this walks `snapshot_runs_latest_idx` instead, one probe per pair. Readers then take what they
 * want of each pair with a `LATERAL … LIMIT 1` on an index in their order.
 */
export const SNAPSHOT_RUN_PAIRS = `pairs (connector_id, entity) AS (
    (SELECT connector_id, entity FROM snapshot_runs ORDER BY connector_id, entity LIMIT 1)
    UNION ALL
    SELECT next.connector_id, next.entity FROM pairs CROSS JOIN LATERAL (
      SELECT s.connector_id, s.entity FROM snapshot_runs s
      WHERE (s.connector_id, s.entity) > (pairs.connector_id, pairs.entity)
      ORDER BY s.connector_id, s.entity LIMIT 1
    ) next
  )`;

/**
 * Run `r` read its entity whole, not the records of a change event's keys (a keyed run: a handful of
 * rows, dozens a minute from a webhook source, never the entity's state, freshness or throughput).
 */
export const WHOLE_ENTITY_RUN = `r.keys IS NULL`;

/**
 * A complete run of a whole entity (a full snapshot, never a targeted one) as run `r`. It spells out
 * migration 0020's partial-index predicate (`keys IS NULL` with the status) so that the planner reads
 * that index of full-scope runs instead of every event-triggered run behind a pair's latest full one.
 */
export const COMPLETE_FULL_RUN = `r.status = 'complete' AND r.mode = 'full' AND ${WHOLE_ENTITY_RUN}`;
