SELECT
  'customer.support-presence' AS rule_id,
  toUInt32(1) AS rule_version,
  'customer' AS entity,
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
SELECT `customer_number` AS f_match_key, '' AS f_field, 'missing' AS f_kind, 'erp' AS f_owner_system,
    entity_key AS f_expected_value, 'support' AS f_actual_system,
    '' AS f_actual_value, concat('{"present_in":', concat('"', replaceRegexpAll(replaceRegexpAll('erp', '(["\\\\])', '\\\\\\1'), '[\\x00-\\x1f]', ' '), '"'), ',"absent_from":', concat('"', replaceRegexpAll(replaceRegexpAll('support', '(["\\\\])', '\\\\\\1'), '[\\x00-\\x1f]', ' '), '"'), '}') AS f_details, 1 AS f_score
  FROM (SELECT *, key_hash, field_hash, shared_hash FROM `current_customer` FINAL WHERE system = 'erp' AND deleted = 0)
  WHERE `customer_number` != '' AND `status` NOT IN ('prospect')
    AND cityHash64(`customer_number`) NOT IN (SELECT cityHash64(`customer_number`) FROM (SELECT *, key_hash, field_hash, shared_hash FROM `current_customer` FINAL WHERE system = 'support' AND deleted = 0) WHERE `customer_number` != '')
UNION ALL
SELECT `customer_number` AS f_match_key, '' AS f_field, 'unexpected' AS f_kind, 'erp' AS f_owner_system,
    '' AS f_expected_value, 'support' AS f_actual_system,
    entity_key AS f_actual_value, concat('{"present_in":', concat('"', replaceRegexpAll(replaceRegexpAll('support', '(["\\\\])', '\\\\\\1'), '[\\x00-\\x1f]', ' '), '"'), ',"absent_from":', concat('"', replaceRegexpAll(replaceRegexpAll('erp', '(["\\\\])', '\\\\\\1'), '[\\x00-\\x1f]', ' '), '"'), '}') AS f_details, 1 AS f_score
  FROM (SELECT *, key_hash, field_hash, shared_hash FROM `current_customer` FINAL WHERE system = 'support' AND deleted = 0)
  WHERE `customer_number` != ''
    AND cityHash64(`customer_number`) NOT IN (SELECT cityHash64(`customer_number`) FROM (SELECT *, key_hash, field_hash, shared_hash FROM `current_customer` FINAL WHERE system = 'erp' AND deleted = 0) WHERE `customer_number` != '')
)
)
