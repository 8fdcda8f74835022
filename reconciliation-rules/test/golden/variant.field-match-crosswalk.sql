SELECT
  'customer.legal-identity-match' AS rule_id,
  toUInt32(2) AS rule_version,
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
SELECT f_match_key, arrayElement(['legal_name', 'tax_id'], f_k) AS f_field, if((toUInt32(`o_source_updated_at`) > toUInt32(toDateTime('2026-01-10 12:00:00', 'UTC')) - 600 AND toUInt32(`o_source_updated_at`) > toUInt32(`x_source_updated_at`)), 'unsettled', 'mismatch') AS f_kind,
    arrayElement(['erp', 'erp'], f_k) AS f_owner_system, multiIf(f_k = 1, toString(`o_legal_name`), toString(`o_tax_id`)) AS f_expected_value,
    arrayElement(['crm', 'crm'], f_k) AS f_actual_system, multiIf(f_k = 1, toString(`x_legal_name`), toString(`x_tax_id`)) AS f_actual_value,
    concat('{"owner_key":', concat('"', replaceRegexpAll(replaceRegexpAll(`o_entity_key`, '(["\\\\])', '\\\\\\1'), '[\\x00-\\x1f]', ' '), '"'), ',"actual_key":', concat('"', replaceRegexpAll(replaceRegexpAll(`x_entity_key`, '(["\\\\])', '\\\\\\1'), '[\\x00-\\x1f]', ' '), '"'), '}') AS f_details, toFloat64(1) AS f_score
  FROM (
    SELECT *, arrayJoin(arrayFilter(k -> k != 0, [if(replaceRegexpAll(replaceRegexpAll(replaceRegexpAll(replaceRegexpAll(replaceAll(lowerUTF8(if(`o_legal_name` = `x_legal_name`, '', `o_legal_name`)), '.', ''), '[[:punct:]]+', ' '), '\\s+', ' '), '^\\s+|\\s+$', ''), '(\\s+(inc|incorporated|corp|corporation|co|company|llc|llp|ltd|limited|gmbh|ag|aktiengesellschaft|kg|ohg|sa|sas|sarl|srl|spa|bv|nv|plc|pty|ab|oy))+$', '') != replaceRegexpAll(replaceRegexpAll(replaceRegexpAll(replaceRegexpAll(replaceAll(lowerUTF8(if(`o_legal_name` = `x_legal_name`, '', `x_legal_name`)), '.', ''), '[[:punct:]]+', ' '), '\\s+', ' '), '^\\s+|\\s+$', ''), '(\\s+(inc|incorporated|corp|corporation|co|company|llc|llp|ltd|limited|gmbh|ag|aktiengesellschaft|kg|ohg|sa|sas|sarl|srl|spa|bv|nv|plc|pty|ab|oy))+$', ''), toUInt16(1), toUInt16(0)), if(replaceRegexpAll(replaceRegexpAll(upperUTF8(if(`o_tax_id` = `x_tax_id`, '', `o_tax_id`)), '[[:punct:]]+', ''), '\\s+', '') != replaceRegexpAll(replaceRegexpAll(upperUTF8(if(`o_tax_id` = `x_tax_id`, '', `x_tax_id`)), '[[:punct:]]+', ''), '\\s+', ''), toUInt16(2), toUInt16(0))])) AS f_k
    FROM (SELECT f_match_key, o.1 AS `o_entity_key`, o.2 AS `o_legal_name`, o.3 AS `o_tax_id`, o.4 AS `o_source_updated_at`, x.1 AS `x_entity_key`, x.2 AS `x_legal_name`, x.3 AS `x_tax_id`, x.4 AS `x_source_updated_at`
    FROM (
      SELECT f_match_key, arrayJoin(f_first_records) AS o, f_second_records
      FROM (
        SELECT f_match_key, groupArrayIf(tuple(f_entity_key, `legal_name`, `tax_id`, `source_updated_at`), f_system = 'erp') AS f_first_records,
          groupArrayIf(tuple(f_entity_key, `legal_name`, `tax_id`, `source_updated_at`), f_system = 'crm') AS f_second_records
        FROM (SELECT 'erp' AS f_system, `global_id` AS f_match_key, entity_key AS f_entity_key, `legal_name`, `tax_id`, `source_updated_at` FROM (SELECT * FROM (SELECT *, key_hash, field_hash, shared_hash FROM `current_customer` FINAL WHERE system = 'erp' AND deleted = 0)
        ALL LEFT JOIN (SELECT entity_key, global_id FROM crosswalk FINAL WHERE system = 'erp' AND entity = 'customer') USING entity_key) WHERE key_hash IN (SELECT arrayJoin([o_key_hash, x_key_hash]) FROM (SELECT cityHash64(`global_id`) AS f_key_hash, key_hash AS `o_key_hash`, shared_hash AS `o_field_hash`
      FROM (SELECT * FROM (SELECT *, key_hash, field_hash, shared_hash FROM `current_customer` FINAL WHERE system = 'erp' AND deleted = 0)
        ALL LEFT JOIN (SELECT entity_key, global_id FROM crosswalk FINAL WHERE system = 'erp' AND entity = 'customer') USING entity_key) WHERE `global_id` != '')
      ALL INNER JOIN (SELECT cityHash64(`global_id`) AS f_key_hash, key_hash AS `x_key_hash`, shared_hash AS `x_field_hash`
      FROM (SELECT * FROM (SELECT *, key_hash, field_hash, shared_hash FROM `current_customer` FINAL WHERE system = 'crm' AND deleted = 0)
        ALL LEFT JOIN (SELECT entity_key, global_id FROM crosswalk FINAL WHERE system = 'crm' AND entity = 'customer') USING entity_key) WHERE `global_id` != '') USING f_key_hash WHERE o_field_hash != x_field_hash)
UNION ALL
SELECT 'crm' AS f_system, `global_id` AS f_match_key, entity_key AS f_entity_key, `legal_name`, `tax_id`, `source_updated_at` FROM (SELECT * FROM (SELECT *, key_hash, field_hash, shared_hash FROM `current_customer` FINAL WHERE system = 'crm' AND deleted = 0)
        ALL LEFT JOIN (SELECT entity_key, global_id FROM crosswalk FINAL WHERE system = 'crm' AND entity = 'customer') USING entity_key) WHERE key_hash IN (SELECT arrayJoin([o_key_hash, x_key_hash]) FROM (SELECT cityHash64(`global_id`) AS f_key_hash, key_hash AS `o_key_hash`, shared_hash AS `o_field_hash`
      FROM (SELECT * FROM (SELECT *, key_hash, field_hash, shared_hash FROM `current_customer` FINAL WHERE system = 'erp' AND deleted = 0)
        ALL LEFT JOIN (SELECT entity_key, global_id FROM crosswalk FINAL WHERE system = 'erp' AND entity = 'customer') USING entity_key) WHERE `global_id` != '')
      ALL INNER JOIN (SELECT cityHash64(`global_id`) AS f_key_hash, key_hash AS `x_key_hash`, shared_hash AS `x_field_hash`
      FROM (SELECT * FROM (SELECT *, key_hash, field_hash, shared_hash FROM `current_customer` FINAL WHERE system = 'crm' AND deleted = 0)
        ALL LEFT JOIN (SELECT entity_key, global_id FROM crosswalk FINAL WHERE system = 'crm' AND entity = 'customer') USING entity_key) WHERE `global_id` != '') USING f_key_hash WHERE o_field_hash != x_field_hash))
        WHERE f_match_key != ''
        GROUP BY f_match_key
      )
    )
    ARRAY JOIN f_second_records AS x)
  )
)
