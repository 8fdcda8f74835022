SELECT
  'credit.hold-with-open-crm-orders' AS rule_id,
  toUInt32(2) AS rule_version,
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
SELECT match_key AS f_match_key, `field` AS `f_field`, 'custom' AS f_kind, `owner_system` AS `f_owner_system`, `expected_value` AS `f_expected_value`, `actual_system` AS `f_actual_system`,
    `actual_value` AS `f_actual_value`, '{}' AS `f_details`, `score` AS `f_score`
  FROM (SELECT customer_number AS match_key, 'credit_hold' AS field, 'erp' AS owner_system, 'on hold' AS expected_value,
  'crm' AS actual_system,
  concat(toString(open_orders), if(open_orders = 1, ' confirmed order', ' confirmed orders')) AS actual_value,
  toFloat64(open_orders) AS score
FROM (SELECT customer_number FROM (SELECT *, key_hash, field_hash, shared_hash FROM `current_credit_profile` FINAL WHERE system = 'erp' AND deleted = 0) WHERE credit_hold = 1 AND customer_number != '') ALL INNER JOIN (
  SELECT customer_number, count() AS open_orders FROM (SELECT *, key_hash, field_hash, shared_hash FROM `current_order` FINAL WHERE system = 'crm' AND deleted = 0)
  WHERE status = 'confirmed' GROUP BY customer_number
) USING customer_number)
)
