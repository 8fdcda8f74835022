-- 0001_snapshots statement 1 [shard]
CREATE TABLE IF NOT EXISTS snapshot_customer (
    system String,
    entity_key String,
    key_hash UInt64 MATERIALIZED cityHash64(entity_key),
    snapshot_id String,
    captured_at DateTime,
    source_updated_at DateTime,
    customer_number String,
    legal_name String,
    tax_id String,
    billing_address_line1 String,
    billing_address_line2 String,
    billing_address_city String,
    billing_address_postal_code String,
    billing_address_region String,
    billing_address_country String,
    shipping_address_line1 String,
    shipping_address_line2 String,
    shipping_address_city String,
    shipping_address_postal_code String,
    shipping_address_region String,
    shipping_address_country String,
    country String,
    parent_key String,
    status String,
    phone String,
    email String,
    account_team String,
    field_hash UInt64 MATERIALIZED cityHash64(customer_number, legal_name, tax_id, billing_address_line1, billing_address_line2, billing_address_city, billing_address_postal_code, billing_address_region, billing_address_country, shipping_address_line1, shipping_address_line2, shipping_address_city, shipping_address_postal_code, shipping_address_region, shipping_address_country, country, parent_key, status, phone, email, account_team),
    raw_excerpt String
) ENGINE = MergeTree PARTITION BY toYYYYMM(captured_at)
ORDER BY (system, snapshot_id, key_hash);

-- 0001_snapshots statement 1 [entry]
CREATE TABLE IF NOT EXISTS snapshot_customer (
    system String,
    entity_key String,
    key_hash UInt64 ALIAS cityHash64(entity_key),
    snapshot_id String,
    captured_at DateTime,
    source_updated_at DateTime,
    customer_number String,
    legal_name String,
    tax_id String,
    billing_address_line1 String,
    billing_address_line2 String,
    billing_address_city String,
    billing_address_postal_code String,
    billing_address_region String,
    billing_address_country String,
    shipping_address_line1 String,
    shipping_address_line2 String,
    shipping_address_city String,
    shipping_address_postal_code String,
    shipping_address_region String,
    shipping_address_country String,
    country String,
    parent_key String,
    status String,
    phone String,
    email String,
    account_team String,
    field_hash UInt64 ALIAS cityHash64(customer_number, legal_name, tax_id, billing_address_line1, billing_address_line2, billing_address_city, billing_address_postal_code, billing_address_region, billing_address_country, shipping_address_line1, shipping_address_line2, shipping_address_city, shipping_address_postal_code, shipping_address_region, shipping_address_country, country, parent_key, status, phone, email, account_team),
    raw_excerpt String
) ENGINE = Distributed(driftwatch, driftwatch_local, snapshot_customer, cityHash64(customer_number));

-- 0001_snapshots statement 2 [shard]
CREATE TABLE IF NOT EXISTS current_customer (
    system String,
    entity_key String,
    key_hash UInt64 MATERIALIZED cityHash64(entity_key),
    snapshot_id String,
    captured_at DateTime,
    source_updated_at DateTime,
    customer_number String,
    legal_name String,
    tax_id String,
    billing_address_line1 String,
    billing_address_line2 String,
    billing_address_city String,
    billing_address_postal_code String,
    billing_address_region String,
    billing_address_country String,
    shipping_address_line1 String,
    shipping_address_line2 String,
    shipping_address_city String,
    shipping_address_postal_code String,
    shipping_address_region String,
    shipping_address_country String,
    country String,
    parent_key String,
    status String,
    phone String,
    email String,
    account_team String,
    field_hash UInt64 MATERIALIZED cityHash64(customer_number, legal_name, tax_id, billing_address_line1, billing_address_line2, billing_address_city, billing_address_postal_code, billing_address_region, billing_address_country, shipping_address_line1, shipping_address_line2, shipping_address_city, shipping_address_postal_code, shipping_address_region, shipping_address_country, country, parent_key, status, phone, email, account_team),
    raw_excerpt String,
    version UInt64,
    deleted UInt8
) ENGINE = ReplacingMergeTree(version) ORDER BY (system, key_hash, entity_key);

-- 0001_snapshots statement 2 [entry]
CREATE TABLE IF NOT EXISTS current_customer (
    system String,
    entity_key String,
    key_hash UInt64 ALIAS cityHash64(entity_key),
    snapshot_id String,
    captured_at DateTime,
    source_updated_at DateTime,
    customer_number String,
    legal_name String,
    tax_id String,
    billing_address_line1 String,
    billing_address_line2 String,
    billing_address_city String,
    billing_address_postal_code String,
    billing_address_region String,
    billing_address_country String,
    shipping_address_line1 String,
    shipping_address_line2 String,
    shipping_address_city String,
    shipping_address_postal_code String,
    shipping_address_region String,
    shipping_address_country String,
    country String,
    parent_key String,
    status String,
    phone String,
    email String,
    account_team String,
    field_hash UInt64 ALIAS cityHash64(customer_number, legal_name, tax_id, billing_address_line1, billing_address_line2, billing_address_city, billing_address_postal_code, billing_address_region, billing_address_country, shipping_address_line1, shipping_address_line2, shipping_address_city, shipping_address_postal_code, shipping_address_region, shipping_address_country, country, parent_key, status, phone, email, account_team),
    raw_excerpt String,
    version UInt64,
    deleted UInt8
) ENGINE = Distributed(driftwatch, driftwatch_local, current_customer, cityHash64(customer_number));

-- 0001_snapshots statement 3 [shard]
CREATE TABLE IF NOT EXISTS snapshot_contact (
    system String,
    entity_key String,
    key_hash UInt64 MATERIALIZED cityHash64(entity_key),
    snapshot_id String,
    captured_at DateTime,
    source_updated_at DateTime,
    customer_key String,
    customer_number String,
    first_name String,
    last_name String,
    email String,
    phone String,
    title String,
    field_hash UInt64 MATERIALIZED cityHash64(customer_key, customer_number, first_name, last_name, email, phone, title),
    raw_excerpt String
) ENGINE = MergeTree PARTITION BY toYYYYMM(captured_at)
ORDER BY (system, snapshot_id, key_hash);

-- 0001_snapshots statement 3 [entry]
CREATE TABLE IF NOT EXISTS snapshot_contact (
    system String,
    entity_key String,
    key_hash UInt64 ALIAS cityHash64(entity_key),
    snapshot_id String,
    captured_at DateTime,
    source_updated_at DateTime,
    customer_key String,
    customer_number String,
    first_name String,
    last_name String,
    email String,
    phone String,
    title String,
    field_hash UInt64 ALIAS cityHash64(customer_key, customer_number, first_name, last_name, email, phone, title),
    raw_excerpt String
) ENGINE = Distributed(driftwatch, driftwatch_local, snapshot_contact, cityHash64(email));

-- 0001_snapshots statement 4 [shard]
CREATE TABLE IF NOT EXISTS current_contact (
    system String,
    entity_key String,
    key_hash UInt64 MATERIALIZED cityHash64(entity_key),
    snapshot_id String,
    captured_at DateTime,
    source_updated_at DateTime,
    customer_key String,
    customer_number String,
    first_name String,
    last_name String,
    email String,
    phone String,
    title String,
    field_hash UInt64 MATERIALIZED cityHash64(customer_key, customer_number, first_name, last_name, email, phone, title),
    raw_excerpt String,
    version UInt64,
    deleted UInt8
) ENGINE = ReplacingMergeTree(version) ORDER BY (system, key_hash, entity_key);

-- 0001_snapshots statement 4 [entry]
CREATE TABLE IF NOT EXISTS current_contact (
    system String,
    entity_key String,
    key_hash UInt64 ALIAS cityHash64(entity_key),
    snapshot_id String,
    captured_at DateTime,
    source_updated_at DateTime,
    customer_key String,
    customer_number String,
    first_name String,
    last_name String,
    email String,
    phone String,
    title String,
    field_hash UInt64 ALIAS cityHash64(customer_key, customer_number, first_name, last_name, email, phone, title),
    raw_excerpt String,
    version UInt64,
    deleted UInt8
) ENGINE = Distributed(driftwatch, driftwatch_local, current_contact, cityHash64(email));

-- 0001_snapshots statement 5 [shard]
CREATE TABLE IF NOT EXISTS snapshot_credit_profile (
    system String,
    entity_key String,
    key_hash UInt64 MATERIALIZED cityHash64(entity_key),
    snapshot_id String,
    captured_at DateTime,
    source_updated_at DateTime,
    customer_key String,
    customer_number String,
    credit_limit Decimal(18, 2),
    currency String,
    payment_terms String,
    credit_hold UInt8,
    field_hash UInt64 MATERIALIZED cityHash64(customer_key, customer_number, toString(credit_limit), currency, payment_terms, credit_hold),
    raw_excerpt String
) ENGINE = MergeTree PARTITION BY toYYYYMM(captured_at)
ORDER BY (system, snapshot_id, key_hash);

-- 0001_snapshots statement 5 [entry]
CREATE TABLE IF NOT EXISTS snapshot_credit_profile (
    system String,
    entity_key String,
    key_hash UInt64 ALIAS cityHash64(entity_key),
    snapshot_id String,
    captured_at DateTime,
    source_updated_at DateTime,
    customer_key String,
    customer_number String,
    credit_limit Decimal(18, 2),
    currency String,
    payment_terms String,
    credit_hold UInt8,
    field_hash UInt64 ALIAS cityHash64(customer_key, customer_number, toString(credit_limit), currency, payment_terms, credit_hold),
    raw_excerpt String
) ENGINE = Distributed(driftwatch, driftwatch_local, snapshot_credit_profile, cityHash64(customer_number));

-- 0001_snapshots statement 6 [shard]
CREATE TABLE IF NOT EXISTS current_credit_profile (
    system String,
    entity_key String,
    key_hash UInt64 MATERIALIZED cityHash64(entity_key),
    snapshot_id String,
    captured_at DateTime,
    source_updated_at DateTime,
    customer_key String,
    customer_number String,
    credit_limit Decimal(18, 2),
    currency String,
    payment_terms String,
    credit_hold UInt8,
    field_hash UInt64 MATERIALIZED cityHash64(customer_key, customer_number, toString(credit_limit), currency, payment_terms, credit_hold),
    raw_excerpt String,
    version UInt64,
    deleted UInt8
) ENGINE = ReplacingMergeTree(version) ORDER BY (system, key_hash, entity_key);

-- 0001_snapshots statement 6 [entry]
CREATE TABLE IF NOT EXISTS current_credit_profile (
    system String,
    entity_key String,
    key_hash UInt64 ALIAS cityHash64(entity_key),
    snapshot_id String,
    captured_at DateTime,
    source_updated_at DateTime,
    customer_key String,
    customer_number String,
    credit_limit Decimal(18, 2),
    currency String,
    payment_terms String,
    credit_hold UInt8,
    field_hash UInt64 ALIAS cityHash64(customer_key, customer_number, toString(credit_limit), currency, payment_terms, credit_hold),
    raw_excerpt String,
    version UInt64,
    deleted UInt8
) ENGINE = Distributed(driftwatch, driftwatch_local, current_credit_profile, cityHash64(customer_number));

-- 0001_snapshots statement 7 [shard]
CREATE TABLE IF NOT EXISTS snapshot_order (
    system String,
    entity_key String,
    key_hash UInt64 MATERIALIZED cityHash64(entity_key),
    snapshot_id String,
    captured_at DateTime,
    source_updated_at DateTime,
    order_number String,
    customer_key String,
    customer_number String,
    status String,
    status_changed_at DateTime,
    total Decimal(18, 2),
    currency String,
    field_hash UInt64 MATERIALIZED cityHash64(order_number, customer_key, customer_number, status, toUInt32(status_changed_at), toString(total), currency),
    raw_excerpt String
) ENGINE = MergeTree PARTITION BY toYYYYMM(captured_at)
ORDER BY (system, snapshot_id, key_hash);

-- 0001_snapshots statement 7 [entry]
CREATE TABLE IF NOT EXISTS snapshot_order (
    system String,
    entity_key String,
    key_hash UInt64 ALIAS cityHash64(entity_key),
    snapshot_id String,
    captured_at DateTime,
    source_updated_at DateTime,
    order_number String,
    customer_key String,
    customer_number String,
    status String,
    status_changed_at DateTime,
    total Decimal(18, 2),
    currency String,
    field_hash UInt64 ALIAS cityHash64(order_number, customer_key, customer_number, status, toUInt32(status_changed_at), toString(total), currency),
    raw_excerpt String
) ENGINE = Distributed(driftwatch, driftwatch_local, snapshot_order, cityHash64(order_number));

-- 0001_snapshots statement 8 [shard]
CREATE TABLE IF NOT EXISTS current_order (
    system String,
    entity_key String,
    key_hash UInt64 MATERIALIZED cityHash64(entity_key),
    snapshot_id String,
    captured_at DateTime,
    source_updated_at DateTime,
    order_number String,
    customer_key String,
    customer_number String,
    status String,
    status_changed_at DateTime,
    total Decimal(18, 2),
    currency String,
    field_hash UInt64 MATERIALIZED cityHash64(order_number, customer_key, customer_number, status, toUInt32(status_changed_at), toString(total), currency),
    raw_excerpt String,
    version UInt64,
    deleted UInt8
) ENGINE = ReplacingMergeTree(version) ORDER BY (system, key_hash, entity_key);

-- 0001_snapshots statement 8 [entry]
CREATE TABLE IF NOT EXISTS current_order (
    system String,
    entity_key String,
    key_hash UInt64 ALIAS cityHash64(entity_key),
    snapshot_id String,
    captured_at DateTime,
    source_updated_at DateTime,
    order_number String,
    customer_key String,
    customer_number String,
    status String,
    status_changed_at DateTime,
    total Decimal(18, 2),
    currency String,
    field_hash UInt64 ALIAS cityHash64(order_number, customer_key, customer_number, status, toUInt32(status_changed_at), toString(total), currency),
    raw_excerpt String,
    version UInt64,
    deleted UInt8
) ENGINE = Distributed(driftwatch, driftwatch_local, current_order, cityHash64(order_number));

-- 0001_snapshots statement 9 [shard]
CREATE TABLE IF NOT EXISTS snapshot_shipment (
    system String,
    entity_key String,
    key_hash UInt64 MATERIALIZED cityHash64(entity_key),
    snapshot_id String,
    captured_at DateTime,
    source_updated_at DateTime,
    order_number String,
    milestone String,
    milestone_at DateTime,
    carrier String,
    tracking_number String,
    field_hash UInt64 MATERIALIZED cityHash64(order_number, milestone, toUInt32(milestone_at), carrier, tracking_number),
    raw_excerpt String
) ENGINE = MergeTree PARTITION BY toYYYYMM(captured_at)
ORDER BY (system, snapshot_id, key_hash);

-- 0001_snapshots statement 9 [entry]
CREATE TABLE IF NOT EXISTS snapshot_shipment (
    system String,
    entity_key String,
    key_hash UInt64 ALIAS cityHash64(entity_key),
    snapshot_id String,
    captured_at DateTime,
    source_updated_at DateTime,
    order_number String,
    milestone String,
    milestone_at DateTime,
    carrier String,
    tracking_number String,
    field_hash UInt64 ALIAS cityHash64(order_number, milestone, toUInt32(milestone_at), carrier, tracking_number),
    raw_excerpt String
) ENGINE = Distributed(driftwatch, driftwatch_local, snapshot_shipment, cityHash64(order_number));

-- 0001_snapshots statement 10 [shard]
CREATE TABLE IF NOT EXISTS current_shipment (
    system String,
    entity_key String,
    key_hash UInt64 MATERIALIZED cityHash64(entity_key),
    snapshot_id String,
    captured_at DateTime,
    source_updated_at DateTime,
    order_number String,
    milestone String,
    milestone_at DateTime,
    carrier String,
    tracking_number String,
    field_hash UInt64 MATERIALIZED cityHash64(order_number, milestone, toUInt32(milestone_at), carrier, tracking_number),
    raw_excerpt String,
    version UInt64,
    deleted UInt8
) ENGINE = ReplacingMergeTree(version) ORDER BY (system, key_hash, entity_key);

-- 0001_snapshots statement 10 [entry]
CREATE TABLE IF NOT EXISTS current_shipment (
    system String,
    entity_key String,
    key_hash UInt64 ALIAS cityHash64(entity_key),
    snapshot_id String,
    captured_at DateTime,
    source_updated_at DateTime,
    order_number String,
    milestone String,
    milestone_at DateTime,
    carrier String,
    tracking_number String,
    field_hash UInt64 ALIAS cityHash64(order_number, milestone, toUInt32(milestone_at), carrier, tracking_number),
    raw_excerpt String,
    version UInt64,
    deleted UInt8
) ENGINE = Distributed(driftwatch, driftwatch_local, current_shipment, cityHash64(order_number));

-- 0001_snapshots statement 11 [shard]
CREATE TABLE IF NOT EXISTS snapshot_ticket (
    system String,
    entity_key String,
    key_hash UInt64 MATERIALIZED cityHash64(entity_key),
    snapshot_id String,
    captured_at DateTime,
    source_updated_at DateTime,
    organization_key String,
    customer_number String,
    subject String,
    status String,
    priority String,
    field_hash UInt64 MATERIALIZED cityHash64(organization_key, customer_number, subject, status, priority),
    raw_excerpt String
) ENGINE = MergeTree PARTITION BY toYYYYMM(captured_at)
ORDER BY (system, snapshot_id, key_hash);

-- 0001_snapshots statement 11 [entry]
CREATE TABLE IF NOT EXISTS snapshot_ticket (
    system String,
    entity_key String,
    key_hash UInt64 ALIAS cityHash64(entity_key),
    snapshot_id String,
    captured_at DateTime,
    source_updated_at DateTime,
    organization_key String,
    customer_number String,
    subject String,
    status String,
    priority String,
    field_hash UInt64 ALIAS cityHash64(organization_key, customer_number, subject, status, priority),
    raw_excerpt String
) ENGINE = Distributed(driftwatch, driftwatch_local, snapshot_ticket, cityHash64(customer_number));

-- 0001_snapshots statement 12 [shard]
CREATE TABLE IF NOT EXISTS current_ticket (
    system String,
    entity_key String,
    key_hash UInt64 MATERIALIZED cityHash64(entity_key),
    snapshot_id String,
    captured_at DateTime,
    source_updated_at DateTime,
    organization_key String,
    customer_number String,
    subject String,
    status String,
    priority String,
    field_hash UInt64 MATERIALIZED cityHash64(organization_key, customer_number, subject, status, priority),
    raw_excerpt String,
    version UInt64,
    deleted UInt8
) ENGINE = ReplacingMergeTree(version) ORDER BY (system, key_hash, entity_key);

-- 0001_snapshots statement 12 [entry]
CREATE TABLE IF NOT EXISTS current_ticket (
    system String,
    entity_key String,
    key_hash UInt64 ALIAS cityHash64(entity_key),
    snapshot_id String,
    captured_at DateTime,
    source_updated_at DateTime,
    organization_key String,
    customer_number String,
    subject String,
    status String,
    priority String,
    field_hash UInt64 ALIAS cityHash64(organization_key, customer_number, subject, status, priority),
    raw_excerpt String,
    version UInt64,
    deleted UInt8
) ENGINE = Distributed(driftwatch, driftwatch_local, current_ticket, cityHash64(customer_number));

-- 0001_snapshots statement 13 [shard]
CREATE TABLE IF NOT EXISTS entity_events (
    system String,
    entity String,
    entity_key String,
    match_key String,
    field String,
    value String,
    occurred_at DateTime,
    captured_at DateTime
) ENGINE = MergeTree PARTITION BY toYYYYMM(captured_at)
ORDER BY (system, entity, match_key, occurred_at);

-- 0001_snapshots statement 13 [entry]
CREATE TABLE IF NOT EXISTS entity_events (
    system String,
    entity String,
    entity_key String,
    match_key String,
    field String,
    value String,
    occurred_at DateTime,
    captured_at DateTime
) ENGINE = Distributed(driftwatch, driftwatch_local, entity_events, cityHash64(match_key));

-- 0001_snapshots statement 14 [shard]
CREATE TABLE IF NOT EXISTS rejected_records (
    system String,
    entity String,
    entity_key String,
    snapshot_id String,
    reason String,
    raw_excerpt String,
    rejected_at DateTime
) ENGINE = MergeTree PARTITION BY toYYYYMM(rejected_at)
ORDER BY (system, entity, snapshot_id, entity_key);

-- 0001_snapshots statement 14 [entry]
CREATE TABLE IF NOT EXISTS rejected_records (
    system String,
    entity String,
    entity_key String,
    snapshot_id String,
    reason String,
    raw_excerpt String,
    rejected_at DateTime
) ENGINE = Distributed(driftwatch, driftwatch_local, rejected_records, cityHash64(entity_key));

-- 0001_snapshots statement 15 [shard]
CREATE TABLE IF NOT EXISTS snapshot_catalog (
    snapshot_id String,
    system String,
    entity String,
    mode String,
    row_count UInt64,
    reject_count UInt64,
    started_at DateTime,
    completed_at DateTime
) ENGINE = ReplacingMergeTree(completed_at) ORDER BY (system, entity, snapshot_id);

-- 0001_snapshots statement 15 [entry]
CREATE TABLE IF NOT EXISTS snapshot_catalog (
    snapshot_id String,
    system String,
    entity String,
    mode String,
    row_count UInt64,
    reject_count UInt64,
    started_at DateTime,
    completed_at DateTime
) ENGINE = Distributed(driftwatch, driftwatch_local, snapshot_catalog, cityHash64(snapshot_id));

-- 0002_findings statement 1 [shard]
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
) ENGINE = MergeTree PARTITION BY toYYYYMM(found_at)
ORDER BY (run_id, rule_id, entity, match_key, field, actual_system);

-- 0002_findings statement 1 [entry]
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
) ENGINE = Distributed(driftwatch, driftwatch_local, findings_history, cityHash64(match_key));

-- 0002_findings statement 2 [shard]
CREATE TABLE IF NOT EXISTS findings_daily (
    day Date,
    rule_id String,
    entity String,
    actual_system String,
    kind String,
    observations UInt64
) ENGINE = SummingMergeTree(observations) PARTITION BY toYYYYMM(day)
ORDER BY (day, rule_id, entity, actual_system, kind);

-- 0002_findings statement 2 [entry]
CREATE TABLE IF NOT EXISTS findings_daily (
    day Date,
    rule_id String,
    entity String,
    actual_system String,
    kind String,
    observations UInt64
) ENGINE = Distributed(driftwatch, driftwatch_local, findings_daily, rand());

-- 0002_findings statement 3 [shard]
CREATE MATERIALIZED VIEW IF NOT EXISTS findings_daily_mv TO findings_daily AS
SELECT toDate(found_at) AS day, rule_id, entity, actual_system, kind, count() AS observations
FROM findings_history
GROUP BY day, rule_id, entity, actual_system, kind;
