-- shared_hash: like field_hash, a hash of the canonical fields computed by ClickHouse at insert, but
--   without the system-local references (SYSTEM_LOCAL_COLUMNS in reconciliation-rules: a customer's
--   parent_key, the customer_key of contacts, credit profiles and orders, a ticket's organization_key),
--   which hold each system's own ids and so differ across systems for every record that has one. Two
--   systems' copies of a record agree on it when their shared fields do: field_match rules narrow on it.
--   Parts written before this migration compute it when read.

ALTER TABLE snapshot_customer ADD COLUMN shared_hash UInt64 MATERIALIZED cityHash64(customer_number, legal_name, tax_id, billing_address_line1, billing_address_line2, billing_address_city, billing_address_postal_code, billing_address_region, billing_address_country, shipping_address_line1, shipping_address_line2, shipping_address_city, shipping_address_postal_code, shipping_address_region, shipping_address_country, country, status, phone, email, account_team) AFTER field_hash;

ALTER TABLE current_customer ADD COLUMN shared_hash UInt64 MATERIALIZED cityHash64(customer_number, legal_name, tax_id, billing_address_line1, billing_address_line2, billing_address_city, billing_address_postal_code, billing_address_region, billing_address_country, shipping_address_line1, shipping_address_line2, shipping_address_city, shipping_address_postal_code, shipping_address_region, shipping_address_country, country, status, phone, email, account_team) AFTER field_hash;

ALTER TABLE snapshot_contact ADD COLUMN shared_hash UInt64 MATERIALIZED cityHash64(customer_number, first_name, last_name, email, phone, title) AFTER field_hash;

ALTER TABLE current_contact ADD COLUMN shared_hash UInt64 MATERIALIZED cityHash64(customer_number, first_name, last_name, email, phone, title) AFTER field_hash;

ALTER TABLE snapshot_credit_profile ADD COLUMN shared_hash UInt64 MATERIALIZED cityHash64(customer_number, toString(credit_limit), currency, payment_terms, credit_hold) AFTER field_hash;

ALTER TABLE current_credit_profile ADD COLUMN shared_hash UInt64 MATERIALIZED cityHash64(customer_number, toString(credit_limit), currency, payment_terms, credit_hold) AFTER field_hash;

ALTER TABLE snapshot_order ADD COLUMN shared_hash UInt64 MATERIALIZED cityHash64(order_number, customer_number, status, toUInt32(status_changed_at), toString(total), currency) AFTER field_hash;

ALTER TABLE current_order ADD COLUMN shared_hash UInt64 MATERIALIZED cityHash64(order_number, customer_number, status, toUInt32(status_changed_at), toString(total), currency) AFTER field_hash;

ALTER TABLE snapshot_shipment ADD COLUMN shared_hash UInt64 MATERIALIZED cityHash64(order_number, milestone, toUInt32(milestone_at), carrier, tracking_number) AFTER field_hash;

ALTER TABLE current_shipment ADD COLUMN shared_hash UInt64 MATERIALIZED cityHash64(order_number, milestone, toUInt32(milestone_at), carrier, tracking_number) AFTER field_hash;

ALTER TABLE snapshot_ticket ADD COLUMN shared_hash UInt64 MATERIALIZED cityHash64(customer_number, subject, status, priority) AFTER field_hash;

ALTER TABLE current_ticket ADD COLUMN shared_hash UInt64 MATERIALIZED cityHash64(customer_number, subject, status, priority) AFTER field_hash;
