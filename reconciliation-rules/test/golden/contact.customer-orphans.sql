SELECT
  'contact.customer-orphans' AS rule_id,
  toUInt32(1) AS rule_version,
  'contact' AS entity,
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
SELECT entity_key AS f_match_key, 'customer_key' AS f_field, 'orphan' AS f_kind, 'crm' AS f_owner_system,
      '' AS f_expected_value, 'crm' AS f_actual_system, `customer_key` AS f_actual_value, concat('{"child_key":', concat('"', replaceRegexpAll(replaceRegexpAll(entity_key, '(["\\\\])', '\\\\\\1'), '[\\x00-\\x1f]', ' '), '"'), ',"parent_entity":', concat('"', replaceRegexpAll(replaceRegexpAll('customer', '(["\\\\])', '\\\\\\1'), '[\\x00-\\x1f]', ' '), '"'), ',"parent_field":', concat('"', replaceRegexpAll(replaceRegexpAll('entity_key', '(["\\\\])', '\\\\\\1'), '[\\x00-\\x1f]', ' '), '"'), '}') AS f_details, 1 AS f_score
    FROM (SELECT *, key_hash, field_hash, shared_hash FROM `current_contact` FINAL WHERE system = 'crm' AND deleted = 0)
    WHERE `customer_key` = '' OR (`customer_key` != '' AND cityHash64(`customer_key`) NOT IN (SELECT f_parent_hash FROM (SELECT system AS f_system, key_hash AS f_parent_hash, entity_key AS f_parent_key
      FROM (SELECT *, key_hash, field_hash, shared_hash FROM `current_customer` FINAL
        PREWHERE key_hash IN (SELECT cityHash64(`customer_key`) FROM (SELECT *, key_hash, field_hash, shared_hash FROM `current_contact` PREWHERE `customer_key` != '' WHERE system = 'crm'))
        WHERE system IN ('crm')) WHERE deleted = 0) WHERE f_parent_key != ''))
UNION ALL
SELECT entity_key AS f_match_key, 'customer_key' AS f_field, 'orphan' AS f_kind, 'erp' AS f_owner_system,
      '' AS f_expected_value, 'erp' AS f_actual_system, `customer_key` AS f_actual_value, concat('{"child_key":', concat('"', replaceRegexpAll(replaceRegexpAll(entity_key, '(["\\\\])', '\\\\\\1'), '[\\x00-\\x1f]', ' '), '"'), ',"parent_entity":', concat('"', replaceRegexpAll(replaceRegexpAll('customer', '(["\\\\])', '\\\\\\1'), '[\\x00-\\x1f]', ' '), '"'), ',"parent_field":', concat('"', replaceRegexpAll(replaceRegexpAll('entity_key', '(["\\\\])', '\\\\\\1'), '[\\x00-\\x1f]', ' '), '"'), '}') AS f_details, 1 AS f_score
    FROM (SELECT *, key_hash, field_hash, shared_hash FROM `current_contact` FINAL WHERE system = 'erp' AND deleted = 0)
    WHERE `customer_key` = '' OR (`customer_key` != '' AND cityHash64(`customer_key`) NOT IN (SELECT f_parent_hash FROM (SELECT system AS f_system, key_hash AS f_parent_hash, entity_key AS f_parent_key
      FROM (SELECT *, key_hash, field_hash, shared_hash FROM `current_customer` FINAL
        PREWHERE key_hash IN (SELECT cityHash64(`customer_key`) FROM (SELECT *, key_hash, field_hash, shared_hash FROM `current_contact` PREWHERE `customer_key` != '' WHERE system = 'erp'))
        WHERE system IN ('erp')) WHERE deleted = 0) WHERE f_parent_key != ''))
)
)
