-- Snapshot schema (issue 5). Agreed with the rules engine: table and column names are a contract.
-- snapshot_<entity>: every captured row, one set per snapshot_id; only snapshot ids listed in
--   snapshot_catalog (status complete) feed reconciliation; a failed run's rows are deleted and never listed.
-- current_<entity>: latest known state per (system, key), ReplacingMergeTree by version, deleted=1 marks
--   a key absent from a complete full snapshot. Read with FINAL (or argMax by version) and deleted = 0.
-- key_hash and field_hash are MATERIALIZED: computed by ClickHouse at insert, never sent by Node,
--   and not returned by SELECT * (select them by name). field_hash covers the canonical fields only.

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
) ENGINE = MergeTree
PARTITION BY toYYYYMM(captured_at)
ORDER BY (system, snapshot_id, key_hash);

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
) ENGINE = ReplacingMergeTree(version)
ORDER BY (system, key_hash, entity_key);

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
) ENGINE = MergeTree
PARTITION BY toYYYYMM(captured_at)
ORDER BY (system, snapshot_id, key_hash);

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
) ENGINE = ReplacingMergeTree(version)
ORDER BY (system, key_hash, entity_key);

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
) ENGINE = MergeTree
PARTITION BY toYYYYMM(captured_at)
ORDER BY (system, snapshot_id, key_hash);

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
) ENGINE = ReplacingMergeTree(version)
ORDER BY (system, key_hash, entity_key);

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
) ENGINE = MergeTree
PARTITION BY toYYYYMM(captured_at)
ORDER BY (system, snapshot_id, key_hash);

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
) ENGINE = ReplacingMergeTree(version)
ORDER BY (system, key_hash, entity_key);

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
) ENGINE = MergeTree
PARTITION BY toYYYYMM(captured_at)
ORDER BY (system, snapshot_id, key_hash);

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
) ENGINE = ReplacingMergeTree(version)
ORDER BY (system, key_hash, entity_key);

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
) ENGINE = MergeTree
PARTITION BY toYYYYMM(captured_at)
ORDER BY (system, snapshot_id, key_hash);

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
) ENGINE = ReplacingMergeTree(version)
ORDER BY (system, key_hash, entity_key);

-- Status transitions with their source timestamps (SLA rules). match_key is the cross-system key
-- (order number, customer number) so events of different systems join without the entity tables.
CREATE TABLE IF NOT EXISTS entity_events (
    system String,
    entity String,
    entity_key String,
    match_key String,
    field String,
    value String,
    occurred_at DateTime,
    captured_at DateTime
) ENGINE = MergeTree
PARTITION BY toYYYYMM(captured_at)
ORDER BY (system, entity, match_key, occurred_at);

CREATE TABLE IF NOT EXISTS rejected_records (
    system String,
    entity String,
    entity_key String,
    snapshot_id String,
    reason String,
    raw_excerpt String,
    rejected_at DateTime
) ENGINE = MergeTree
PARTITION BY toYYYYMM(rejected_at)
ORDER BY (system, entity, snapshot_id, entity_key);

-- One row per snapshot that completed: the only snapshot ids reconciliation may read. mode is full or
-- incremental; the latest complete full snapshot of (system, entity) is the set to diff.
CREATE TABLE IF NOT EXISTS snapshot_catalog (
    snapshot_id String,
    system String,
    entity String,
    mode String,
    row_count UInt64,
    reject_count UInt64,
    started_at DateTime,
    completed_at DateTime
) ENGINE = ReplacingMergeTree(completed_at)
ORDER BY (system, entity, snapshot_id);
