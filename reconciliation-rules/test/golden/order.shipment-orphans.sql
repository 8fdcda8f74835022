SELECT
  'order.shipment-orphans' AS rule_id,
  toUInt32(2) AS rule_version,
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
SELECT entity_key AS f_match_key, 'order_number' AS f_field, if(toUInt32(source_updated_at) > toUInt32(toDateTime('2026-01-10 12:00:00', 'UTC')) - 1800, 'unsettled', 'orphan') AS f_kind, 'wms' AS f_owner_system,
      '' AS f_expected_value, 'wms' AS f_actual_system, `order_number` AS f_actual_value, concat('{"child_key":', concat('"', replaceRegexpAll(replaceRegexpAll(entity_key, '(["\\\\])', '\\\\\\1'), '[\\x00-\\x1f]', ' '), '"'), ',"parent_entity":', concat('"', replaceRegexpAll(replaceRegexpAll('order', '(["\\\\])', '\\\\\\1'), '[\\x00-\\x1f]', ' '), '"'), ',"parent_field":', concat('"', replaceRegexpAll(replaceRegexpAll('order_number', '(["\\\\])', '\\\\\\1'), '[\\x00-\\x1f]', ' '), '"'), ',"parent_system":', concat('"', replaceRegexpAll(replaceRegexpAll('erp', '(["\\\\])', '\\\\\\1'), '[\\x00-\\x1f]', ' '), '"'), '}') AS f_details, 1 AS f_score
    FROM (SELECT *, key_hash, field_hash, shared_hash FROM `current_shipment` FINAL WHERE system = 'wms' AND deleted = 0)
    WHERE `order_number` = '' OR (`order_number` != '' AND cityHash64(`order_number`) NOT IN (SELECT cityHash64(`order_number`) FROM (SELECT *, key_hash, field_hash, shared_hash FROM `current_order` FINAL WHERE system = 'erp' AND deleted = 0)
      WHERE `order_number` != '' AND cityHash64(`order_number`) IN (SELECT cityHash64(`order_number`) FROM (SELECT *, key_hash, field_hash, shared_hash FROM `current_shipment` PREWHERE `order_number` != '' WHERE system = 'wms'))))
)
