SELECT
  'x.duplicates' AS rule_id,
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
SELECT concat(f_keys[1], ' | ', f_other) AS f_match_key, 'tax_id' AS f_field, 'duplicate' AS f_kind,
    'crm' AS f_owner_system, f_keys[1] AS f_expected_value, 'crm' AS f_actual_system, f_other AS f_actual_value,
    concat('{"key":', concat('"', replaceRegexpAll(replaceRegexpAll(f_key, '(["\\\\])', '\\\\\\1'), '[\\x00-\\x1f]', ' '), '"'), ',"group_size":', toString(f_group_size), '}') AS f_details, 1 AS f_score
  FROM (
    SELECT any(`f_key_0`) AS f_key, arraySort(groupArray(entity_key)) AS f_keys, count() AS f_group_size
    FROM (SELECT entity_key, `tax_id` AS `f_key_0` FROM (SELECT *, key_hash, field_hash, shared_hash FROM `current_customer` FINAL WHERE system = 'crm' AND deleted = 0) WHERE `status` IN ('active', 'prospect') AND `account_team` NOT IN ('O\'Brien'))
    WHERE `f_key_0` != '' AND cityHash64(`f_key_0`) IN (
      SELECT cityHash64(`f_key_0`) AS f_key_hash FROM (SELECT `tax_id` AS `f_key_0` FROM (SELECT *, key_hash, field_hash, shared_hash FROM `current_customer` FINAL WHERE system = 'crm' AND deleted = 0) WHERE `status` IN ('active', 'prospect') AND `account_team` NOT IN ('O\'Brien'))
      WHERE `f_key_0` != ''
      GROUP BY f_key_hash
      HAVING count() > 1
    )
    GROUP BY `f_key_0`
    HAVING f_group_size > 1
  )
  ARRAY JOIN arraySlice(f_keys, 2) AS f_other
UNION ALL
SELECT concat(f_key_1, ' | ', f_key_2) AS f_match_key, 'legal_name' AS f_field, 'duplicate_candidate' AS f_kind,
    'crm' AS f_owner_system, f_key_1 AS f_expected_value, 'crm' AS f_actual_system, f_key_2 AS f_actual_value,
    concat('{"value_1":', concat('"', replaceRegexpAll(replaceRegexpAll(f_value_1, '(["\\\\])', '\\\\\\1'), '[\\x00-\\x1f]', ' '), '"'), ',"value_2":', concat('"', replaceRegexpAll(replaceRegexpAll(f_value_2, '(["\\\\])', '\\\\\\1'), '[\\x00-\\x1f]', ' '), '"'), '}') AS f_details, f_score
  FROM (
    SELECT f_key_1, f_key_2, any(f_value_1) AS f_value_1, any(f_value_2) AS f_value_2, max(f_similarity) AS f_score
    FROM (SELECT f_key_1, f_key_2, f_value_1, f_value_2,
      length(arrayIntersect(f_grams_1, f_grams_2)) AS f_shared,
      f_shared / (length(f_grams_1) + length(f_grams_2) - f_shared) AS f_similarity
    FROM (
      SELECT f_key_1, f_key_2, f_value_1, f_value_2, f_grams_1, f_grams_2
      FROM (SELECT f_block, entity_key AS `f_key_1`, f_value AS `f_value_1`, arrayDistinct(arrayMap((a, b, c) -> cityHash64(concat(a, b, c)), arraySlice(extractAll(concat('  ', f_value, ' '), '.'), 1, length(extractAll(concat('  ', f_value, ' '), '.')) - 2), arraySlice(extractAll(concat('  ', f_value, ' '), '.'), 2, length(extractAll(concat('  ', f_value, ' '), '.')) - 2), arraySlice(extractAll(concat('  ', f_value, ' '), '.'), 3, length(extractAll(concat('  ', f_value, ' '), '.')) - 2))) AS `f_grams_1`, `f_exact_0` AS `f_exact_0_1`
      FROM (SELECT entity_key, `legal_name` AS f_value, arrayFilter(b -> b != '', [if(lowerUTF8(`billing_address_country`) != '', concat('0:', lowerUTF8(`billing_address_country`)), '')]) AS f_blocks, `tax_id` AS `f_exact_0`
    FROM (SELECT *, key_hash, field_hash, shared_hash FROM `current_customer` FINAL WHERE system = 'crm' AND deleted = 0)
    WHERE f_value != '' AND `status` IN ('active', 'prospect') AND `account_team` NOT IN ('O\'Brien')) ARRAY JOIN f_blocks AS f_block WHERE f_block IN (SELECT f_block FROM (SELECT entity_key, `legal_name` AS f_value, arrayFilter(b -> b != '', [if(lowerUTF8(`billing_address_country`) != '', concat('0:', lowerUTF8(`billing_address_country`)), '')]) AS f_blocks, `tax_id` AS `f_exact_0`
    FROM (SELECT *, key_hash, field_hash, shared_hash FROM `current_customer` FINAL WHERE system = 'crm' AND deleted = 0)
    WHERE f_value != '' AND `status` IN ('active', 'prospect') AND `account_team` NOT IN ('O\'Brien')) ARRAY JOIN f_blocks AS f_block
    GROUP BY f_block HAVING count() BETWEEN 2 AND 200)) ALL INNER JOIN (SELECT f_block, entity_key AS `f_key_2`, f_value AS `f_value_2`, arrayDistinct(arrayMap((a, b, c) -> cityHash64(concat(a, b, c)), arraySlice(extractAll(concat('  ', f_value, ' '), '.'), 1, length(extractAll(concat('  ', f_value, ' '), '.')) - 2), arraySlice(extractAll(concat('  ', f_value, ' '), '.'), 2, length(extractAll(concat('  ', f_value, ' '), '.')) - 2), arraySlice(extractAll(concat('  ', f_value, ' '), '.'), 3, length(extractAll(concat('  ', f_value, ' '), '.')) - 2))) AS `f_grams_2`, `f_exact_0` AS `f_exact_0_2`
      FROM (SELECT entity_key, `legal_name` AS f_value, arrayFilter(b -> b != '', [if(lowerUTF8(`billing_address_country`) != '', concat('0:', lowerUTF8(`billing_address_country`)), '')]) AS f_blocks, `tax_id` AS `f_exact_0`
    FROM (SELECT *, key_hash, field_hash, shared_hash FROM `current_customer` FINAL WHERE system = 'crm' AND deleted = 0)
    WHERE f_value != '' AND `status` IN ('active', 'prospect') AND `account_team` NOT IN ('O\'Brien')) ARRAY JOIN f_blocks AS f_block WHERE f_block IN (SELECT f_block FROM (SELECT entity_key, `legal_name` AS f_value, arrayFilter(b -> b != '', [if(lowerUTF8(`billing_address_country`) != '', concat('0:', lowerUTF8(`billing_address_country`)), '')]) AS f_blocks, `tax_id` AS `f_exact_0`
    FROM (SELECT *, key_hash, field_hash, shared_hash FROM `current_customer` FINAL WHERE system = 'crm' AND deleted = 0)
    WHERE f_value != '' AND `status` IN ('active', 'prospect') AND `account_team` NOT IN ('O\'Brien')) ARRAY JOIN f_blocks AS f_block
    GROUP BY f_block HAVING count() BETWEEN 2 AND 200)) USING f_block
      WHERE f_key_1 < f_key_2 AND NOT (`f_exact_0_1` != '' AND `f_exact_0_1` = `f_exact_0_2`)
        AND least(length(f_grams_1), length(f_grams_2)) >= 0.6 * greatest(length(f_grams_1), length(f_grams_2))
    )
    WHERE f_similarity >= 0.6)
    GROUP BY f_key_1, f_key_2
  )
)
)
