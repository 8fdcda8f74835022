SELECT 'wms_to_crm_shipment_milestone' AS route, 'wms' AS from_system, 'crm' AS to_system,
    count() AS events, countIf(f_delivered) AS delivered,
    countIf(f_latency > 1800) AS breaches, countIf(NOT f_delivered AND f_latency <= 1800) AS pending,
    quantilesIf(0.5, 0.9, 0.95, 0.99)(toFloat64(f_latency), f_delivered) AS f_quantiles,
    f_quantiles[1] AS p50_seconds, f_quantiles[2] AS p90_seconds, f_quantiles[3] AS p95_seconds, f_quantiles[4] AS p99_seconds,
    maxIf(f_latency, f_delivered) AS max_seconds
  FROM (SELECT f_match_key, f_value, f_occurred_at, f_source_key, f_delivered, f_delivered_at,
      if(f_delivered, toInt64(f_delivered_at) - toInt64(f_occurred_at), toInt64(toDateTime('2026-01-10 12:00:00', 'UTC')) - toInt64(f_occurred_at)) AS f_latency
    FROM (
      SELECT f_match_key, f_value, f_occurred_at, any(f_source_key) AS f_source_key,
        countIf(f_target_at >= f_occurred_at) > 0 AS f_delivered, minIf(f_target_at, f_target_at >= f_occurred_at) AS f_delivered_at
      FROM (
        SELECT match_key AS f_match_key, lowerUTF8(replaceRegexpAll(value, '^\\s+|\\s+$', '')) AS f_value, occurred_at AS f_occurred_at, entity_key AS f_source_key
        FROM `entity_events`
        WHERE system = 'wms' AND entity = 'shipment' AND field = 'milestone' AND match_key != ''
          AND occurred_at >= toDateTime('2026-01-10 12:00:00', 'UTC') - 604800 AND occurred_at <= toDateTime('2026-01-10 12:00:00', 'UTC')
      ) ALL LEFT JOIN (
        SELECT match_key AS f_match_key, lowerUTF8(replaceRegexpAll(value, '^\\s+|\\s+$', '')) AS f_value, occurred_at AS f_target_at
        FROM `entity_events`
        WHERE system = 'crm' AND entity = 'shipment' AND field = 'milestone' AND match_key != ''
          AND occurred_at >= toDateTime('2026-01-10 12:00:00', 'UTC') - 604800 AND occurred_at <= toDateTime('2026-01-10 12:00:00', 'UTC')
      ) USING (f_match_key, f_value)
      GROUP BY f_match_key, f_value, f_occurred_at
    ))
