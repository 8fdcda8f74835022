SELECT
  'customer.snapshot-freshness' AS rule_id,
  toUInt32(1) AS rule_version,
  'snapshot' AS entity,
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
SELECT f_system AS f_match_key, 'last_complete_snapshot' AS f_field, 'stale_snapshot' AS f_kind, f_system AS f_owner_system,
    'within 21600s' AS f_expected_value, f_system AS f_actual_system,
    if(f_known = 1, toString(f_last, 'UTC'), 'never') AS f_actual_value, concat('{"last_complete":', concat('"', replaceRegexpAll(replaceRegexpAll(if(f_known = 1, toString(f_last, 'UTC'), ''), '(["\\\\])', '\\\\\\1'), '[\\x00-\\x1f]', ' '), '"'), ',"age_seconds":', toString(f_age), ',"max_age_seconds":', toString(21600), '}') AS f_details, f_age AS f_score
  FROM (
    SELECT arrayJoin([tuple('erp', toDateTime('2026-01-10 11:00:00', 'UTC'), 1), tuple('crm', toDateTime('2026-01-10 02:00:00', 'UTC'), 1), tuple('wms', toDateTime(0, 'UTC'), 0), tuple('support', toDateTime(0, 'UTC'), 0)]) AS f_row, f_row.1 AS f_system, f_row.2 AS f_last, f_row.3 AS f_known,
      toInt64(toDateTime('2026-01-10 12:00:00', 'UTC')) - toInt64(f_last) AS f_age
  )
  WHERE f_known = 0 OR f_age > 21600
)
