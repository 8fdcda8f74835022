-- Reconciliation output (issue 6). findings_history: one row per finding per run, written by
--   INSERT INTO findings_history SELECT … FROM (<compiled rule>) so findings never pass through Node.
--   The columns after run_id are the rules package's FINDING_COLUMNS, in that order.
-- findings_daily: observations per day × rule × entity × system × kind for dashboards, kept by a
--   materialized view (a finding seen by three runs in a day counts three observations).

CREATE TABLE IF NOT EXISTS findings_history (
    run_id String,
    rule_id String,
    rule_version UInt32,
    entity String,
    match_key String,
    field String,
    kind String,
    owner_system String,
    expected_value String,
    actual_system String,
    actual_value String,
    details String,
    score Float64,
    found_at DateTime
) ENGINE = MergeTree
PARTITION BY toYYYYMM(found_at)
ORDER BY (run_id, rule_id, entity, match_key, field, actual_system);

CREATE TABLE IF NOT EXISTS findings_daily (
    day Date,
    rule_id String,
    entity String,
    actual_system String,
    kind String,
    observations UInt64
) ENGINE = SummingMergeTree(observations)
PARTITION BY toYYYYMM(day)
ORDER BY (day, rule_id, entity, actual_system, kind);

CREATE MATERIALIZED VIEW IF NOT EXISTS findings_daily_mv TO findings_daily AS
SELECT toDate(found_at) AS day, rule_id, entity, actual_system, kind, count() AS observations
FROM findings_history
GROUP BY day, rule_id, entity, actual_system, kind;
