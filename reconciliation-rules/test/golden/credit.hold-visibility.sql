SELECT
  'credit.hold-visibility' AS rule_id,
  toUInt32(1) AS rule_version,
  'credit_profile' AS entity,
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
    SELECT f_match_key, [tuple('credit_hold', toString(`o_credit_hold`), toString(`x_credit_hold`), toUInt8(`o_credit_hold` != `x_credit_hold`), toFloat64(1), 'erp', 'crm', `o_entity_key`, `x_entity_key`)] AS f_comparisons
    FROM (SELECT f_match_key, o.1 AS `o_entity_key`, o.2 AS `o_credit_hold`, x.1 AS `x_entity_key`, x.2 AS `x_credit_hold`
    FROM (
      SELECT f_match_key, arrayJoin(f_first_records) AS o, f_second_records
      FROM (
        SELECT f_match_key, groupArrayIf(tuple(f_entity_key, `credit_hold`), f_system = 'erp') AS f_first_records,
          groupArrayIf(tuple(f_entity_key, `credit_hold`), f_system = 'crm') AS f_second_records
        FROM (SELECT system AS f_system, `customer_number` AS f_match_key, entity_key AS f_entity_key, `credit_hold`
      FROM (SELECT *, key_hash, field_hash FROM `current_credit_profile` FINAL
        PREWHERE key_hash IN (SELECT arrayJoin([o_key_hash, x_key_hash]) FROM (SELECT cityHash64(`customer_number`) AS f_key_hash, key_hash AS `o_key_hash`, field_hash AS `o_field_hash`
      FROM (SELECT *, key_hash, field_hash FROM `current_credit_profile` FINAL WHERE system = 'erp' AND deleted = 0) WHERE `customer_number` != '')
      ALL INNER JOIN (SELECT cityHash64(`customer_number`) AS f_key_hash, key_hash AS `x_key_hash`, field_hash AS `x_field_hash`
      FROM (SELECT *, key_hash, field_hash FROM `current_credit_profile` FINAL WHERE system = 'crm' AND deleted = 0) WHERE `customer_number` != '') USING f_key_hash WHERE o_field_hash != x_field_hash)
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
