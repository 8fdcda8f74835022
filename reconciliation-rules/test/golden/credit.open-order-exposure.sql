SELECT
  'credit.open-order-exposure' AS rule_id,
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
SELECT f_match_key, 'open_order_value' AS f_field, if(greatest(f_expected_changed, f_actual_changed) > toUInt32(toDateTime('2026-01-10 12:00:00', 'UTC')) - 900, 'unsettled', 'aggregate_mismatch') AS f_kind, 'erp' AS f_owner_system,
    f_expected AS f_expected_value, 'crm' AS f_actual_system, f_actual AS f_actual_value,
    concat('{"difference":', toString(f_actual - f_expected), ',"expected_records":', toString(f_expected_records), ',"actual_records":', toString(f_actual_records), '}') AS f_details, abs(f_actual - f_expected) AS f_score
  FROM (SELECT `customer_number` AS f_match_key, toFloat64(sumIf(toFloat64(`total`), `status` IN ('confirmed', 'processing', 'on_hold'))) AS `f_expected`, countIf(`status` IN ('confirmed', 'processing', 'on_hold')) AS `f_expected_records`,
      max(toUInt32(source_updated_at)) AS `f_expected_changed`
    FROM (SELECT *, key_hash, field_hash, shared_hash FROM `current_order` FINAL WHERE system = 'erp' AND deleted = 0)
    WHERE `customer_number` != ''
    GROUP BY f_match_key)
  ALL FULL OUTER JOIN (SELECT `customer_number` AS f_match_key, toFloat64(sumIf(toFloat64(`total`), `status` IN ('confirmed', 'processing', 'on_hold'))) AS `f_actual`, countIf(`status` IN ('confirmed', 'processing', 'on_hold')) AS `f_actual_records`,
      max(toUInt32(source_updated_at)) AS `f_actual_changed`
    FROM (SELECT *, key_hash, field_hash, shared_hash FROM `current_order` FINAL WHERE system = 'crm' AND deleted = 0)
    WHERE `customer_number` != ''
    GROUP BY f_match_key)
  USING f_match_key
  WHERE round(abs(f_actual - f_expected), 6) > greatest(1, 0.01 * greatest(abs(f_expected), abs(f_actual)))
)
