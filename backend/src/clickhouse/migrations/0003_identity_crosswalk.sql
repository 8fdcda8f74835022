-- Identity crosswalk (issue 7, stewardship): records that a steward confirmed as the same real-world
--   entity share a global_id, which reconciliation uses as their match key instead of the default
--   customer_number / order_number. Postgres identity_links holds the decisions; this table is what
--   the rules join. Read with FINAL and deleted = 0; a withdrawn link is a newer row with deleted = 1.
CREATE TABLE IF NOT EXISTS crosswalk (
    entity String,
    system String,
    entity_key String,
    global_id String,
    link_id String,
    linked_at DateTime,
    version UInt64,
    deleted UInt8
) ENGINE = ReplacingMergeTree(version)
ORDER BY (entity, system, entity_key);
