SELECT
  'order.shipment-milestone-match' AS rule_id,
  toUInt32(1) AS rule_version,
  'shipment' AS entity,
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
SELECT f_match_key, c.1 AS f_field, 'mismatch' AS f_kind, 'wms' AS f_owner_system, c.2 AS f_expected_value,
    'crm' AS f_actual_system, c.3 AS f_actual_value, concat('{"owner_key":', concat('"', replaceRegexpAll(replaceRegexpAll(o_entity_key, '(["\\\\])', '\\\\\\1'), '[\\x00-\\x1f]', ' '), '"'), ',"actual_key":', concat('"', replaceRegexpAll(replaceRegexpAll(x_entity_key, '(["\\\\])', '\\\\\\1'), '[\\x00-\\x1f]', ' '), '"'), '}') AS f_details, c.5 AS f_score
  FROM (
    SELECT f_match_key, o_entity_key, x_entity_key, [tuple('milestone', toString(`o_milestone`), toString(`x_milestone`), toUInt8(lowerUTF8(replaceRegexpAll(`o_milestone`, '^\\s+|\\s+$', '')) != lowerUTF8(replaceRegexpAll(`x_milestone`, '^\\s+|\\s+$', ''))), toFloat64(1)), tuple('milestone_at', toString(`o_milestone_at`, 'UTC'), toString(`x_milestone_at`, 'UTC'), toUInt8(round(abs(toFloat64(toUInt32(`o_milestone_at`)) - toFloat64(toUInt32(`x_milestone_at`))), 6) > greatest(60, 0 * greatest(abs(toFloat64(toUInt32(`o_milestone_at`))), abs(toFloat64(toUInt32(`x_milestone_at`)))))), toFloat64(abs(toFloat64(toUInt32(`o_milestone_at`)) - toFloat64(toUInt32(`x_milestone_at`))))), tuple('tracking_number', toString(`o_tracking_number`), toString(`x_tracking_number`), toUInt8(replaceRegexpAll(upperUTF8(`o_tracking_number`), '\\s+', '') != replaceRegexpAll(upperUTF8(`x_tracking_number`), '\\s+', '')), toFloat64(1))] AS f_comparisons
    FROM (SELECT `order_number` AS f_match_key, entity_key AS `x_entity_key`, `milestone` AS `x_milestone`, `milestone_at` AS `x_milestone_at`, `tracking_number` AS `x_tracking_number`
    FROM (SELECT *, key_hash, field_hash FROM `current_shipment` FINAL WHERE system = 'crm' AND deleted = 0)
    WHERE `order_number` != '')
    ALL INNER JOIN (SELECT `order_number` AS f_match_key, entity_key AS `o_entity_key`, `milestone` AS `o_milestone`, `milestone_at` AS `o_milestone_at`, `tracking_number` AS `o_tracking_number`
    FROM (SELECT *, key_hash, field_hash FROM `current_shipment` FINAL WHERE system = 'wms' AND deleted = 0)
    WHERE `order_number` != '' AND cityHash64(`order_number`) IN (SELECT f_key_hash FROM (SELECT cityHash64(`order_number`) AS f_key_hash, field_hash AS `o_field_hash` FROM (SELECT *, key_hash, field_hash FROM `current_shipment` FINAL WHERE system = 'wms' AND deleted = 0) WHERE `order_number` != '') ALL INNER JOIN (SELECT cityHash64(`order_number`) AS f_key_hash, field_hash AS `x_field_hash` FROM (SELECT *, key_hash, field_hash FROM `current_shipment` FINAL WHERE system = 'crm' AND deleted = 0) WHERE `order_number` != '') USING f_key_hash WHERE o_field_hash != x_field_hash))
    USING f_match_key
  )
  ARRAY JOIN f_comparisons AS c
  WHERE c.4 = 1
)
