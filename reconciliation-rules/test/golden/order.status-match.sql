SELECT
  'order.status-match' AS rule_id,
  toUInt32(2) AS rule_version,
  'order' AS entity,
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
SELECT f_match_key, arrayElement(['status', 'total'], f_k) AS f_field, if(greatest(toUInt32(`o_source_updated_at`), toUInt32(`x_source_updated_at`)) > toUInt32(toDateTime('2026-01-10 12:00:00', 'UTC')) - 900, 'unsettled', 'mismatch') AS f_kind,
    arrayElement(['erp', 'erp'], f_k) AS f_owner_system, multiIf(f_k = 1, toString(`o_status`), toString(`o_total`)) AS f_expected_value,
    arrayElement(['crm', 'crm'], f_k) AS f_actual_system, multiIf(f_k = 1, toString(`x_status`), toString(`x_total`)) AS f_actual_value,
    concat('{"owner_key":', concat('"', replaceRegexpAll(replaceRegexpAll(`o_entity_key`, '(["\\\\])', '\\\\\\1'), '[\\x00-\\x1f]', ' '), '"'), ',"actual_key":', concat('"', replaceRegexpAll(replaceRegexpAll(`x_entity_key`, '(["\\\\])', '\\\\\\1'), '[\\x00-\\x1f]', ' '), '"'), '}') AS f_details, multiIf(f_k = 1, toFloat64(1), toFloat64(abs(toFloat64(`o_total`) - toFloat64(`x_total`)))) AS f_score
  FROM (
    SELECT *, arrayJoin(arrayFilter(k -> k != 0, [if(arrayElement(arrayPushFront([lowerUTF8(replaceRegexpAll('on_hold', '^\\s+|\\s+$', '')), lowerUTF8(replaceRegexpAll('on_hold', '^\\s+|\\s+$', '')), lowerUTF8(replaceRegexpAll('on_hold', '^\\s+|\\s+$', '')), lowerUTF8(replaceRegexpAll('on_hold', '^\\s+|\\s+$', '')), lowerUTF8(replaceRegexpAll('cancelled', '^\\s+|\\s+$', '')), lowerUTF8(replaceRegexpAll('cancelled', '^\\s+|\\s+$', ''))], lowerUTF8(replaceRegexpAll(if(`o_status` = `x_status`, '', `o_status`), '^\\s+|\\s+$', ''))), indexOf([lowerUTF8(replaceRegexpAll('on_hold', '^\\s+|\\s+$', '')), lowerUTF8(replaceRegexpAll('on hold', '^\\s+|\\s+$', '')), lowerUTF8(replaceRegexpAll('hold', '^\\s+|\\s+$', '')), lowerUTF8(replaceRegexpAll('held', '^\\s+|\\s+$', '')), lowerUTF8(replaceRegexpAll('cancelled', '^\\s+|\\s+$', '')), lowerUTF8(replaceRegexpAll('canceled', '^\\s+|\\s+$', ''))], lowerUTF8(replaceRegexpAll(if(`o_status` = `x_status`, '', `o_status`), '^\\s+|\\s+$', ''))) + 1) != arrayElement(arrayPushFront([lowerUTF8(replaceRegexpAll('on_hold', '^\\s+|\\s+$', '')), lowerUTF8(replaceRegexpAll('on_hold', '^\\s+|\\s+$', '')), lowerUTF8(replaceRegexpAll('on_hold', '^\\s+|\\s+$', '')), lowerUTF8(replaceRegexpAll('on_hold', '^\\s+|\\s+$', '')), lowerUTF8(replaceRegexpAll('cancelled', '^\\s+|\\s+$', '')), lowerUTF8(replaceRegexpAll('cancelled', '^\\s+|\\s+$', ''))], lowerUTF8(replaceRegexpAll(if(`o_status` = `x_status`, '', `x_status`), '^\\s+|\\s+$', ''))), indexOf([lowerUTF8(replaceRegexpAll('on_hold', '^\\s+|\\s+$', '')), lowerUTF8(replaceRegexpAll('on hold', '^\\s+|\\s+$', '')), lowerUTF8(replaceRegexpAll('hold', '^\\s+|\\s+$', '')), lowerUTF8(replaceRegexpAll('held', '^\\s+|\\s+$', '')), lowerUTF8(replaceRegexpAll('cancelled', '^\\s+|\\s+$', '')), lowerUTF8(replaceRegexpAll('canceled', '^\\s+|\\s+$', ''))], lowerUTF8(replaceRegexpAll(if(`o_status` = `x_status`, '', `x_status`), '^\\s+|\\s+$', ''))) + 1), toUInt16(1), toUInt16(0)), if(round(abs(toFloat64(`o_total`) - toFloat64(`x_total`)), 6) > greatest(0.01, 0 * greatest(abs(toFloat64(`o_total`)), abs(toFloat64(`x_total`)))), toUInt16(2), toUInt16(0))])) AS f_k
    FROM (SELECT f_match_key, o.1 AS `o_entity_key`, o.2 AS `o_status`, o.3 AS `o_total`, o.4 AS `o_source_updated_at`, x.1 AS `x_entity_key`, x.2 AS `x_status`, x.3 AS `x_total`, x.4 AS `x_source_updated_at`
    FROM (
      SELECT f_match_key, arrayJoin(f_first_records) AS o, f_second_records
      FROM (
        SELECT f_match_key, groupArrayIf(tuple(f_entity_key, `status`, `total`, `source_updated_at`), f_system = 'erp') AS f_first_records,
          groupArrayIf(tuple(f_entity_key, `status`, `total`, `source_updated_at`), f_system = 'crm') AS f_second_records
        FROM (SELECT system AS f_system, `order_number` AS f_match_key, entity_key AS f_entity_key, `status`, `total`, `source_updated_at`
      FROM (SELECT *, key_hash, field_hash, shared_hash FROM `current_order` FINAL
        PREWHERE key_hash IN (SELECT arrayJoin([o_key_hash, x_key_hash]) FROM (SELECT cityHash64(`order_number`) AS f_key_hash, key_hash AS `o_key_hash`, cityHash64(`status`, toString(`total`)) AS `o_field_hash`
      FROM (SELECT *, key_hash, field_hash, shared_hash FROM `current_order` FINAL WHERE system = 'erp' AND deleted = 0) WHERE `order_number` != '')
      ALL INNER JOIN (SELECT cityHash64(`order_number`) AS f_key_hash, key_hash AS `x_key_hash`, cityHash64(`status`, toString(`total`)) AS `x_field_hash`
      FROM (SELECT *, key_hash, field_hash, shared_hash FROM `current_order` FINAL WHERE system = 'crm' AND deleted = 0) WHERE `order_number` != '') USING f_key_hash WHERE o_field_hash != x_field_hash)
        WHERE system IN ('erp', 'crm')) WHERE deleted = 0)
        WHERE f_match_key != ''
        GROUP BY f_match_key
      )
    )
    ARRAY JOIN f_second_records AS x)
  )
)
