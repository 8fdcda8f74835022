SELECT
  'customer.hierarchy' AS rule_id,
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
SELECT f_match_key, 'parent' AS f_field, 'hierarchy_mismatch' AS f_kind, 'erp' AS f_owner_system,
    o_parent AS f_expected_value, 'crm' AS f_actual_system, x_parent AS f_actual_value, concat('{"owner_key":', concat('"', replaceRegexpAll(replaceRegexpAll(o_entity_key, '(["\\\\])', '\\\\\\1'), '[\\x00-\\x1f]', ' '), '"'), ',"owner_parent_reference":', concat('"', replaceRegexpAll(replaceRegexpAll(o_parent_reference, '(["\\\\])', '\\\\\\1'), '[\\x00-\\x1f]', ' '), '"'), ',"actual_key":', concat('"', replaceRegexpAll(replaceRegexpAll(x_entity_key, '(["\\\\])', '\\\\\\1'), '[\\x00-\\x1f]', ' '), '"'), ',"actual_parent_reference":', concat('"', replaceRegexpAll(replaceRegexpAll(x_parent_reference, '(["\\\\])', '\\\\\\1'), '[\\x00-\\x1f]', ' '), '"'), '}') AS f_details, 1 AS f_score
  FROM (SELECT f_match_key, `o_entity_key`, `o_parent_reference`,
      f_parent_match_key AS `o_parent`
    FROM (
      SELECT `customer_number` AS f_match_key, entity_key AS `o_entity_key`,
        `parent_key` AS `o_parent_reference`, `parent_key` AS f_parent_reference
      FROM (SELECT *, key_hash, field_hash, shared_hash FROM `current_customer` FINAL
    PREWHERE key_hash IN (SELECT key_hash FROM `current_customer` WHERE system = 'erp' AND cityHash64(`customer_number`) IN (SELECT cityHash64(`customer_number`) FROM (SELECT *, key_hash, field_hash, shared_hash FROM `current_customer` PREWHERE `parent_key` != '' WHERE system = 'erp') WHERE `customer_number` != '' UNION ALL SELECT cityHash64(`customer_number`) FROM (SELECT *, key_hash, field_hash, shared_hash FROM `current_customer` PREWHERE `parent_key` != '' WHERE system = 'crm') WHERE `customer_number` != ''))
    WHERE system = 'erp' AND deleted = 0 AND cityHash64(`customer_number`) IN (SELECT cityHash64(`customer_number`) FROM (SELECT *, key_hash, field_hash, shared_hash FROM `current_customer` PREWHERE `parent_key` != '' WHERE system = 'erp') WHERE `customer_number` != '' UNION ALL SELECT cityHash64(`customer_number`) FROM (SELECT *, key_hash, field_hash, shared_hash FROM `current_customer` PREWHERE `parent_key` != '' WHERE system = 'crm') WHERE `customer_number` != '')) WHERE `customer_number` != ''
    ) ALL LEFT JOIN (SELECT system AS f_system, entity_key AS f_parent_reference, `customer_number` AS f_parent_match_key
      FROM (SELECT *, key_hash, field_hash, shared_hash FROM `current_customer` FINAL
        PREWHERE key_hash IN (SELECT cityHash64(`parent_key`) FROM (SELECT *, key_hash, field_hash, shared_hash FROM `current_customer` PREWHERE `parent_key` != '' WHERE system = 'erp'))
        WHERE system IN ('erp')) WHERE deleted = 0) USING f_parent_reference)
  ALL INNER JOIN (SELECT f_match_key, `x_entity_key`, `x_parent_reference`,
      f_parent_match_key AS `x_parent`
    FROM (
      SELECT `customer_number` AS f_match_key, entity_key AS `x_entity_key`,
        `parent_key` AS `x_parent_reference`, `parent_key` AS f_parent_reference
      FROM (SELECT *, key_hash, field_hash, shared_hash FROM `current_customer` FINAL
    PREWHERE key_hash IN (SELECT key_hash FROM `current_customer` WHERE system = 'crm' AND cityHash64(`customer_number`) IN (SELECT cityHash64(`customer_number`) FROM (SELECT *, key_hash, field_hash, shared_hash FROM `current_customer` PREWHERE `parent_key` != '' WHERE system = 'erp') WHERE `customer_number` != '' UNION ALL SELECT cityHash64(`customer_number`) FROM (SELECT *, key_hash, field_hash, shared_hash FROM `current_customer` PREWHERE `parent_key` != '' WHERE system = 'crm') WHERE `customer_number` != ''))
    WHERE system = 'crm' AND deleted = 0 AND cityHash64(`customer_number`) IN (SELECT cityHash64(`customer_number`) FROM (SELECT *, key_hash, field_hash, shared_hash FROM `current_customer` PREWHERE `parent_key` != '' WHERE system = 'erp') WHERE `customer_number` != '' UNION ALL SELECT cityHash64(`customer_number`) FROM (SELECT *, key_hash, field_hash, shared_hash FROM `current_customer` PREWHERE `parent_key` != '' WHERE system = 'crm') WHERE `customer_number` != '')) WHERE `customer_number` != ''
    ) ALL LEFT JOIN (SELECT system AS f_system, entity_key AS f_parent_reference, `customer_number` AS f_parent_match_key
      FROM (SELECT *, key_hash, field_hash, shared_hash FROM `current_customer` FINAL
        PREWHERE key_hash IN (SELECT cityHash64(`parent_key`) FROM (SELECT *, key_hash, field_hash, shared_hash FROM `current_customer` PREWHERE `parent_key` != '' WHERE system = 'crm'))
        WHERE system IN ('crm')) WHERE deleted = 0) USING f_parent_reference)
  USING f_match_key
  WHERE o_parent != x_parent
)
