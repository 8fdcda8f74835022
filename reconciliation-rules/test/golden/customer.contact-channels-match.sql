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
SELECT f_match_key, c.1 AS f_field, 'mismatch' AS f_kind, c.6 AS f_owner_system, c.2 AS f_expected_value,
    c.7 AS f_actual_system, c.3 AS f_actual_value, concat('{"owner_key":', concat('"', replaceRegexpAll(replaceRegexpAll(c.8, '(["\\\\])', '\\\\\\1'), '[\\x00-\\x1f]', ' '), '"'), ',"actual_key":', concat('"', replaceRegexpAll(replaceRegexpAll(c.9, '(["\\\\])', '\\\\\\1'), '[\\x00-\\x1f]', ' '), '"'), '}') AS f_details, c.5 AS f_score
  FROM (
    SELECT f_match_key, [tuple('phone', toString(`x_phone`), toString(`o_phone`), toUInt8(replaceRegexpOne(replaceRegexpAll(if(`x_phone` = `o_phone`, '', `x_phone`), '[^0-9]', ''), '^00', '') != replaceRegexpOne(replaceRegexpAll(if(`x_phone` = `o_phone`, '', `o_phone`), '[^0-9]', ''), '^00', '')), toFloat64(1), 'crm', 'erp', `x_entity_key`, `o_entity_key`), tuple('email', toString(`x_email`), toString(`o_email`), toUInt8(lowerUTF8(replaceRegexpAll(if(`x_email` = `o_email`, '', `x_email`), '^\\s+|\\s+$', '')) != lowerUTF8(replaceRegexpAll(if(`x_email` = `o_email`, '', `o_email`), '^\\s+|\\s+$', ''))), toFloat64(1), 'crm', 'erp', `x_entity_key`, `o_entity_key`), tuple('account_team', toString(`x_account_team`), toString(`o_account_team`), toUInt8(replaceRegexpAll(lowerUTF8(replaceRegexpAll(if(`x_account_team` = `o_account_team`, '', `x_account_team`), '^\\s+|\\s+$', '')), '\\s+', ' ') != replaceRegexpAll(lowerUTF8(replaceRegexpAll(if(`x_account_team` = `o_account_team`, '', `o_account_team`), '^\\s+|\\s+$', '')), '\\s+', ' ')), toFloat64(1), 'crm', 'erp', `x_entity_key`, `o_entity_key`)] AS f_comparisons
    FROM (SELECT f_match_key, o.1 AS `o_entity_key`, o.2 AS `o_phone`, o.3 AS `o_email`, o.4 AS `o_account_team`, x.1 AS `x_entity_key`, x.2 AS `x_phone`, x.3 AS `x_email`, x.4 AS `x_account_team`
    FROM (
      SELECT f_match_key, arrayJoin(f_first_records) AS o, f_second_records
      FROM (
        SELECT f_match_key, groupArrayIf(tuple(f_entity_key, `phone`, `email`, `account_team`), f_system = 'erp') AS f_first_records,
          groupArrayIf(tuple(f_entity_key, `phone`, `email`, `account_team`), f_system = 'crm') AS f_second_records
        FROM (SELECT system AS f_system, `customer_number` AS f_match_key, entity_key AS f_entity_key, `phone`, `email`, `account_team`
      FROM (SELECT *, key_hash, field_hash FROM `current_customer` FINAL
        PREWHERE key_hash IN (SELECT arrayJoin([o_key_hash, x_key_hash]) FROM (SELECT cityHash64(`customer_number`) AS f_key_hash, key_hash AS `o_key_hash`, field_hash AS `o_field_hash`
      FROM (SELECT *, key_hash, field_hash FROM `current_customer` FINAL WHERE system = 'erp' AND deleted = 0) WHERE `customer_number` != '')
      ALL INNER JOIN (SELECT cityHash64(`customer_number`) AS f_key_hash, key_hash AS `x_key_hash`, field_hash AS `x_field_hash`
      FROM (SELECT *, key_hash, field_hash FROM `current_customer` FINAL WHERE system = 'crm' AND deleted = 0) WHERE `customer_number` != '') USING f_key_hash WHERE o_field_hash != x_field_hash)
        WHERE system IN ('erp', 'crm')) WHERE deleted = 0)
        WHERE f_match_key != ''
        GROUP BY f_match_key
      )
    )
    ARRAY JOIN f_second_records AS x)
  )
  ARRAY JOIN f_comparisons AS c
  WHERE c.4 = 1
)
