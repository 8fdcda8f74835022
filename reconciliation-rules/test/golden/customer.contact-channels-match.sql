SELECT
  'customer.contact-channels-match' AS rule_id,
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
SELECT f_match_key, c.1 AS f_field, 'mismatch' AS f_kind, 'crm' AS f_owner_system, c.2 AS f_expected_value,
    'erp' AS f_actual_system, c.3 AS f_actual_value, concat('{"owner_key":', concat('"', replaceRegexpAll(replaceRegexpAll(o_entity_key, '(["\\\\])', '\\\\\\1'), '[\\x00-\\x1f]', ' '), '"'), ',"actual_key":', concat('"', replaceRegexpAll(replaceRegexpAll(x_entity_key, '(["\\\\])', '\\\\\\1'), '[\\x00-\\x1f]', ' '), '"'), '}') AS f_details, c.5 AS f_score
  FROM (
    SELECT f_match_key, o_entity_key, x_entity_key, [tuple('phone', toString(`o_phone`), toString(`x_phone`), toUInt8(replaceRegexpOne(replaceRegexpAll(`o_phone`, '[^0-9]', ''), '^00', '') != replaceRegexpOne(replaceRegexpAll(`x_phone`, '[^0-9]', ''), '^00', '')), toFloat64(1)), tuple('email', toString(`o_email`), toString(`x_email`), toUInt8(lowerUTF8(replaceRegexpAll(`o_email`, '^\\s+|\\s+$', '')) != lowerUTF8(replaceRegexpAll(`x_email`, '^\\s+|\\s+$', ''))), toFloat64(1)), tuple('account_team', toString(`o_account_team`), toString(`x_account_team`), toUInt8(replaceRegexpAll(lowerUTF8(replaceRegexpAll(`o_account_team`, '^\\s+|\\s+$', '')), '\\s+', ' ') != replaceRegexpAll(lowerUTF8(replaceRegexpAll(`x_account_team`, '^\\s+|\\s+$', '')), '\\s+', ' ')), toFloat64(1))] AS f_comparisons
    FROM (SELECT `customer_number` AS f_match_key, entity_key AS `x_entity_key`, `phone` AS `x_phone`, `email` AS `x_email`, `account_team` AS `x_account_team`
    FROM (SELECT *, key_hash, field_hash FROM `current_customer` FINAL WHERE system = 'erp' AND deleted = 0)
    WHERE `customer_number` != '')
    ALL INNER JOIN (SELECT `customer_number` AS f_match_key, entity_key AS `o_entity_key`, `phone` AS `o_phone`, `email` AS `o_email`, `account_team` AS `o_account_team`
    FROM (SELECT *, key_hash, field_hash FROM `current_customer` FINAL WHERE system = 'crm' AND deleted = 0)
    WHERE `customer_number` != '' AND cityHash64(`customer_number`) IN (SELECT f_key_hash FROM (SELECT cityHash64(`customer_number`) AS f_key_hash, field_hash AS `o_field_hash` FROM (SELECT *, key_hash, field_hash FROM `current_customer` FINAL WHERE system = 'crm' AND deleted = 0) WHERE `customer_number` != '') ALL INNER JOIN (SELECT cityHash64(`customer_number`) AS f_key_hash, field_hash AS `x_field_hash` FROM (SELECT *, key_hash, field_hash FROM `current_customer` FINAL WHERE system = 'erp' AND deleted = 0) WHERE `customer_number` != '') USING f_key_hash WHERE o_field_hash != x_field_hash))
    USING f_match_key
  )
  ARRAY JOIN f_comparisons AS c
  WHERE c.4 = 1
)
