SELECT
  'order.status-propagation-sla' AS rule_id,
  toUInt32(1) AS rule_version,
  'order' AS entity,
  toString(f_match_key) AS match_key,
  toString(f_field) AS field,
  toString(f_kind) AS kind,
  toString(f_owner_system) AS owner_system,
  toString(f_expected_value) AS expected_value,
  toString(f_actual_system) AS actual_system,
  toString(f_actual_value) AS actual_value,
  toString(f_details) AS details,
  toFloat64(f_score) AS score
FROM (
SELECT f_match_key, 'status' AS f_field, 'sla_breach' AS f_kind, 'erp' AS f_owner_system, f_value AS f_expected_value,
    'crm' AS f_actual_system, if(f_delivered, f_value, '') AS f_actual_value, concat('{"route":', concat('"', replaceRegexpAll(replaceRegexpAll('erp_to_crm_order_status', '(["\\\\])', '\\\\\\1'), '[\\x00-\\x1f]', ' '), '"'), ',"delivered":', if(f_delivered, 'true', 'false'), ',"occurred_at":', concat('"', replaceRegexpAll(replaceRegexpAll(toString(f_occurred_at, 'UTC'), '(["\\\\])', '\\\\\\1'), '[\\x00-\\x1f]', ' '), '"'), ',"delivered_at":', concat('"', replaceRegexpAll(replaceRegexpAll(if(f_delivered, toString(f_delivered_at, 'UTC'), ''), '(["\\\\])', '\\\\\\1'), '[\\x00-\\x1f]', ' '), '"'), ',"latency_seconds":', toString(f_latency), ',"limit_seconds":', toString(900), ',"source_key":', concat('"', replaceRegexpAll(replaceRegexpAll(f_source_key, '(["\\\\])', '\\\\\\1'), '[\\x00-\\x1f]', ' '), '"'), '}') AS f_details, f_latency AS f_score
  FROM (SELECT f_match_key, f_value, f_occurred_at, f_source_key, f_delivered, f_delivered_at,
      if(f_delivered, toInt64(f_delivered_at) - toInt64(f_occurred_at), toInt64(toDateTime('2026-01-10 12:00:00', 'UTC')) - toInt64(f_occurred_at)) AS f_latency
    FROM (
      SELECT f_match_key, f_value, f_occurred_at, any(f_source_key) AS f_source_key,
        countIf(f_target_at >= f_occurred_at) > 0 AS f_delivered, minIf(f_target_at, f_target_at >= f_occurred_at) AS f_delivered_at
      FROM (
        SELECT match_key AS f_match_key, lowerUTF8(replaceRegexpAll(value, '^\\s+|\\s+$', '')) AS f_value, occurred_at AS f_occurred_at, entity_key AS f_source_key
        FROM `entity_events`
        WHERE system = 'erp' AND entity = 'order' AND field = 'status' AND match_key != ''
          AND occurred_at >= toDateTime('2026-01-10 12:00:00', 'UTC') - 604800 AND occurred_at <= toDateTime('2026-01-10 12:00:00', 'UTC')
      ) ALL LEFT JOIN (
        SELECT match_key AS f_match_key, lowerUTF8(replaceRegexpAll(value, '^\\s+|\\s+$', '')) AS f_value, occurred_at AS f_target_at
        FROM `entity_events`
        WHERE system = 'crm' AND entity = 'order' AND field = 'status' AND match_key != ''
          AND occurred_at >= toDateTime('2026-01-10 12:00:00', 'UTC') - 604800 AND occurred_at <= toDateTime('2026-01-10 12:00:00', 'UTC')
      ) USING (f_match_key, f_value)
      GROUP BY f_match_key, f_value, f_occurred_at
    ))
  WHERE f_latency > 900
  ORDER BY f_match_key, f_occurred_at DESC
  LIMIT 1 BY f_match_key
)
