SELECT
  'customer.billing-address-match' AS rule_id,
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
SELECT f_match_key, arrayElement(['billing_address_line1', 'billing_address_city', 'billing_address_postal_code', 'billing_address_region', 'billing_address_country'], f_k) AS f_field, if((toUInt32(`o_source_updated_at`) > toUInt32(toDateTime('2026-01-10 12:00:00', 'UTC')) - 600 AND toUInt32(`o_source_updated_at`) > toUInt32(`x_source_updated_at`)), 'unsettled', 'mismatch') AS f_kind,
    arrayElement(['erp', 'erp', 'erp', 'erp', 'erp'], f_k) AS f_owner_system, multiIf(f_k = 1, toString(`o_billing_address_line1`), f_k = 2, toString(`o_billing_address_city`), f_k = 3, toString(`o_billing_address_postal_code`), f_k = 4, toString(`o_billing_address_region`), toString(`o_billing_address_country`)) AS f_expected_value,
    arrayElement(['crm', 'crm', 'crm', 'crm', 'crm'], f_k) AS f_actual_system, multiIf(f_k = 1, toString(`x_billing_address_line1`), f_k = 2, toString(`x_billing_address_city`), f_k = 3, toString(`x_billing_address_postal_code`), f_k = 4, toString(`x_billing_address_region`), toString(`x_billing_address_country`)) AS f_actual_value,
    concat('{"owner_key":', concat('"', replaceRegexpAll(replaceRegexpAll(`o_entity_key`, '(["\\\\])', '\\\\\\1'), '[\\x00-\\x1f]', ' '), '"'), ',"actual_key":', concat('"', replaceRegexpAll(replaceRegexpAll(`x_entity_key`, '(["\\\\])', '\\\\\\1'), '[\\x00-\\x1f]', ' '), '"'), '}') AS f_details, toFloat64(1) AS f_score
  FROM (
    SELECT *, arrayJoin(arrayFilter(k -> k != 0, [if(replaceRegexpAll(replaceRegexpAll(replaceRegexpAll(replaceRegexpAll(replaceRegexpAll(replaceRegexpAll(replaceRegexpAll(replaceRegexpAll(replaceRegexpAll(replaceRegexpAll(replaceRegexpAll(replaceRegexpAll(replaceRegexpAll(replaceRegexpAll(replaceRegexpAll(replaceRegexpAll(replaceRegexpAll(lowerUTF8(if(`o_billing_address_line1` = `x_billing_address_line1`, '', `o_billing_address_line1`)), '[[:punct:]]+', ' '), '\\bstreet\\b', 'st'), '\\bavenue\\b', 'ave'), '\\broad\\b', 'rd'), '\\bboulevard\\b', 'blvd'), '\\bdrive\\b', 'dr'), '\\blane\\b', 'ln'), '\\bsuite\\b', 'ste'), '\\bapartment\\b', 'apt'), '\\bfloor\\b', 'fl'), '\\bnorth\\b', 'n'), '\\bsouth\\b', 's'), '\\beast\\b', 'e'), '\\bwest\\b', 'w'), 'stra(ss|ß)e\\b', 'str'), '\\s+', ' '), '^\\s+|\\s+$', '') != replaceRegexpAll(replaceRegexpAll(replaceRegexpAll(replaceRegexpAll(replaceRegexpAll(replaceRegexpAll(replaceRegexpAll(replaceRegexpAll(replaceRegexpAll(replaceRegexpAll(replaceRegexpAll(replaceRegexpAll(replaceRegexpAll(replaceRegexpAll(replaceRegexpAll(replaceRegexpAll(replaceRegexpAll(lowerUTF8(if(`o_billing_address_line1` = `x_billing_address_line1`, '', `x_billing_address_line1`)), '[[:punct:]]+', ' '), '\\bstreet\\b', 'st'), '\\bavenue\\b', 'ave'), '\\broad\\b', 'rd'), '\\bboulevard\\b', 'blvd'), '\\bdrive\\b', 'dr'), '\\blane\\b', 'ln'), '\\bsuite\\b', 'ste'), '\\bapartment\\b', 'apt'), '\\bfloor\\b', 'fl'), '\\bnorth\\b', 'n'), '\\bsouth\\b', 's'), '\\beast\\b', 'e'), '\\bwest\\b', 'w'), 'stra(ss|ß)e\\b', 'str'), '\\s+', ' '), '^\\s+|\\s+$', ''), toUInt16(1), toUInt16(0)), if(replaceRegexpAll(lowerUTF8(replaceRegexpAll(if(`o_billing_address_city` = `x_billing_address_city`, '', `o_billing_address_city`), '^\\s+|\\s+$', '')), '\\s+', ' ') != replaceRegexpAll(lowerUTF8(replaceRegexpAll(if(`o_billing_address_city` = `x_billing_address_city`, '', `x_billing_address_city`), '^\\s+|\\s+$', '')), '\\s+', ' '), toUInt16(2), toUInt16(0)), if(replaceRegexpAll(upperUTF8(if(`o_billing_address_postal_code` = `x_billing_address_postal_code`, '', `o_billing_address_postal_code`)), '\\s+', '') != replaceRegexpAll(upperUTF8(if(`o_billing_address_postal_code` = `x_billing_address_postal_code`, '', `x_billing_address_postal_code`)), '\\s+', ''), toUInt16(3), toUInt16(0)), if(upperUTF8(replaceRegexpAll(if(`o_billing_address_region` = `x_billing_address_region`, '', `o_billing_address_region`), '^\\s+|\\s+$', '')) != upperUTF8(replaceRegexpAll(if(`o_billing_address_region` = `x_billing_address_region`, '', `x_billing_address_region`), '^\\s+|\\s+$', '')), toUInt16(4), toUInt16(0)), if(upperUTF8(replaceRegexpAll(if(`o_billing_address_country` = `x_billing_address_country`, '', `o_billing_address_country`), '^\\s+|\\s+$', '')) != upperUTF8(replaceRegexpAll(if(`o_billing_address_country` = `x_billing_address_country`, '', `x_billing_address_country`), '^\\s+|\\s+$', '')), toUInt16(5), toUInt16(0))])) AS f_k
    FROM (SELECT f_match_key, o.1 AS `o_entity_key`, o.2 AS `o_billing_address_line1`, o.3 AS `o_billing_address_city`, o.4 AS `o_billing_address_postal_code`, o.5 AS `o_billing_address_region`, o.6 AS `o_billing_address_country`, o.7 AS `o_source_updated_at`, x.1 AS `x_entity_key`, x.2 AS `x_billing_address_line1`, x.3 AS `x_billing_address_city`, x.4 AS `x_billing_address_postal_code`, x.5 AS `x_billing_address_region`, x.6 AS `x_billing_address_country`, x.7 AS `x_source_updated_at`
    FROM (
      SELECT f_match_key, arrayJoin(f_first_records) AS o, f_second_records
      FROM (
        SELECT f_match_key, groupArrayIf(tuple(f_entity_key, `billing_address_line1`, `billing_address_city`, `billing_address_postal_code`, `billing_address_region`, `billing_address_country`, `source_updated_at`), f_system = 'erp') AS f_first_records,
          groupArrayIf(tuple(f_entity_key, `billing_address_line1`, `billing_address_city`, `billing_address_postal_code`, `billing_address_region`, `billing_address_country`, `source_updated_at`), f_system = 'crm') AS f_second_records
        FROM (SELECT system AS f_system, `customer_number` AS f_match_key, entity_key AS f_entity_key, `billing_address_line1`, `billing_address_city`, `billing_address_postal_code`, `billing_address_region`, `billing_address_country`, `source_updated_at`
      FROM (SELECT *, key_hash, field_hash, shared_hash FROM `current_customer` FINAL
        PREWHERE key_hash IN (SELECT arrayJoin([o_key_hash, x_key_hash]) FROM (SELECT cityHash64(`customer_number`) AS f_key_hash, key_hash AS `o_key_hash`, shared_hash AS `o_field_hash`
      FROM (SELECT *, key_hash, field_hash, shared_hash FROM `current_customer` FINAL WHERE system = 'erp' AND deleted = 0) WHERE `customer_number` != '')
      ALL INNER JOIN (SELECT cityHash64(`customer_number`) AS f_key_hash, key_hash AS `x_key_hash`, shared_hash AS `x_field_hash`
      FROM (SELECT *, key_hash, field_hash, shared_hash FROM `current_customer` FINAL WHERE system = 'crm' AND deleted = 0) WHERE `customer_number` != '') USING f_key_hash WHERE o_field_hash != x_field_hash)
        WHERE system IN ('erp', 'crm')) WHERE deleted = 0)
        WHERE f_match_key != ''
        GROUP BY f_match_key
      )
    )
    ARRAY JOIN f_second_records AS x)
  )
)
