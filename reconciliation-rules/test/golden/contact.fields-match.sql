SELECT
  'contact.fields-match' AS rule_id,
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
SELECT f_match_key, c.1 AS f_field, 'mismatch' AS f_kind, 'crm' AS f_owner_system, c.2 AS f_expected_value,
    'erp' AS f_actual_system, c.3 AS f_actual_value, concat('{"owner_key":', concat('"', replaceRegexpAll(replaceRegexpAll(o_entity_key, '(["\\\\])', '\\\\\\1'), '[\\x00-\\x1f]', ' '), '"'), ',"actual_key":', concat('"', replaceRegexpAll(replaceRegexpAll(x_entity_key, '(["\\\\])', '\\\\\\1'), '[\\x00-\\x1f]', ' '), '"'), '}') AS f_details, c.5 AS f_score
  FROM (
    SELECT f_match_key, o_entity_key, x_entity_key, [tuple('first_name', toString(`o_first_name`), toString(`x_first_name`), toUInt8(lowerUTF8(replaceRegexpAll(`o_first_name`, '^\\s+|\\s+$', '')) != lowerUTF8(replaceRegexpAll(`x_first_name`, '^\\s+|\\s+$', ''))), toFloat64(1)), tuple('last_name', toString(`o_last_name`), toString(`x_last_name`), toUInt8(lowerUTF8(replaceRegexpAll(`o_last_name`, '^\\s+|\\s+$', '')) != lowerUTF8(replaceRegexpAll(`x_last_name`, '^\\s+|\\s+$', ''))), toFloat64(1)), tuple('phone', toString(`o_phone`), toString(`x_phone`), toUInt8(replaceRegexpOne(replaceRegexpAll(`o_phone`, '[^0-9]', ''), '^00', '') != replaceRegexpOne(replaceRegexpAll(`x_phone`, '[^0-9]', ''), '^00', '')), toFloat64(1)), tuple('title', toString(`o_title`), toString(`x_title`), toUInt8(replaceRegexpAll(lowerUTF8(replaceRegexpAll(`o_title`, '^\\s+|\\s+$', '')), '\\s+', ' ') != replaceRegexpAll(lowerUTF8(replaceRegexpAll(`x_title`, '^\\s+|\\s+$', '')), '\\s+', ' ')), toFloat64(1))] AS f_comparisons
    FROM (SELECT `email` AS f_match_key, entity_key AS `x_entity_key`, `first_name` AS `x_first_name`, `last_name` AS `x_last_name`, `phone` AS `x_phone`, `title` AS `x_title`
    FROM (SELECT *, key_hash, field_hash FROM `current_contact` FINAL WHERE system = 'erp' AND deleted = 0)
    WHERE `email` != '')
    ALL INNER JOIN (SELECT `email` AS f_match_key, entity_key AS `o_entity_key`, `first_name` AS `o_first_name`, `last_name` AS `o_last_name`, `phone` AS `o_phone`, `title` AS `o_title`
    FROM (SELECT *, key_hash, field_hash FROM `current_contact` FINAL WHERE system = 'crm' AND deleted = 0)
    WHERE `email` != '' AND cityHash64(`email`) IN (SELECT f_key_hash FROM (SELECT cityHash64(`email`) AS f_key_hash, field_hash AS `o_field_hash` FROM (SELECT *, key_hash, field_hash FROM `current_contact` FINAL WHERE system = 'crm' AND deleted = 0) WHERE `email` != '') ALL INNER JOIN (SELECT cityHash64(`email`) AS f_key_hash, field_hash AS `x_field_hash` FROM (SELECT *, key_hash, field_hash FROM `current_contact` FINAL WHERE system = 'erp' AND deleted = 0) WHERE `email` != '') USING f_key_hash WHERE o_field_hash != x_field_hash))
    USING f_match_key
  )
  ARRAY JOIN f_comparisons AS c
  WHERE c.4 = 1
)
