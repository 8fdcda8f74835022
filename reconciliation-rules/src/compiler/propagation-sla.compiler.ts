/**
 * propagation_sla: a change recorded in `entity_events` for system A must show up (same match key,
 * field and normalised value) in system B within a time limit. 18.16 has no ASOF or non-equi join,
 * so events are joined on (key, value) and the first target event at or after the source event wins.
 */
import { durationSeconds, type RuleOfKind } from '../rules/rule.schema';
import { sql, type SqlFragment } from '../sql/sql-fragment';
import type { ContextReader } from './compile-context';
import { jsonObject } from './finding-row';
import { normalize } from './normalizers';

type SlaRule = RuleOfKind<'propagation_sla'>;

/** One row per source event: when (if) it reached the target and its latency or current age. */
function deliveries(rule: SlaRule, reader: ContextReader): SqlFragment {
  const { entity, field, from, to } = rule.spec;
  const events = reader.events();
  const asOf = reader.asOf();
  const since = sql`${asOf} - ${durationSeconds(rule.spec.lookback)}`;
  const value = normalize(sql`value`, rule.spec.normalize);
  return sql`SELECT f_match_key, f_value, f_occurred_at, f_source_key, f_delivered, f_delivered_at,
      if(f_delivered, toInt64(f_delivered_at) - toInt64(f_occurred_at), toInt64(${asOf}) - toInt64(f_occurred_at)) AS f_latency
    FROM (
      SELECT f_match_key, f_value, f_occurred_at, any(f_source_key) AS f_source_key,
        countIf(f_target_at >= f_occurred_at) > 0 AS f_delivered, minIf(f_target_at, f_target_at >= f_occurred_at) AS f_delivered_at
      FROM (
        SELECT match_key AS f_match_key, ${value} AS f_value, occurred_at AS f_occurred_at, entity_key AS f_source_key
        FROM ${events}
        WHERE system = ${from} AND entity = ${entity} AND field = ${field} AND match_key != ''
          AND occurred_at >= ${since} AND occurred_at <= ${asOf}
      ) ALL LEFT JOIN (
        SELECT match_key AS f_match_key, ${value} AS f_value, occurred_at AS f_target_at
        FROM ${events}
        WHERE system = ${to} AND entity = ${entity} AND field = ${field} AND match_key != ''
          AND occurred_at >= ${since} AND occurred_at <= ${asOf}
      ) USING (f_match_key, f_value)
      GROUP BY f_match_key, f_value, f_occurred_at
    )`;
}

/** Breaches: delivered late, or not delivered and older than the limit. Latest breach per key. */
export function compilePropagationSla(rule: SlaRule, reader: ContextReader): SqlFragment {
  const { from, to, route, field } = rule.spec;
  const within = durationSeconds(rule.spec.within);
  const details = jsonObject({
    route: { text: sql`${route}` },
    delivered: { bool: sql`f_delivered` },
    occurred_at: { text: sql`toString(f_occurred_at, 'UTC')` },
    delivered_at: { text: sql`if(f_delivered, toString(f_delivered_at, 'UTC'), '')` },
    latency_seconds: { number: sql`f_latency` },
    limit_seconds: { number: sql`${within}` },
    source_key: { text: sql`f_source_key` },
  });
  return sql`SELECT f_match_key, ${field} AS f_field, 'sla_breach' AS f_kind, ${from} AS f_owner_system, f_value AS f_expected_value,
    ${to} AS f_actual_system, if(f_delivered, f_value, '') AS f_actual_value, ${details} AS f_details, f_latency AS f_score
  FROM (${deliveries(rule, reader)})
  WHERE f_latency > ${within}
  ORDER BY f_match_key, f_occurred_at DESC
  LIMIT 1 BY f_match_key`;
}

/** Latency percentiles of the route: one row (route, events, delivered, breaches, pending, p50…p99, max). */
export function compilePropagationLatency(rule: SlaRule, reader: ContextReader): SqlFragment {
  const within = durationSeconds(rule.spec.within);
  return sql`SELECT ${rule.spec.route} AS route, ${rule.spec.from} AS from_system, ${rule.spec.to} AS to_system,
    count() AS events, countIf(f_delivered) AS delivered,
    countIf(f_latency > ${within}) AS breaches, countIf(NOT f_delivered AND f_latency <= ${within}) AS pending,
    quantilesIf(0.5, 0.9, 0.95, 0.99)(toFloat64(f_latency), f_delivered) AS f_quantiles,
    f_quantiles[1] AS p50_seconds, f_quantiles[2] AS p90_seconds, f_quantiles[3] AS p95_seconds, f_quantiles[4] AS p99_seconds,
    maxIf(f_latency, f_delivered) AS max_seconds
  FROM (${deliveries(rule, reader)})`;
}
