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
SELECT f_match_key, arrayElement(['credit_hold'], f_k) AS f_field, 'mismatch' AS f_kind,
    arrayElement(['erp'], f_k) AS f_owner_system, toString(`o_credit_hold`) AS f_expected_value,
    arrayElement(['crm'], f_k) AS f_actual_system, toString(`x_credit_hold`) AS f_actual_value,
    concat('{"owner_key":', concat('"', replaceRegexpAll(replaceRegexpAll(`o_entity_key`, '(["\\\\])', '\\\\\\1'), '[\\x00-\\x1f]', ' '), '"'), ',"actual_key":', concat('"', replaceRegexpAll(replaceRegexpAll(`x_entity_key`, '(["\\\\])', '\\\\\\1'), '[\\x00-\\x1f]', ' '), '"'), '}') AS f_details, toFloat64(1) AS f_score
  FROM (
    SELECT *, arrayJoin(arrayFilter(k -> k != 0, [if(`o_credit_hold` != `x_credit_hold`, toUInt16(1), toUInt16(0))])) AS f_k
    FROM (SELECT f_match_key, o.1 AS `o_entity_key`, o.2 AS `o_credit_hold`, x.1 AS `x_entity_key`, x.2 AS `x_credit_hold`
    FROM (
      SELECT f_match_key, arrayJoin(f_first_records) AS o, f_second_records
      FROM (
        SELECT f_match_key, groupArrayIf(tuple(f_entity_key, `credit_hold`), f_system = 'erp') AS f_first_records,
          groupArrayIf(tuple(f_entity_key, `credit_hold`), f_system = 'crm') AS f_second_records
        FROM (SELECT system AS f_system, `customer_number` AS f_match_key, entity_key AS f_entity_key, `credit_hold`
      FROM (SELECT *, key_hash, field_hash, shared_hash FROM `current_credit_profile` FINAL
        PREWHERE key_hash IN (SELECT arrayJoin([o_key_hash, x_key_hash]) FROM (SELECT cityHash64(`customer_number`) AS f_key_hash, key_hash AS `o_key_hash`, cityHash64(`credit_hold`) AS `o_field_hash`
      FROM (SELECT *, key_hash, field_hash, shared_hash FROM `current_credit_profile` FINAL WHERE system = 'erp' AND deleted = 0) WHERE `customer_number` != '')
      ALL INNER JOIN (SELECT cityHash64(`customer_number`) AS f_key_hash, key_hash AS `x_key_hash`, cityHash64(`credit_hold`) AS `x_field_hash`
      FROM (SELECT *, key_hash, field_hash, shared_hash FROM `current_credit_profile` FINAL WHERE system = 'crm' AND deleted = 0) WHERE `customer_number` != '') USING f_key_hash WHERE o_field_hash != x_field_hash)
        WHERE system IN ('erp', 'crm')) WHERE deleted = 0)
        WHERE f_match_key != ''
        GROUP BY f_match_key
      )
    )
    ARRAY JOIN f_second_records AS x)
  )
)
