SELECT
  'order.presence' AS rule_id,
  toUInt32(3) AS rule_version,
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
SELECT * FROM (
SELECT `order_number` AS f_match_key, '' AS f_field, if(toUInt32(source_updated_at) > toUInt32(toDateTime('2026-01-10 12:00:00', 'UTC')) - 900, 'unsettled', 'missing') AS f_kind, 'erp' AS f_owner_system,
    entity_key AS f_expected_value, 'crm' AS f_actual_system,
    '' AS f_actual_value, concat('{"present_in":', concat('"', replaceRegexpAll(replaceRegexpAll('erp', '(["\\\\])', '\\\\\\1'), '[\\x00-\\x1f]', ' '), '"'), ',"absent_from":', concat('"', replaceRegexpAll(replaceRegexpAll('crm', '(["\\\\])', '\\\\\\1'), '[\\x00-\\x1f]', ' '), '"'), '}') AS f_details, 1 AS f_score
  FROM (SELECT *, key_hash, field_hash, shared_hash FROM `current_order` FINAL WHERE system = 'erp' AND deleted = 0)
  WHERE `order_number` != '' AND `status` NOT IN ('draft')
    AND cityHash64(`order_number`) NOT IN (SELECT cityHash64(`order_number`) FROM (SELECT *, key_hash, field_hash, shared_hash FROM `current_order` FINAL WHERE system = 'crm' AND deleted = 0) WHERE `order_number` != '')
UNION ALL
SELECT `order_number` AS f_match_key, '' AS f_field, if(toUInt32(source_updated_at) > toUInt32(toDateTime('2026-01-10 12:00:00', 'UTC')) - 900, 'unsettled', 'unexpected') AS f_kind, 'erp' AS f_owner_system,
    '' AS f_expected_value, 'crm' AS f_actual_system,
    entity_key AS f_actual_value, concat('{"present_in":', concat('"', replaceRegexpAll(replaceRegexpAll('crm', '(["\\\\])', '\\\\\\1'), '[\\x00-\\x1f]', ' '), '"'), ',"absent_from":', concat('"', replaceRegexpAll(replaceRegexpAll('erp', '(["\\\\])', '\\\\\\1'), '[\\x00-\\x1f]', ' '), '"'), '}') AS f_details, 1 AS f_score
  FROM (SELECT *, key_hash, field_hash, shared_hash FROM `current_order` FINAL WHERE system = 'crm' AND deleted = 0)
  WHERE `order_number` != ''
    AND cityHash64(`order_number`) NOT IN (SELECT cityHash64(`order_number`) FROM (SELECT *, key_hash, field_hash, shared_hash FROM `current_order` FINAL WHERE system = 'erp' AND deleted = 0) WHERE `order_number` != '')
)
)
