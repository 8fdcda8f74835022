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
SELECT f_match_key, c.1 AS f_field, 'mismatch' AS f_kind, c.6 AS f_owner_system, c.2 AS f_expected_value,
    c.7 AS f_actual_system, c.3 AS f_actual_value, concat('{"owner_key":', concat('"', replaceRegexpAll(replaceRegexpAll(c.8, '(["\\\\])', '\\\\\\1'), '[\\x00-\\x1f]', ' '), '"'), ',"actual_key":', concat('"', replaceRegexpAll(replaceRegexpAll(c.9, '(["\\\\])', '\\\\\\1'), '[\\x00-\\x1f]', ' '), '"'), '}') AS f_details, c.5 AS f_score
  FROM (
    SELECT f_match_key, [tuple('first_name', toString(`o_first_name`), toString(`x_first_name`), toUInt8(lowerUTF8(replaceRegexpAll(if(`o_first_name` = `x_first_name`, '', `o_first_name`), '^\\s+|\\s+$', '')) != lowerUTF8(replaceRegexpAll(if(`o_first_name` = `x_first_name`, '', `x_first_name`), '^\\s+|\\s+$', ''))), toFloat64(1), 'crm', 'erp', `o_entity_key`, `x_entity_key`), tuple('last_name', toString(`o_last_name`), toString(`x_last_name`), toUInt8(lowerUTF8(replaceRegexpAll(if(`o_last_name` = `x_last_name`, '', `o_last_name`), '^\\s+|\\s+$', '')) != lowerUTF8(replaceRegexpAll(if(`o_last_name` = `x_last_name`, '', `x_last_name`), '^\\s+|\\s+$', ''))), toFloat64(1), 'crm', 'erp', `o_entity_key`, `x_entity_key`), tuple('phone', toString(`o_phone`), toString(`x_phone`), toUInt8(replaceRegexpOne(replaceRegexpAll(if(`o_phone` = `x_phone`, '', `o_phone`), '[^0-9]', ''), '^00', '') != replaceRegexpOne(replaceRegexpAll(if(`o_phone` = `x_phone`, '', `x_phone`), '[^0-9]', ''), '^00', '')), toFloat64(1), 'crm', 'erp', `o_entity_key`, `x_entity_key`), tuple('title', toString(`o_title`), toString(`x_title`), toUInt8(replaceRegexpAll(lowerUTF8(replaceRegexpAll(if(`o_title` = `x_title`, '', `o_title`), '^\\s+|\\s+$', '')), '\\s+', ' ') != replaceRegexpAll(lowerUTF8(replaceRegexpAll(if(`o_title` = `x_title`, '', `x_title`), '^\\s+|\\s+$', '')), '\\s+', ' ')), toFloat64(1), 'crm', 'erp', `o_entity_key`, `x_entity_key`)] AS f_comparisons
    FROM (SELECT f_match_key, o.1 AS `o_entity_key`, o.2 AS `o_first_name`, o.3 AS `o_last_name`, o.4 AS `o_phone`, o.5 AS `o_title`, x.1 AS `x_entity_key`, x.2 AS `x_first_name`, x.3 AS `x_last_name`, x.4 AS `x_phone`, x.5 AS `x_title`
    FROM (
      SELECT f_match_key, arrayJoin(f_first_records) AS o, f_second_records
      FROM (
        SELECT f_match_key, groupArrayIf(tuple(f_entity_key, `first_name`, `last_name`, `phone`, `title`), f_system = 'crm') AS f_first_records,
          groupArrayIf(tuple(f_entity_key, `first_name`, `last_name`, `phone`, `title`), f_system = 'erp') AS f_second_records
        FROM (SELECT system AS f_system, `email` AS f_match_key, entity_key AS f_entity_key, `first_name`, `last_name`, `phone`, `title`
      FROM (SELECT *, key_hash, field_hash FROM `current_contact` FINAL
        PREWHERE key_hash IN (SELECT arrayJoin([o_key_hash, x_key_hash]) FROM (SELECT cityHash64(`email`) AS f_key_hash, key_hash AS `o_key_hash`, field_hash AS `o_field_hash`
      FROM (SELECT *, key_hash, field_hash FROM `current_contact` FINAL WHERE system = 'crm' AND deleted = 0) WHERE `email` != '')
      ALL INNER JOIN (SELECT cityHash64(`email`) AS f_key_hash, key_hash AS `x_key_hash`, field_hash AS `x_field_hash`
      FROM (SELECT *, key_hash, field_hash FROM `current_contact` FINAL WHERE system = 'erp' AND deleted = 0) WHERE `email` != '') USING f_key_hash WHERE o_field_hash != x_field_hash)
        WHERE system IN ('crm', 'erp')) WHERE deleted = 0)
        WHERE f_match_key != ''
        GROUP BY f_match_key
      )
    )
    ARRAY JOIN f_second_records AS x)
  )
  ARRAY JOIN f_comparisons AS c
  WHERE c.4 = 1
)
